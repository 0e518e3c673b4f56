/**
 * The webhook signature (contract section 7): `Webhook-Signature: t=<unix seconds>,v1=<hex>`, where
 * the hex is HMAC-SHA256 with WEBHOOK_SECRET over `<t>.<raw body>`. A receiver recomputes it over
 * the bytes it received, compares in constant time, and refuses a `t` too far from its clock
 * (a replayed old delivery). `verifyWebhookSignature` is what a receiver runs (the README shows it).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export function webhookSignature(secret: string, timestampSeconds: number, body: string): string {
  const digest = createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex");
  return `t=${timestampSeconds},v1=${digest}`;
}

export function verifyWebhookSignature(secret: string, header: string, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = new Map(header.split(",").map((part) => [part.slice(0, part.indexOf("=")), part.slice(part.indexOf("=") + 1)] as const));
  const timestamp = Number(parts.get("t"));
  const given = parts.get("v1") ?? "";
  if (!Number.isSafeInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest();
  const received = Buffer.from(given, "hex");
  return received.length === expected.length && timingSafeEqual(received, expected);
}
