/**
 * A shard of actors: each key (account) has its state and a mailbox. A task runs at once when
 * the actor is idle; when it returns a promise (async work such as a lookup), the actor's later
 * tasks wait in its mailbox and run strictly in order after it. Other keys never wait.
 * Generic: it knows nothing about money. Each task has its own reply type.
 *
 * The mailboxes are bounded by the sources, not here: a message that reached the shard must be
 * applied, so the sources stop delivering (Kafka pauses the partition, HTTP answers 429) while
 * `queuedCount` is at their bound.
 *
 * A state may also be dormant: kept encoded (a recovered snapshot's text) until its key's first
 * task or read decodes it with `wake` (see dormantAccounts.ts). A text that does not decode throws
 * there, at every use, and stays dormant.
 */
export type Task<S, R> = (state: S) => R | Promise<R>;

export class Shard<S> {
  /** The states in use (woken or created). */
  readonly states = new Map<string, S>();
  /** Mailboxes of the actors that are waiting on async work; an idle actor has none. */
  private readonly mailboxes = new Map<string, (() => Promise<void>)[]>();
  private queued = 0;

  constructor(
    private readonly createState: (key: string) => S,
    /** The key as the shard keeps it for the actor's life (a copy, not the message's string). */
    private readonly keepKey: (key: string) => string = (key) => key,
    /** Keys whose state is still encoded, with their text; a key is in `states` or here, never both. */
    readonly dormant: Map<string, string> = new Map(),
    private readonly wake: (key: string, encoded: string) => S = () => {
      throw new Error("invariant: a dormant state with no way to wake it");
    },
  ) {}

  /** True when the key has a state here, in use or dormant. */
  has(key: string): boolean {
    return this.states.has(key) || this.dormant.has(key);
  }

  get size(): number {
    return this.states.size + this.dormant.size;
  }

  /** The key's state, woken if it was dormant, or undefined: never created. */
  find(key: string): S | undefined {
    return this.states.get(key) ?? (this.dormant.has(key) ? this.stateOf(key) : undefined);
  }

  /** True when no actor waits on async work: every task run so far has finished. */
  get isIdle(): boolean {
    return this.mailboxes.size === 0;
  }

  /** Tasks waiting behind async work in this shard. */
  get queuedCount(): number {
    return this.queued;
  }

  /** Runs `task` on the key's state, after every task the key already has waiting. */
  run<R>(key: string, task: Task<S, R>): R | Promise<R> {
    const mailbox = this.mailboxes.get(key);
    if (mailbox !== undefined) {
      this.queued += 1;
      return new Promise<R>((resolve, reject) => {
        mailbox.push(async () => {
          try {
            resolve(await task(this.stateOf(key)));
          } catch (error) {
            reject(error);
          }
        });
      });
    }
    const result = task(this.stateOf(key));
    if (!(result instanceof Promise)) return result;
    this.mailboxes.set(key, []);
    const drain = () => this.drain(key);
    result.then(drain, drain);
    return result;
  }

  private async drain(key: string): Promise<void> {
    const mailbox = this.mailboxes.get(key)!;
    while (mailbox.length > 0) {
      const next = mailbox.shift()!;
      this.queued -= 1;
      await next();
    }
    this.mailboxes.delete(key);
  }

  private stateOf(key: string): S {
    let state = this.states.get(key);
    if (state !== undefined) return state;
    const encoded = this.dormant.get(key);
    if (encoded !== undefined) {
      state = this.wake(key, encoded);
      this.dormant.delete(key);
      this.states.set(key, state);
    } else {
      const kept = this.keepKey(key);
      state = this.createState(kept);
      this.states.set(kept, state);
    }
    return state;
  }
}
