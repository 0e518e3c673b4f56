/**
 * Are the Kafka brokers there? An admin connection and a cluster description, with few retries,
 * at start: the engine's own clients retry for long (right while it runs), so without this a
 * broker that is down at start ends the start in a stack trace long after.
 */
import { Kafka, logLevel } from "kafkajs";

export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** Quiet: its answer is the error it returns, not kafkajs's lines about each retry. */
export async function probeKafka(brokers: string[], timeoutMs: number): Promise<ProbeResult> {
  const kafka = new Kafka({
    clientId: "balance-engine-probe", brokers, connectionTimeout: timeoutMs, requestTimeout: timeoutMs,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 }, logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
