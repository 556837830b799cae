// Firmware entry for the stall_s3 board with a Jacdac meter co-processor on its
// Jacdac connector (docs/hardware.md): the board serves only the pilot.
import "./hw/s3-pilot"
import "./main"
