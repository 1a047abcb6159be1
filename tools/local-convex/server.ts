import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { LocalDeployment, type DeploymentOptions } from "./deployment";
import { handleFunctionRequest } from "./httpApi";
import { serveApp } from "./staticApp";
import { SyncSession } from "./syncSession";

export type LocalConvexOptions = DeploymentOptions & {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** A built app (`vite build` output) to serve beside the API. */
  appDir?: string;
};

export type LocalConvex = {
  /** The deployment URL, what VITE_CONVEX_URL points at. */
  url: string;
  deployment: LocalDeployment;
  close(): Promise<void>;
};

// The sync socket lives at /api/<client version>/sync.
const SYNC_PATH = /^\/api\/[^/]+\/sync$/;
const PING_AFTER_IDLE_MS = 15_000;

/**
 * An in-memory stand-in for a Convex deployment, for demos and tests: the
 * app's real functions behind Convex's sync protocol and HTTP API, on loopback.
 */
export async function startLocalConvex(options: LocalConvexOptions = {}): Promise<LocalConvex> {
  const host = options.host ?? "127.0.0.1";
  const deployment = await LocalDeployment.create(options);
  const sessions = new Set<SyncSession>();

  const server = http.createServer(async (request, response) => {
    response.setHeader("Access-Control-Allow-Origin", "*");
    response.setHeader("Access-Control-Allow-Headers", "Content-Type, Authorization, Convex-Client");
    try {
      if (request.method === "OPTIONS") response.writeHead(204).end();
      else if (await handleFunctionRequest(deployment, request, response)) return;
      else if (options.appDir !== undefined) serveApp(options.appDir, request, response);
      else response.writeHead(404).end();
    } catch (error) {
      console.error("local Convex server: request failed", error);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    }
  });

  const sockets = new WebSocketServer({ noServer: true });
  server.on("upgrade", (request, socket, head) => {
    if (!SYNC_PATH.test(new URL(request.url ?? "/", "http://localhost").pathname)) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      const session = new SyncSession(ws, deployment);
      sessions.add(session);
      ws.on("close", () => sessions.delete(session));
    });
  });
  const pinger = setInterval(() => {
    for (const session of sessions) session.pingIfIdle(PING_AFTER_IDLE_MS);
  }, PING_AFTER_IDLE_MS / 3);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    deployment,
    async close() {
      clearInterval(pinger);
      for (const ws of sockets.clients) ws.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await deployment.close();
    },
  };
}
