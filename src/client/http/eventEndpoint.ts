import { validate, ValidationError } from "convex-helpers/validators";
import { ConvexError } from "convex/values";
import { MAX_EVENT_BODY_BYTES } from "../../shared/config.js";
import type { InvalidArgument } from "../../shared/validation.js";
import type { RateLimited } from "../../component/record/rateLimits.js";
import { EVENT_SHAPES, type TrackingEvent } from "../../component/record/events.js";
import { isBotUserAgent } from "../../component/record/visitAttributes.js";
import { jsonResponse } from "./jsonResponse.js";
import type { HttpContext } from "./routes.js";

/**
 * POST /api/event: views and heartbeats from any site, as JSON or as
 * text/plain (what navigator.sendBeacon sends). The body is the React
 * tracker's arguments plus a `type`; the user agent comes from the request's
 * header (the body may not carry one). One call into the site's component
 * records it in the tracker's own code path (component/record/events.ts).
 */

const MEDIA_TYPES = ["application/json", "text/plain"];

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
export async function handleEventRequest({ ctx, component }: HttpContext, request: Request): Promise<{ response: Response; originAllowed?: boolean }> {
  const event = await readEvent(request);
  if (event instanceof Response) return { response: event };
  const userAgent = request.headers.get("User-Agent") ?? undefined;
  const origin = request.headers.get("Origin") ?? undefined;
  // A bot hears what a person would, so it learns nothing; it is not counted.
  if (isBotUserAgent(userAgent)) return { response: new Response(null, { status: 202 }) };
  try {
    const outcome = await ctx.runMutation(component.record.recordEvent, { event, userAgent, origin });
    if (!outcome.accepted) return { response: rejected(403, outcome.message, "Origin"), originAllowed: false };
  } catch (error) {
    const data = error instanceof ConvexError ? (error.data as InvalidArgument | RateLimited) : null;
    if (data?.code === "INVALID_ARGUMENT") return { response: rejected(400, data.message, data.field) };
    if (data?.code !== "RATE_LIMITED") throw error;
    const seconds = Math.max(1, Math.ceil(data.retryAfter / 1000));
    return { response: jsonResponse(429, { error: data.message, retryAfter: seconds }, { "Retry-After": String(seconds) }) };
  }
  return { response: new Response(null, { status: 202 }), originAllowed: true };
}
