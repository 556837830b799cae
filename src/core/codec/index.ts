// Exact integer encoding of state for flash (200-byte settings values).
export * from "./checkpoint"
