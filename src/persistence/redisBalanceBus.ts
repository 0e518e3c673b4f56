/**
 * Balance updates and alerts shared between instances over Redis pub/sub, so that a WebSocket
 * client connected to any instance hears about accounts another instance owns. Messages made in
 * one turn of the event loop go out as one PUBLISH, and only while another instance listens
 * (PUBSUB NUMSUB, refreshed every second): a lone instance pays nothing. A payload starts with
 * its sender's id and a newline, so an instance drops its own without parsing them.
 */
import type Redis from "ioredis";
import type { Logger } from "../observability/log.ts";

export interface BusMessage {
  readonly kind: "balance" | "alert";
  readonly accountId: string;
  /** The WebSocket message, already serialized. */
  readonly data: string;
}

const PENDING_MAX = 100_000;
const LISTENERS_REFRESH_MS = 1000;

export class RedisBalanceBus {
  private pending: BusMessage[] = [];
  private scheduled = false;
  private otherListeners = false;
  private refreshTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly instanceId: string,
    private readonly log: Logger,
    private readonly onDrop: () => void,
  ) {}

  async listen(deliver: (message: BusMessage) => void): Promise<void> {
    const ownPrefix = `${this.instanceId}\n`;
    this.subscriber.on("message", (_channel: string, text: string) => {
      if (text.startsWith(ownPrefix)) return;
      const messages = JSON.parse(text.slice(text.indexOf("\n") + 1)) as BusMessage[];
      for (const message of messages) deliver(message);
    });
    // A SUBSCRIBE sent before the connection is ready races ioredis's ready check and is lost.
    if (this.subscriber.status !== "ready") await new Promise((resolve) => this.subscriber.once("ready", resolve));
    await this.subscriber.subscribe(this.channel);
    await this.refreshListeners();
    this.refreshTimer = setInterval(() => void this.refreshListeners(), LISTENERS_REFRESH_MS);
  }

  /** True while another instance subscribes: then updates are worth publishing. */
  get hasOtherListeners(): boolean {
    return this.otherListeners;
  }

  stop(): void {
    if (this.refreshTimer !== null) clearInterval(this.refreshTimer);
  }

  private async refreshListeners(): Promise<void> {
    try {
      const [, count] = (await this.publisher.pubsub("NUMSUB", this.channel)) as [string, number];
      this.otherListeners = Number(count) > 1; // we are one of them
    } catch {
      this.otherListeners = true; // unknown: publish rather than miss a remote client
    }
  }

  publish(message: BusMessage): void {
    if (!this.otherListeners) return;
    if (this.pending.length >= PENDING_MAX) return this.onDrop();
    this.pending.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const messages = this.pending;
    this.pending = [];
    const text = `${this.instanceId}\n${JSON.stringify(messages)}`;
    this.publisher.publish(this.channel, text).catch((error) => {
      this.log.warn("balance_bus_publish_failed", { error: String(error), dropped: messages.length });
      for (let i = 0; i < messages.length; i++) this.onDrop();
    });
  }
}
