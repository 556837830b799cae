// The billing core's public surface (SEMANTICS): accounts, sessions, tariffs, config, pilot states.
export * from "./accounting"
export * from "./config"
export * from "./pilot"
export * from "./session"
export * from "./state"
export * from "./tariff"
