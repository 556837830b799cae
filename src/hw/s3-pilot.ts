// The stall_s3 board's control pilot (boards/stall_s3.board.json): the potentiometer
// service on the CP peak-hold's ADC pin, which the stall's pilot role binds. A start
// call is compiled into the program's hardware config, so it stays at the top level;
// its result is unused, so it allocates no role that would take the server first.
import { board } from "@dsboard/stall_s3"

board.startPilot()
