import { describe, expect, it } from "vitest"
import { parseEnv } from "../../../sim/commands/env-file"

// As DeviceScript 2.16.4's CLI reads .env.local (parseToSettings in its bundle).
describe("settings files", () => {
    it("values are JSON when they parse, else text; an empty value is none", () => {
        expect(parseEnv('V_GAIN=200\nTAP=true\nSTALL_ID=bay-7\nNAME="quoted"\nLIST=[1,2]\nEMPTY=\n')).toEqual({
            V_GAIN: 200,
            TAP: true,
            STALL_ID: "bay-7",
            NAME: "quoted",
            LIST: [1, 2],
            EMPTY: undefined,
        })
    })

    it("drops every line with a #, and lines without =; the last of a key wins; CRLF works", () => {
        expect(parseEnv("# c\nA=1 # not a comment but a dropped line\nB=1\r\nnoise\nB=2\r\nC=a=b\n")).toEqual({
            B: 2,
            C: "a=b",
        })
    })

    it("null is the text null, as DeviceScript's JSON-or-text gives", () => {
        expect(parseEnv("X=null\n")).toEqual({ X: "null" })
    })
})
