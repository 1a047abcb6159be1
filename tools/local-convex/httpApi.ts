import type { IncomingMessage, ServerResponse } from "node:http";
import type { JSONValue } from "convex/values";
import type { LocalDeployment } from "./deployment";
import { notFound, type Outcome } from "./functions";
import { readBody } from "./requestBody";

// The endpoints ConvexHttpClient calls (convex/dist/esm/browser/http_client.js), with Convex's status codes.
const STATUS_UDF_FAILED = 560;
const MAX_BODY_BYTES = 16 * 1024 * 1024;

type Body = { path: string; args: JSONValue; componentPath?: string };
type Endpoint = (deployment: LocalDeployment, body: Body) => Promise<Outcome>;

/** ConvexHttpClient sends `args: [object]`; Convex's HTTP API docs (and curl users) send the object itself: both are taken. */
const ENDPOINTS: Record<string, Endpoint> = {
  "/api/query": (deployment, body) => deployment.query(body.path, body.args),
  "/api/mutation": (deployment, body) => deployment.mutation(body.path, body.args),
  "/api/action": (deployment, body) => deployment.action(body.path, body.args),
  "/api/function": (deployment, body) => deployment.anyFunction(body.path, body.args),
};

class BadRequest extends Error {}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const body = await readBody(request, MAX_BODY_BYTES);
  if (body === null) throw new BadRequest("request body too large");
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new BadRequest("request body is not JSON");
  }
}

function parseBody(json: unknown): Body {
  const body = json as Partial<Record<keyof Body, unknown>> | null;
  if (typeof body !== "object" || body === null || typeof body.path !== "string") throw new BadRequest("missing function path");
  if (body.componentPath !== undefined && typeof body.componentPath !== "string") throw new BadRequest("bad componentPath");
  const args = Array.isArray(body.args) ? (body.args.length === 1 ? body.args[0] : undefined) : (body.args ?? {});
  if (args === undefined) throw new BadRequest("args must be an object, or an array holding one object");
  return { path: body.path, args: args as JSONValue, componentPath: body.componentPath };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
}

/** Answers a request to one of the function endpoints; false when the URL is not one of them. */
export async function handleFunctionRequest(deployment: LocalDeployment, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
  const endpoint = ENDPOINTS[new URL(request.url ?? "/", "http://localhost").pathname];
  if (endpoint === undefined) return false;
  if (request.method !== "POST") {
    sendJson(response, 405, { code: "MethodNotAllowed", message: "use POST" });
    return true;
  }
  try {
    const body = parseBody(await readJson(request));
    // Component functions are for admins only on Convex; the emulator has no admin keys.
    const outcome = body.componentPath ? notFound(`${body.componentPath}/${body.path}`) : await endpoint(deployment, body);
    const { logLines } = outcome;
    if (outcome.success) sendJson(response, 200, { status: "success", value: outcome.value, logLines });
    else sendJson(response, STATUS_UDF_FAILED, { status: "error", errorMessage: outcome.errorMessage, errorData: outcome.errorData, logLines });
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    sendJson(response, 400, { code: "BadJsonBody", message: error.message });
  }
  return true;
}
