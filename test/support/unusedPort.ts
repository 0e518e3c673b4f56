/**
 * A port no one listens on now, below the kernel's ephemeral range (32768+), where client sockets
 * could hold it. Checked by binding it: a random pick once landed on a daemon of this machine
 * (an Erlang node on 25672), and the process under test failed to start.
 */
export function unusedPort(): number {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    try {
      Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } }).stop(true);
      return port;
    } catch {
      // Taken: pick another.
    }
  }
  throw new Error("no unused port between 20000 and 32000 after 100 picks");
}
