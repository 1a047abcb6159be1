import WebSocket from "ws";
import { version } from "convex";

// Long enough for a loaded CI machine; a healthy server answers in milliseconds.
const WAIT_MS = 5_000;

export type ServerMessage = { type: string; [field: string]: unknown };

/** A bare sync-protocol connection, for sending exactly the frames a test wants. */
export class ProtocolSocket {
  private readonly received: ServerMessage[] = [];
  private readonly closed: Promise<number>;
  private wake: () => void = () => {};

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.received.push(JSON.parse(data.toString()) as ServerMessage);
      this.wake();
    });
    this.closed = new Promise((resolve) => ws.on("close", (code) => resolve(code)));
  }

  static async open(deploymentUrl: string): Promise<ProtocolSocket> {
    const ws = new WebSocket(`${deploymentUrl.replace(/^http/, "ws")}/api/${version}/sync`);
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    return new ProtocolSocket(ws);
  }

  /** Sends a message as JSON, or a raw frame as it is. */
  send(message: object | string | Buffer): void {
    this.ws.send(typeof message === "object" && !Buffer.isBuffer(message) ? JSON.stringify(message) : message);
  }

  connect(): void {
    this.send({ type: "Connect", sessionId: crypto.randomUUID(), connectionCount: 0, lastCloseReason: null, clientTs: Date.now() });
  }

  /** The next message not yet taken, skipping Pings; fails after a few seconds without one. */
  async next(): Promise<ServerMessage> {
    const deadline = performance.now() + WAIT_MS;
    for (;;) {
      const message = this.received.shift();
      if (message !== undefined && message.type !== "Ping") return message;
      if (message !== undefined) continue;
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw new Error("no message from the server");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The close code, once the server closes the connection; fails after a few seconds. */
  closeCode(): Promise<number> {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("connection still open")), WAIT_MS).unref());
    return Promise.race([this.closed, timeout]);
  }

  close(): void {
    this.ws.close();
  }
}

/** Decodes a protocol timestamp (base64, little-endian u64). */
export function decodeTs(encoded: unknown): bigint {
  return Buffer.from(String(encoded), "base64").readBigUInt64LE();
}
