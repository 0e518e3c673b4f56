/**
 * A shard of actors: each key (account) has its state and a mailbox. The handler runs at once
 * when the actor is idle; when it returns a promise (async work such as a lookup), the actor's
 * later messages wait in its mailbox and run strictly in order after it. Other keys never wait.
 * Generic: it knows nothing about money.
 */
interface Letter<M, R> {
  readonly message: M;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

export type Handler<S, M, R> = (state: S, message: M) => R | Promise<R>;

export class Shard<S, M, R> {
  readonly states = new Map<string, S>();
  /** Mailboxes of the actors that are waiting on async work; an idle actor has none. */
  private readonly mailboxes = new Map<string, Letter<M, R>[]>();
  private queued = 0;

  constructor(
    private readonly createState: (key: string) => S,
    private readonly handle: Handler<S, M, R>,
    /** The key as the shard keeps it for the actor's life (a copy, not the message's string). */
    private readonly keepKey: (key: string) => string = (key) => key,
  ) {}

  /** True when no actor waits on async work: every message delivered so far is fully applied. */
  get isIdle(): boolean {
    return this.mailboxes.size === 0;
  }

  /** Messages waiting behind async work in this shard (sources back off when it is high). */
  get queuedCount(): number {
    return this.queued;
  }

  deliver(key: string, message: M): R | Promise<R> {
    const mailbox = this.mailboxes.get(key);
    if (mailbox !== undefined) {
      this.queued += 1;
      return new Promise<R>((resolve, reject) => mailbox.push({ message, resolve, reject }));
    }
    const result = this.handle(this.stateOf(key), message);
    if (!(result instanceof Promise)) return result;
    this.mailboxes.set(key, []);
    const drain = () => this.drain(key);
    result.then(drain, drain);
    return result;
  }

  private async drain(key: string): Promise<void> {
    const mailbox = this.mailboxes.get(key)!;
    while (mailbox.length > 0) {
      const letter = mailbox.shift()!;
      this.queued -= 1;
      try {
        letter.resolve(await this.handle(this.stateOf(key), letter.message));
      } catch (error) {
        letter.reject(error);
      }
    }
    this.mailboxes.delete(key);
  }

  private stateOf(key: string): S {
    let state = this.states.get(key);
    if (state === undefined) {
      const kept = this.keepKey(key);
      state = this.createState(kept);
      this.states.set(kept, state);
    }
    return state;
  }
}
