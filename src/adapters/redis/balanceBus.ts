/**
 * Balance updates and alerts shared between instances over Redis pub/sub, so that a WebSocket
 * client connected to any instance hears about accounts another instance owns. Messages made in
 * one turn of the event loop go out as one signed PUBLISH (see busEnvelope.ts), and only while
 * another instance listens (PUBSUB NUMSUB, refreshed every second, and at once when another
 * instance says hello on joining): a lone instance pays nothing. A batch that fails its
 * signature or its schema is dropped and counted, never pushed.
 */
import type Redis from "ioredis";
import { BatchFlusher } from "../../lib/batchFlusher.ts";
import type { Logger } from "../../observability/log.ts";
import { BUS_BATCH_MESSAGES_MAX, openBusBatch, sealBusBatch, senderOf, type BusMessage } from "./busEnvelope.ts";

export type { BusMessage };

const PENDING_MESSAGES_MAX = 100_000;
const LISTENERS_REFRESH_MS = 1000;
const REJECT_LOG_INTERVAL_MS = 10_000;

export interface BalanceBusOptions {
  readonly publisher: Redis;
  readonly subscriber: Redis;
  readonly channel: string;
  readonly instanceId: string;
  /** REDIS_BUS_SECRET, shared by the instances. */
  readonly secret: string;
  readonly log: Logger;
  readonly dropped: (count: number) => void;
  /** A batch refused on arrival, by why. */
  readonly rejected: (reason: string) => void;
}

export class RedisBalanceBus {
  private readonly flusher: BatchFlusher<BusMessage>;
  private otherListeners = false;
  private foreignMessageAtMs = -Infinity;
  private rejectLoggedAtMs = -Infinity;
  private refreshTimer: ReturnType<typeof setInterval> | null = null;

  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;

  constructor(private readonly options: BalanceBusOptions) {
    ({ publisher: this.publisher, subscriber: this.subscriber, channel: this.channel } = options);
    // Pushes are worthless late: a failed publish drops its messages (counted), it is not retried.
    this.flusher = new BatchFlusher({
      itemsMax: PENDING_MESSAGES_MAX, batchItemsMax: BUS_BATCH_MESSAGES_MAX, flushIntervalMs: 0,
      send: async (messages) => void (await this.publisher.publish(this.channel, this.seal(messages))),
      onDropped: (count) => options.dropped(count),
      onSendFailed: (error, failure) => options.log.warn("balance_bus_publish_failed", { error: String(error), dropped: failure.items }),
    });
    this.flusher.start();
  }

  async listen(deliver: (message: BusMessage) => void): Promise<void> {
    this.subscriber.on("message", (_channel: string, text: string) => this.receive(text, deliver));
    // A SUBSCRIBE sent before the connection is ready races ioredis's ready check and is lost.
    if (this.subscriber.status !== "ready") await new Promise((resolve) => this.subscriber.once("ready", resolve));
    await this.subscriber.subscribe(this.channel);
    // Say hello (an empty batch): the others start publishing at once, not at their next refresh.
    await this.publisher.publish(this.channel, this.seal([]));
    await this.refreshListeners();
    this.refreshTimer = setInterval(() => void this.refreshListeners(), LISTENERS_REFRESH_MS);
  }

  /** True while another instance subscribes: then updates are worth publishing. */
  get hasOtherListeners(): boolean {
    return this.otherListeners;
  }

  async stop(): Promise<void> {
    if (this.refreshTimer !== null) clearInterval(this.refreshTimer);
    await this.flusher.stop();
  }

  private async refreshListeners(): Promise<void> {
    try {
      const [, count] = (await this.publisher.pubsub("NUMSUB", this.channel)) as [string, number];
      // We are one of them; a message from another instance since the last refresh counts too.
      this.otherListeners = Number(count) > 1 || Date.now() - this.foreignMessageAtMs < LISTENERS_REFRESH_MS;
    } catch {
      this.otherListeners = true; // unknown: publish rather than miss a remote client
    }
  }

  private seal(messages: readonly BusMessage[]): string {
    return sealBusBatch(this.options.instanceId, this.options.secret, messages);
  }

  private receive(text: string, deliver: (message: BusMessage) => void): void {
    if (senderOf(text) === this.options.instanceId) return;
    const opened = openBusBatch(text, this.options.secret);
    if (!opened.ok) {
      this.options.rejected(opened.reason);
      // Logged at most once per interval: whoever can publish on the channel cannot flood the log.
      if (Date.now() - this.rejectLoggedAtMs < REJECT_LOG_INTERVAL_MS) return;
      this.rejectLoggedAtMs = Date.now();
      return this.options.log.warn("balance_bus_rejected", { reason: opened.reason, sender: opened.sender?.slice(0, 64) });
    }
    // Whoever sent this listens too (a NUMSUB reply in flight may be older than this message).
    this.otherListeners = true;
    this.foreignMessageAtMs = Date.now();
    for (const message of opened.messages) deliver(message);
  }

  publish(message: BusMessage): void {
    if (this.otherListeners) this.flusher.push(message);
  }
}
