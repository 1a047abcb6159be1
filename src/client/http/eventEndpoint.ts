import { omit } from "convex-helpers";
import { validate, ValidationError } from "convex-helpers/validators";
import { ConvexError, v, type Infer } from "convex/values";
import { internal } from "../../../convex/_generated/api";
import type { ActionCtx, MutationCtx } from "../../../convex/_generated/server";
import { DEFAULT_HTTP_PAGE_TYPE, MAX_EVENT_BODY_BYTES } from "../../shared/config";
import { jsonResponse } from "./jsonResponse";
import type { RateLimited } from "../../component/record/rateLimits";
import { heartbeatRequest, recordPageViewRequest } from "../../component/record/record";
import type { InvalidArgument } from "../../shared/validation";
import { isBotUserAgent, vVisitContext } from "../../component/record/visitAttributes";

/**
 * POST /api/event (convex/http.ts): views and heartbeats from any site, as
 * JSON or as text/plain (what navigator.sendBeacon sends). The body is the
 * React tracker's arguments plus a `type`; the user agent comes from the
 * request's header (the body may not carry one). The internal mutation runs the tracker's own code path
 * (model/record.ts), so checks, canonical paths, dedup and limits are one.
 */

export const vPageViewEvent = v.object({
  type: v.literal("pageview"),
  sessionId: v.string(),
  path: v.string(),
  pageType: v.optional(v.string()),
  // The browser's context but its user agent, which is the request's own header.
  visit: v.optional(v.object(omit(vVisitContext.fields, ["userAgent"]))),
});
export const vHeartbeatEvent = v.object({ type: v.literal("heartbeat"), sessionId: v.string(), path: v.string() });
export const vEvent = v.union(vPageViewEvent, vHeartbeatEvent);
export type TrackingEvent = Infer<typeof vEvent>;

const EVENT_SHAPES = { pageview: vPageViewEvent, heartbeat: vHeartbeatEvent } as const;
const MEDIA_TYPES = ["application/json", "text/plain"];

/** The environment variable listing the origins allowed to send events; unset, any origin may. */
export const ALLOWED_ORIGINS_VARIABLE = "STATS_ALLOWED_ORIGINS";

/** Records an event in the tracker's own code path; the request's user agent stands in for the browser's. */
export async function recordEvent(ctx: MutationCtx, event: TrackingEvent, userAgent: string | undefined, now: number): Promise<void> {
  if (event.type === "heartbeat") {
    await heartbeatRequest(ctx, event.sessionId, event.path, now, "path");
    return;
  }
  const { path, sessionId, pageType = DEFAULT_HTTP_PAGE_TYPE, visit } = event;
  await recordPageViewRequest(ctx, { path, sessionId, pageType, visit: { ...visit, userAgent } }, now);
}

/** The allowed origins from STATS_ALLOWED_ORIGINS (comma- or space-separated, `*.example.com` for https subdomains), or ["*"] when unset. */
export function allowedOrigins(): string[] {
  const listed = (process.env[ALLOWED_ORIGINS_VARIABLE] ?? "").split(/[\s,]+/).filter(Boolean);
  return listed.length === 0 ? ["*"] : listed.map((origin) => origin.replace(/\/+$/, ""));
}

/** convex-helpers' origin rule: "*", the exact origin, or `*.domain` for the domain and its https subdomains. */
export function isAllowedOrigin(origin: string | null, allowed: string[]): boolean {
  if (allowed.includes("*")) return true;
  if (origin === null) return false;
  return allowed.some((pattern) => {
    if (pattern === origin) return true;
    if (!pattern.startsWith("*.")) return false;
    try {
      const { protocol, hostname } = new URL(origin);
      return protocol === "https:" && (hostname === pattern.slice(2) || hostname.endsWith(pattern.slice(1)));
    } catch {
      return false;
    }
  });
}

const rejected = (status: number, error: string, field: string) => jsonResponse(status, { error, field });

/** The event in the request's body, or the 4xx response saying what is wrong with it. */
async function readEvent(request: Request): Promise<TrackingEvent | Response> {
  const mediaType = (request.headers.get("Content-Type") ?? "").split(";")[0].trim().toLowerCase();
  if (!MEDIA_TYPES.includes(mediaType)) return rejected(415, "send the event as application/json or text/plain", "Content-Type");
  const declaredLength = Number(request.headers.get("Content-Length") ?? 0);
  const tooLarge = () => rejected(413, `the body must be at most ${MAX_EVENT_BODY_BYTES} bytes`, "body");
  if (declaredLength > MAX_EVENT_BODY_BYTES) return tooLarge();
  const bytes = await request.arrayBuffer();
  if (bytes.byteLength > MAX_EVENT_BODY_BYTES) return tooLarge();
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return rejected(400, "the body must be a JSON object", "body");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return rejected(400, "the body must be a JSON object", "body");
  const type = (body as { type?: unknown }).type;
  if (type !== "pageview" && type !== "heartbeat") return rejected(400, 'type must be "pageview" or "heartbeat"', "type");
  try {
    validate(EVENT_SHAPES[type], body, { throw: true });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const field = error.path ?? "body";
    const problem = error.expected === "nothing" ? "is not a field of this event" : `must be a ${error.expected === "float64" ? "number" : error.expected}`;
    return rejected(400, `${field} ${problem}`, field);
  }
  return body as TrackingEvent;
}

/**
 * Answers 202 (nothing else) once the event is recorded, deduplicated, or
 * from a bot (not counted); 400 with `{ error, field }` and nothing written
 * when it is wrong; 403 for an origin not allowed; 429 with Retry-After
 * (seconds) when a limit holds it back.
 */
export async function handleEventRequest(ctx: ActionCtx, request: Request): Promise<Response> {
  const origin = request.headers.get("Origin");
  if (!isAllowedOrigin(origin, allowedOrigins())) {
    return rejected(403, `origin ${origin ?? "(none)"} may not send events: add it to ${ALLOWED_ORIGINS_VARIABLE}`, "Origin");
  }
  const event = await readEvent(request);
  if (event instanceof Response) return event;
  const userAgent = request.headers.get("User-Agent") ?? undefined;
  // A bot hears what a person would, so it learns nothing; it is not counted.
  if (isBotUserAgent(userAgent)) return new Response(null, { status: 202 });
  try {
    await ctx.runMutation(internal.stats.recordEvent, { event, userAgent });
  } catch (error) {
    const data = error instanceof ConvexError ? (error.data as InvalidArgument | RateLimited) : null;
    if (data?.code === "INVALID_ARGUMENT") return rejected(400, data.message, data.field);
    if (data?.code !== "RATE_LIMITED") throw error;
    const seconds = Math.max(1, Math.ceil(data.retryAfter / 1000));
    return jsonResponse(429, { error: data.message, retryAfter: seconds }, { "Retry-After": String(seconds) });
  }
  return new Response(null, { status: 202 });
}
