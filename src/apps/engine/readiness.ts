/**
 * `/ready`: ready when the inputs are connected and the state recovered; degraded (still ready)
 * while an output or a lookup is behind, named so an operator knows which dependency to look at.
 */
import type { Readiness } from "../../http/httpDeps.ts";
import type { SourceStatus } from "../../runtime/ports.ts";

export interface ReadinessInputs {
  readonly stopping: () => boolean;
  /** With Kafka: the source's status. */
  readonly source: (() => SourceStatus) | null;
  /** Name → healthy, for the outputs and lookups that degrade but do not stop the engine. */
  readonly outputs: () => Record<string, boolean>;
}

export function readinessOf(inputs: ReadinessInputs): Readiness {
  const degraded = Object.entries(inputs.outputs()).filter(([, ok]) => !ok).map(([name]) => name);
  const accepting = !inputs.stopping();
  if (inputs.source === null) return { ready: accepting, checks: { accepting }, degraded };
  const status = inputs.source();
  const checks = {
    accepting,
    kafkaConsumer: status.state === "running" && !status.stalled,
    stateRecovered: status.state === "running",
  };
  return { ready: Object.values(checks).every(Boolean), checks, degraded, shards: status.shards };
}
