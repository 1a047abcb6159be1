import WebSocket from "ws";
import { ConvexClient } from "convex/browser";

export type ServerFrame = { type: string; [field: string]: unknown };

/** `ws`, also handing every message the server sends to `onFrame` before the client handles it. */
function recordingWebSocket(onFrame: (frame: ServerFrame) => void) {
  return class extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      this.on("message", (data: WebSocket.RawData) => onFrame(JSON.parse(data.toString()) as ServerFrame));
    }
  };
}

/** The real browser client, in Node: `ws` stands in for the browser's WebSocket. `onFrame` hears what the server sends. */
export function convexClient(url: string, options: { onFrame?: (frame: ServerFrame) => void } = {}): ConvexClient {
  const webSocket = options.onFrame === undefined ? WebSocket : recordingWebSocket(options.onFrame);
  return new ConvexClient(url, {
    webSocketConstructor: webSocket as unknown as typeof globalThis.WebSocket,
    unsavedChangesWarning: false,
    // Tests provoke failures on purpose; the client would log each one.
    logger: false,
  });
}
