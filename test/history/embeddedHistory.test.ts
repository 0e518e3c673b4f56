/** The history rules with the event log in the embedded store (no ClickHouse, no Postgres server). */
import { startEngineUnderTest } from "../support/engineUnderTest.ts";
import { describeHistoryRules } from "./historyRules.ts";

describeHistoryRules("the embedded store", () => startEngineUnderTest({ EVENT_LOG_FLUSH_MS: "10" }));
