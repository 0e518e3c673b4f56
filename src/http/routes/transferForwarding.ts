/**
 * A transfer that reached an instance which does not decide for its source account is forwarded
 * to the one that does (found in Redis), with the caller's own headers, and that instance's answer
 * is the answer. While the partition moves (no owner yet, or the owner still replaying its
 * journal) it retries for up to FORWARD_WAIT_MS, then gives up with 503 and Retry-After: the
 * request is decided once, by the owner, or not at all. A forwarded request is never forwarded on.
 */
import type { TransferOwners } from "../../runtime/ports.ts";

export const FORWARDED_HEADER = "x-balance-engine-forwarded";
const FORWARD_WAIT_MS = 5000;
const RETRY_MS = 100;
const FORWARDED_HEADERS = ["content-type", "idempotency-key", "authorization", "x-api-key"];

/** The owner's answer, or null when none could be had within the wait. */
export async function forwardTransfer(owners: TransferOwners, request: Request, accountId: string, body: unknown): Promise<Response | null> {
  if (request.headers.get(FORWARDED_HEADER) !== null) return null;
  const headers: Record<string, string> = { [FORWARDED_HEADER]: "1" };
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  const deadline = Date.now() + FORWARD_WAIT_MS;
  while (Date.now() < deadline) {
    const url = await owners.ownerUrlOf(accountId).catch(() => null);
    if (url !== null) {
      const answer = await fetch(`${url}/v1/transfers`, { method: "POST", headers, body: JSON.stringify(body), signal: AbortSignal.timeout(FORWARD_WAIT_MS) })
        .catch(() => null);
      // 503 from the owner: it is itself not ready for the partition (moving); ask again.
      if (answer !== null && answer.status !== 503) return answer;
    }
    await Bun.sleep(RETRY_MS);
  }
  return null;
}
