import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { LocalDeployment, type DeploymentOptions } from "./deployment";
import { handleHttpActionRequest } from "./httpActions";
import { handleFunctionRequest } from "./httpApi";
import { serveApp } from "./staticApp";
import { SyncSession } from "./syncSession";

export type LocalConvexOptions = DeploymentOptions & {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The port of the HTTP actions (the deployment's .convex.site); 0 (the default) picks a free one. */
  sitePort?: number;
  host?: string;
  /** A built app (`vite build` output) to serve beside the API. */
  appDir?: string;
};

export type LocalConvex = {
  /** The deployment URL, what VITE_CONVEX_URL points at. */
  url: string;
  /** Where the app's HTTP actions (convex/http.ts) are served, as at https://<name>.convex.site: another origin than `url`. */
  siteUrl: string;
  deployment: LocalDeployment;
  close(): Promise<void>;
};

// The sync socket lives at /api/<client version>/sync.
const SYNC_PATH = /^\/api\/[^/]+\/sync$/;
const PING_AFTER_IDLE_MS = 15_000;

/** Answers 500 for a request the emulator itself failed on, keeping the server up. */
function serving(
  name: string,
  handle: (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void>,
): http.RequestListener {
  return async (request, response) => {
    try {
      await handle(request, response);
    } catch (error) {
      console.error(`local Convex server: ${name} request failed`, error);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    }
  };
}

/** Listens on `port` (0: a free one) and returns the port taken. */
async function listen(server: http.Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/**
 * An in-memory stand-in for a Convex deployment, for demos and tests: the
 * app's real functions behind Convex's sync protocol and HTTP API, and its
 * HTTP actions on a port of their own (`siteUrl`), all on loopback.
 */
export async function startLocalConvex(options: LocalConvexOptions = {}): Promise<LocalConvex> {
  const host = options.host ?? "127.0.0.1";
  const deployment = await LocalDeployment.create(options);
  const sessions = new Set<SyncSession>();

  const server = http.createServer(
    serving("API", async (request, response) => {
      response.setHeader("Access-Control-Allow-Origin", "*");
      response.setHeader("Access-Control-Allow-Headers", "Content-Type, Authorization, Convex-Client");
      if (request.method === "OPTIONS") response.writeHead(204).end();
      else if (await handleFunctionRequest(deployment, request, response)) return;
      else if (options.appDir !== undefined) serveApp(options.appDir, request, response);
      else response.writeHead(404).end();
    }),
  );
  // No blanket CORS here: the app's HTTP actions answer for their own (convex/http.ts), as on Convex.
  const site = http.createServer(serving("HTTP action", (request, response) => handleHttpActionRequest(deployment, request, response)));

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

  const close = async () => {
    clearInterval(pinger);
    for (const ws of sockets.clients) ws.terminate();
    sockets.close();
    await Promise.all([closeServer(server), closeServer(site)]);
    await deployment.close();
  };
  try {
    const port = await listen(server, options.port ?? 0, host);
    const sitePort = await listen(site, options.sitePort ?? 0, host);
    return { url: `http://${host}:${port}`, siteUrl: `http://${host}:${sitePort}`, deployment, close };
  } catch (error) {
    // A port already taken: nothing of this deployment may keep running.
    await close();
    throw error;
  }
}
