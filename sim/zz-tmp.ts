import { runFleet } from "./fleet"
import { FleetLedger } from "./fleet-backend"
const orig = FleetLedger.prototype.published
const log: string[] = []
FleetLedger.prototype.published = function (p) {
    if (p.topic.endsWith("/session")) log.push(`${performance.now().toFixed(0)} ${JSON.parse(p.payload).sessionId}`)
    return orig.call(this, p)
}
const url = process.argv[2]
const r = await runFleet({ stalls: 20, minutes: 30, speed: 60, brokerUrl: url || undefined })
console.log(log.join("\n"))
console.log(JSON.stringify(r.records), r.latencyMs.records)
