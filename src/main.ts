import { StallAccounting } from "./core/accounting"
import { configFrom } from "./core/config"
import { defaultTariff } from "./core/tariff"

const acct = new StallAccounting(configFrom(undefined), defaultTariff())
console.log("stall: " + acct.stateName())
