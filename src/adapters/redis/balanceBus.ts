/**
 * Balance updates and alerts shared between instances over Redis pub/sub, so that a WebSocket
 * client connected to any instance hears about accounts another instance owns. Messages made in
 * one turn of the event loop go out as one PUBLISH, and only while another instance listens
 * (PUBSUB NUMSUB, refreshed every second, and at once when another instance says hello on
 * joining): a lone instance pays nothing. A payload starts with
 * its sender's id and a newline, so an instance drops its own without parsing them.
 */
import type Redis from "ioredis";
import { BatchFlusher } from "../../lib/batchFlusher.ts";
import type { Logger } from "../../observability/log.ts";

export interface BusMessage {
  readonly kind: "balance" | "alert";
  readonly accountId: string;
  /** The WebSocket message, already serialized. */
  readonly data: string;
}

const PENDING_MESSAGES_MAX = 100_000;
const PUBLISH_MESSAGES_MAX = 10_000;
const LISTENERS_REFRESH_MS = 1000;

export class RedisBalanceBus {
  private readonly flusher: BatchFlusher<BusMessage>;
  private otherListeners = false;
  private foreignMessageAtMs = -Infinity;
  private refreshTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly instanceId: string,
    log: Logger,
    onDrop: (count: number) => void,
  ) {
    // Pushes are worthless late: a failed publish drops its messages (counted), it is not retried.
    this.flusher = new BatchFlusher({
      itemsMax: PENDING_MESSAGES_MAX, batchItemsMax: PUBLISH_MESSAGES_MAX, flushIntervalMs: 0,
      send: async (messages) => void (await this.publisher.publish(this.channel, `${this.instanceId}\n${JSON.stringify(messages)}`)),
      onDropped: (count) => onDrop(count),
      onSendFailed: (error, failure) => log.warn("balance_bus_publish_failed", { error: String(error), dropped: failure.items }),
    });
    this.flusher.start();
  }

  async listen(deliver: (message: BusMessage) => void): Promise<void> {
    const ownPrefix = `${this.instanceId}\n`;
    this.subscriber.on("message", (_channel: string, text: string) => {
      if (text.startsWith(ownPrefix)) return;
      // Whoever sent this listens too (a NUMSUB reply in flight may be older than this message).
      this.otherListeners = true;
      this.foreignMessageAtMs = Date.now();
      const messages = JSON.parse(text.slice(text.indexOf("\n") + 1)) as BusMessage[];
      for (const message of messages) deliver(message);
    });
    // A SUBSCRIBE sent before the connection is ready races ioredis's ready check and is lost.
    if (this.subscriber.status !== "ready") await new Promise((resolve) => this.subscriber.once("ready", resolve));
    await this.subscriber.subscribe(this.channel);
    // Say hello (an empty batch): the others start publishing at once, not at their next refresh.
    await this.publisher.publish(this.channel, `${this.instanceId}\n[]`);
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

  publish(message: BusMessage): void {
    if (this.otherListeners) this.flusher.push(message);
  }
}
