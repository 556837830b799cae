import { MQTTClient } from "@devicescript/net"

/**
 * @devicescript/net's MQTT client (2.16.4, unmaintained) logs every packet it sends
 * or receives as hex through console.debug. Under a burst of commands each received
 * chunk then takes several copies of itself in the stall's 64 KB heap (measured:
 * OutOfMemory inside the client's trace). Its plain log lines stay.
 *
 * Known and not fixable from outside (its methods are private, and DeviceScript has
 * no super calls): it still builds the hex string of every received chunk, and it
 * splits a chunk of many packets by recursion that keeps a copy of the rest at every
 * level. Link keeps chunks small by never making the client wait on our handler (see
 * Link.onMessage); the broker must bound what it sends at once (docs/mqtt.md, "Flow
 * control").
 */
;(MQTTClient.prototype as any).trace = function (msg: string) {}
