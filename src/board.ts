// Firmware entry for the stall_s3 board with its analog meter: the board's servers
// first (DeviceScript runs the top-level code of the imports in import order), then
// the stall firmware itself, unchanged.
import "./hw/s3-pilot"
import "./hw/s3-meter"
import "./main"
