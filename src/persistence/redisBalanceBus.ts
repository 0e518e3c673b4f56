/**
 * Balance updates and alerts shared between instances over Redis pub/sub, so that a WebSocket
 * client connected to any instance hears about accounts another instance owns. Messages made in
 * one turn of the event loop go out as one PUBLISH; an instance ignores its own.
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

export class RedisBalanceBus {
  private pending: BusMessage[] = [];
  private scheduled = false;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly instanceId: string,
    private readonly log: Logger,
    private readonly onDrop: () => void,
  ) {}

  async listen(deliver: (message: BusMessage) => void): Promise<void> {
    this.subscriber.on("message", (_channel: string, text: string) => {
      const { from, messages } = JSON.parse(text) as { from: string; messages: BusMessage[] };
      if (from !== this.instanceId) for (const message of messages) deliver(message);
    });
    // A SUBSCRIBE sent before the connection is ready races ioredis's ready check and is lost.
    if (this.subscriber.status !== "ready") await new Promise((resolve) => this.subscriber.once("ready", resolve));
    await this.subscriber.subscribe(this.channel);
  }

  publish(message: BusMessage): void {
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
    const text = JSON.stringify({ from: this.instanceId, messages });
    this.publisher.publish(this.channel, text).catch((error) => {
      this.log.warn("balance_bus_publish_failed", { error: String(error), dropped: messages.length });
      for (let i = 0; i < messages.length; i++) this.onDrop();
    });
  }
}
