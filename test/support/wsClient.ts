/** A WebSocket client for tests: collects messages and waits for the next ones that match. */
export interface TestSocket {
  readonly received: any[];
  send(message: unknown): void;
  /**
   * Resolves with the first received message (from now on or already queued) that matches. The
   * default bound is generous (a loaded 2-core machine): it tells a message that never comes from
   * one that comes, and is not a speed check.
   */
  next(match: (message: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
  readonly closed: Promise<number>;
}

/** `headers`: sent with the upgrade (Bun's WebSocket takes them), e.g. Authorization or Origin. */
export async function connect(url: string, headers?: Record<string, string>): Promise<TestSocket> {
  const socket = headers === undefined ? new WebSocket(url) : new WebSocket(url, { headers } as never);
  const received: any[] = [];
  let consumed = 0;
  const waiters: (() => void)[] = [];
  socket.onmessage = (event) => {
    received.push(JSON.parse(String(event.data)));
    for (const wake of waiters.splice(0)) wake();
  };
  const closed = new Promise<number>((resolve) => (socket.onclose = (event) => resolve(event.code)));
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error("websocket failed to open"));
  });
  return {
    received,
    closed,
    send: (message) => socket.send(typeof message === "string" ? message : JSON.stringify(message)),
    close: () => socket.close(),
    next(match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms`)), timeoutMs);
        const look = () => {
          while (consumed < received.length) {
            const message = received[consumed++];
            if (match(message)) {
              clearTimeout(timer);
              return resolve(message);
            }
          }
          waiters.push(look);
        };
        look();
      });
    },
  };
}
