/**
 * WebSocket clients that subscribe and then never read: node:net sockets doing the upgrade by
 * hand, sending one masked text frame, then pausing, so the kernel's buffers fill and the
 * engine has to hold (or drop) what it wants to send them. The hostile load of issue 8, item 9.
 */
import net from "node:net";

export interface SlowClients {
  /** Clients whose socket the engine closed. */
  readonly closed: () => number;
  destroy(): void;
}

/** A client → server text frame: FIN + text opcode, masked, as RFC 6455 requires of clients. */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const length = payload.length < 126 ? Buffer.from([0x80 | payload.length]) : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([Buffer.from([0x81]), length, mask, masked]);
}

export async function openSlowClients(port: number, count: number, subscribe: unknown): Promise<SlowClients> {
  const sockets: net.Socket[] = [];
  let closed = 0;
  const frame = maskedTextFrame(JSON.stringify(subscribe));
  const opening: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    opening.push(new Promise<void>((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1");
      sockets.push(socket);
      socket.once("error", reject);
      socket.on("close", () => closed++);
      socket.once("connect", () => {
        const key = Buffer.from(`slow-client-${String(i).padStart(4, "0")}`.slice(0, 16)).toString("base64"); // 16 bytes, as RFC 6455 asks
        socket.write(`GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      });
      socket.once("data", (head) => {
        if (!head.toString().startsWith("HTTP/1.1 101")) return reject(new Error(`upgrade refused: ${head.toString().split("\r\n")[0]}`));
        socket.write(frame);
        socket.pause(); // from now on, never read
        resolve();
      });
    }));
  }
  await Promise.all(opening);
  return { closed: () => closed, destroy: () => sockets.forEach((socket) => socket.destroy()) };
}
