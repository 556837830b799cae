// `--web [PORT]`, one option of sim live, sim fleet and sim backend: the site view (sim/web/).
import { numberArg, type OptionSpec } from "./args"

export const WEB_OPTION = {
    value: "PORT",
    optionalValue: /^\d+$/,
    description:
        "serve the site view, a live page of the stalls, on http://127.0.0.1:PORT/ (no PORT or 0: a free one); its URL is the first line printed",
    default: "no page",
} as const satisfies OptionSpec

/** The port to serve on (0: a free one), undefined without --web. */
export function webPort(value: string | true | undefined): number | undefined {
    if (value === undefined) return undefined
    return value === true ? 0 : numberArg("web", value, 0, 65535)
}

/** The line that announces the page: the first a command prints with --web. */
export const webLine = (url: string) => `web: ${url}`
