// The MQTT contract's JSON Schemas (docs/schemas/) compiled once with ajv, for the
// live collector and the tests: is this payload, on this topic, what the contract says?

import { readFileSync, readdirSync } from "node:fs"
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv"
import { STALL_TOPICS, topicKind, type TopicKind } from "../../src/core/stall/index"

export const SCHEMA_DIR = new URL("../../docs/schemas/", import.meta.url)
/** every schema's $id is this + its file name, so relative $refs resolve beside it */
const SCHEMA_BASE = "https://stall-controller.invalid/schemas/v1/"

/** One schema per message: one per topic kind (src/core/stall/topics.ts), and `offline`, the will, which `status` admits (told apart by `state`). */
export type MessageKind = TopicKind | "offline"
export const MESSAGE_KINDS: readonly MessageKind[] = [...STALL_TOPICS, "clock", "site/occupancy", "offline"]

function schemaFile(kind: MessageKind): string {
    if (kind === "tap") return "tap-row.schema.json"
    return kind.replace("/", "-") + ".schema.json"
}

// strict: a typo in a schema keyword is an error, not a silently ignored rule
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true })
for (const f of readdirSync(SCHEMA_DIR)
    .filter((n) => n.endsWith(".schema.json"))
    .sort()) {
    const schema = JSON.parse(readFileSync(new URL(f, SCHEMA_DIR), "utf8"))
    if (schema.$id !== SCHEMA_BASE + f) throw new Error(`${f}: $id must be ${SCHEMA_BASE + f}`)
    ajv.addSchema(schema)
}

const validators = new Map<MessageKind, ValidateFunction>()
function validatorOf(kind: MessageKind): ValidateFunction {
    let v = validators.get(kind)
    if (!v) {
        v = ajv.getSchema(SCHEMA_BASE + schemaFile(kind))
        if (!v) throw new Error(`no schema for ${kind}`)
        validators.set(kind, v)
    }
    return v
}

/** Accepts a kind, a topic suffix (`cmd/tariff`) or a schema file stem (`cmd-tariff`, `tap-row`, `site-occupancy`). */
export function toKind(name: string): MessageKind | null {
    for (const k of MESSAGE_KINDS) if (k === name || schemaFile(k) === name + ".schema.json") return k
    return null
}

/** The kind of message a topic carries for this stall (exact match; src/core/stall/topics.ts), null when not one of its. */
export function kindOfTopic(topic: string, prefix: string, stallId: string): MessageKind | null {
    return topicKind(topic, prefix, stallId)
}

/** One line per problem, e.g. `/cost/totalMinor must be integer`. */
export function describeAjvError(e: ErrorObject): string {
    const where = e.instancePath || "(root)"
    const p = e.params as Record<string, unknown>
    if (e.keyword === "enum") return `${where} must be one of: ${(p.allowedValues as unknown[]).join(", ")}`
    if (e.keyword === "const") return `${where} must be ${JSON.stringify(p.allowedValue)}`
    if (e.keyword === "additionalProperties") return `${where} has unknown property "${p.additionalProperty}"`
    return `${where} ${e.message}`
}

function isOffline(p: unknown): boolean {
    return p !== null && typeof p === "object" && (p as { state?: unknown }).state === "offline"
}

/**
 * null when `payload` (already parsed JSON) is a valid message of that kind, else a
 * readable error. `topicSuffixOrKind`: see toKind.
 */
export function validateMessage(topicSuffixOrKind: string, payload: unknown): string | null {
    let kind = toKind(topicSuffixOrKind)
    if (!kind) return `unknown message kind "${topicSuffixOrKind}"`
    if (kind === "status" && isOffline(payload)) kind = "offline"
    const v = validatorOf(kind)
    if (v(payload)) return null
    // "if" and "oneOf" only summarize the errors listed next to them
    const errors = (v.errors ?? []).filter((e) => e.keyword !== "if" && e.keyword !== "oneOf")
    const lines = [...new Set((errors.length ? errors : (v.errors ?? [])).map(describeAjvError))]
    return `${kind}: ${lines.join("; ")}`
}

/** validateMessage for raw MQTT payloads (Buffer or string): not JSON is an error too. */
export function validateText(topicSuffixOrKind: string, text: string | Uint8Array): string | null {
    const s = typeof text === "string" ? text : Buffer.from(text).toString("utf8")
    let payload: unknown
    try {
        payload = JSON.parse(s)
    } catch {
        return `${topicSuffixOrKind}: not JSON`
    }
    return validateMessage(topicSuffixOrKind, payload)
}
