import type { IncomingMessage, ServerResponse } from "node:http";
import type { LocalDeployment } from "./deployment";
import { readBody } from "./requestBody";

// The app's HTTP actions (convex/http.ts), served as a deployment serves them at https://<name>.convex.site.

/** Convex's limit on an HTTP action's request body. */
const MAX_HTTP_ACTION_BODY_BYTES = 20 * 1024 * 1024;

/** The request target as the router sees it; an absolute-form target (a proxy's) is reduced to its path and query. */
function pathAndQuery(request: IncomingMessage): string {
  const target = request.url ?? "/";
  if (target.startsWith("/")) return target;
  const { pathname, search } = new URL(target, "http://localhost");
  return pathname + search;
}

/** What the HTTP action's Request is made of: the method, every header as sent, and the body (none for GET and HEAD). */
function requestInit(request: IncomingMessage, body: Buffer): RequestInit & { method: string } {
  const method = request.method ?? "GET";
  const headers = new Headers();
  for (let i = 0; i < request.rawHeaders.length; i += 2) headers.append(request.rawHeaders[i], request.rawHeaders[i + 1]);
  return { method, headers, body: method === "GET" || method === "HEAD" ? undefined : new Uint8Array(body) };
}

/** Sends the action's Response as it is: status, headers (repeated ones too) and body. */
async function sendResponse(response: ServerResponse, fetched: Response): Promise<void> {
  const body = Buffer.from(await fetched.arrayBuffer());
  response.statusCode = fetched.status;
  for (const [name, value] of fetched.headers) response.appendHeader(name, value);
  response.end(body);
}

/** Answers a request to the deployment's site: the HTTP action routed for it, a 404 where none is, 500 for an uncaught error. */
export async function handleHttpActionRequest(deployment: LocalDeployment, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request, MAX_HTTP_ACTION_BODY_BYTES);
  if (body === null) {
    response.writeHead(413, { "Content-Type": "text/plain; charset=utf-8" }).end("request body too large");
    return;
  }
  await sendResponse(response, await deployment.httpAction(pathAndQuery(request), requestInit(request, body)));
}
