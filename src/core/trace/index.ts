// Trace tooling: stall-trace/1 replay and SEMANTICS output comparison.
export * from "./compare"
export * from "./replay"
