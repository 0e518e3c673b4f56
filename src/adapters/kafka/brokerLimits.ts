/**
 * The shortest session timeout the brokers accept (`group.min.session.timeout.ms`, 6000 on a
 * stock broker; the project's scripts set 1000). The engine asks for KAFKA_SESSION_TIMEOUT_MS
 * but never less than this, so a short default speeds up failover where the brokers allow it and
 * still joins a stock cluster.
 */
import { ConfigResourceTypes, type Admin } from "kafkajs";

const MIN_SESSION_TIMEOUT = "group.min.session.timeout.ms";

/** null when the brokers do not say (the configured timeout is used as it is). */
export async function sessionTimeoutFloorMs(admin: Admin): Promise<number | null> {
  const { brokers } = await admin.describeCluster();
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: brokers.map((broker) => ({ type: ConfigResourceTypes.BROKER, name: String(broker.nodeId), configNames: [MIN_SESSION_TIMEOUT] })),
  });
  const floors = described.resources
    .flatMap((resource) => resource.configEntries)
    .filter((entry) => entry.configName === MIN_SESSION_TIMEOUT)
    .map((entry) => Number(entry.configValue))
    .filter((value) => Number.isSafeInteger(value) && value > 0);
  return floors.length === 0 ? null : Math.max(...floors);
}
