// The yearly free-energy credit, pure: which calendar year a moment belongs to in the
// site's time zone, and how much credit an account has left. Unused credit does not
// carry over: each year starts from the full credit.

/** 400 kWh a year (the product's default) */
export const YEARLY_CREDIT_WH = 400_000
export const SITE_TIME_ZONE = "Europe/Berlin"
/** credit reserved at authorization counts for this long when no record settles it */
export const RESERVATION_MS = 12 * 3_600_000

const yearFormats = new Map<string, Intl.DateTimeFormat>()

/** The calendar year of `epochMs` in `timeZone` (IANA name); throws on an unknown zone. */
export function creditYear(epochMs: number, timeZone: string): number {
    let f = yearFormats.get(timeZone)
    if (!f) {
        f = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric" })
        yearFormats.set(timeZone, f)
    }
    return Number(f.format(epochMs))
}

/** A time zone Intl knows, or a clear error. */
export function checkTimeZone(timeZone: string): string | null {
    try {
        creditYear(0, timeZone)
        return null
    } catch {
        return `unknown time zone '${timeZone}' (an IANA name such as Europe/Berlin)`
    }
}

/** Credit left for a new authorization: the year's credit less what records used and open reservations hold. */
export function remainingWh(creditWh: number, usedWh: number, reservedWh: number): number {
    return Math.max(0, creditWh - usedWh - reservedWh)
}
