import WebSocket from "ws";
import { ConvexClient } from "convex/browser";

/** The real browser client, in Node: `ws` stands in for the browser's WebSocket. */
export function convexClient(url: string): ConvexClient {
  return new ConvexClient(url, {
    webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
    unsavedChangesWarning: false,
    // Tests provoke failures on purpose; the client would log each one.
    logger: false,
  });
}
