import fs from "node:fs";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
  ".webmanifest": "application/manifest+json",
};

/**
 * Serves a built single-page app: files as they are, and index.html for any
 * other path so the client-side router decides what to show.
 */
export function serveApp(appDir: string, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405).end();
    return;
  }
  const root = path.resolve(appDir);
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
  } catch {
    response.writeHead(400).end();
    return;
  }
  const requested = path.resolve(root, `.${pathname}`);
  const isFile = requested.startsWith(root + path.sep) && fs.statSync(requested, { throwIfNoEntry: false })?.isFile();
  const file = isFile ? requested : path.join(root, "index.html");
  const type = CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream";
  // Hashed assets never change; index.html must be fetched anew after each build.
  const cache = file.includes(`${path.sep}assets${path.sep}`) ? "public, max-age=31536000, immutable" : "no-cache";
  response.writeHead(200, { "Content-Type": type, "Cache-Control": cache });
  if (request.method === "HEAD") response.end();
  else fs.createReadStream(file).pipe(response);
}
