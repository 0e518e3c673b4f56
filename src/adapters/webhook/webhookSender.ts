/**
 * Transfer status changes to WEBHOOK_URL, signed (webhookSignature.ts). Each change is one event
 * with a fixed `Webhook-Id` (`<transferId>:<status>`): a retry, or the same change sent again by
 * the instance that took a partition over, carries the same id, so a receiver keeps each once.
 * A delivery that fails (no answer within 5 s, or not 2xx) is retried after 1 s, 2 s, 4 s ... up
 * to 5 min apart, ATTEMPTS_MAX times. Bounded: past `queueMax` waiting deliveries the newest are
 * dropped; every outcome is counted (`webhook_deliveries_total{outcome}`).
 */
import type { TransferView } from "../../domain/transfer/transferView.ts";
import type { Logger } from "../../observability/log.ts";
import { webhookSignature } from "./webhookSignature.ts";

const ATTEMPTS_MAX = 12;
const RETRY_MS_MIN = 1000;
const RETRY_MS_MAX = 300_000;
const TIMEOUT_MS = 5000;
const IN_FLIGHT_MAX = 8;
const TICK_MS = 100;

export type WebhookOutcome = "delivered" | "retried" | "failed" | "dropped";

interface Delivery {
  readonly id: string;
  readonly body: string;
  attempts: number;
  dueAtMs: number;
}

export interface WebhookSenderOptions {
  readonly url: string;
  readonly secret: string;
  readonly queueMax: number;
  readonly log: Logger;
  readonly counted: (outcome: WebhookOutcome) => void;
  readonly now?: () => number;
}

export class WebhookSender {
  private waiting: Delivery[] = [];
  private inFlight = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly options: WebhookSenderOptions) {
    this.timer = setInterval(() => this.sendDue(), TICK_MS);
  }

  get queued(): number {
    return this.waiting.length + this.inFlight;
  }

  transferChanged(view: TransferView): void {
    if (this.queued >= this.options.queueMax) return this.options.counted("dropped");
    const id = `${view.transferId}:${view.status}`;
    const body = JSON.stringify({ id, type: "transfer.status_changed", createdAt: new Date(this.now()).toISOString(), data: view });
    this.waiting.push({ id, body, attempts: 0, dueAtMs: this.now() });
    this.sendDue();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sendDue(): void {
    const now = this.now();
    while (this.inFlight < IN_FLIGHT_MAX) {
      const index = this.waiting.findIndex((delivery) => delivery.dueAtMs <= now);
      if (index === -1) return;
      const [delivery] = this.waiting.splice(index, 1);
      this.inFlight += 1;
      void this.attempt(delivery!).finally(() => (this.inFlight -= 1));
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    delivery.attempts += 1;
    const error = await this.post(delivery);
    if (error === null) return this.options.counted("delivered");
    if (delivery.attempts >= ATTEMPTS_MAX) {
      this.options.counted("failed");
      this.options.log.error("webhook_failed", { webhookId: delivery.id, attempts: delivery.attempts, error });
      return;
    }
    this.options.counted("retried");
    delivery.dueAtMs = this.now() + Math.min(RETRY_MS_MAX, RETRY_MS_MIN * 2 ** (delivery.attempts - 1));
    this.waiting.push(delivery);
  }

  /** null when the receiver answered 2xx; else what went wrong. */
  private async post(delivery: Delivery): Promise<string | null> {
    const signature = webhookSignature(this.options.secret, Math.floor(this.now() / 1000), delivery.body);
    try {
      const response = await fetch(this.options.url, {
        method: "POST", body: delivery.body, signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: { "content-type": "application/json", "webhook-id": delivery.id, "webhook-signature": signature },
      });
      await response.body?.cancel();
      return response.ok ? null : `HTTP ${response.status}`;
    } catch (error) {
      return String(error);
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
