import { validate, ValidationError } from "convex-helpers/validators";
import { ConvexError, type Validator } from "convex/values";
import { MAX_EVENT_BODY_BYTES } from "../../shared/config.js";
import type { InvalidArgument } from "../../shared/validation.js";
import type { RateLimited } from "../../component/record/rateLimits.js";
import { EVENT_SHAPES, type TrackingEvent } from "../../component/record/events.js";
import { isBotUserAgent } from "../../component/record/visitAttributes.js";
import { jsonResponse } from "./jsonResponse.js";
import { isPlausibleBody, readPlausibleEvent } from "./plausibleEvent.js";
import { readUmamiEvent } from "./umamiEvent.js";
import type { HttpContext } from "./routes.js";
import { UNKNOWN_UMAMI_WEBSITE } from "../../component/operate/umamiWebsite.js";

/**
 * POST /api/event: views, heartbeats and custom events from any site, as JSON or as
 * text/plain (what navigator.sendBeacon sends). The body is the React
 * tracker's arguments plus a `type`; the user agent comes from the request's
 * header (the body may not carry one). One call into the site's component
 * records it in the tracker's own code path (component/record/events.ts).
 * A body in Plausible's format (plausibleEvent.ts) is answered as Plausible answers it.
 */

const MEDIA_TYPES = ["application/json", "text/plain"];

const rejected = (status: number, error: string, field: string) => jsonResponse(status, { error, field });

/** The body's bytes, read a chunk at a time: null, the stream cancelled, as soon as they pass `limit` (a chunked body declares no length). */
export async function readBodyUpTo(request: Request, limit: number): Promise<Uint8Array | null> {
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const bytes = new Uint8Array(limit);
  let length = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    if (length + chunk.value.byteLength > limit) {
      await reader.cancel();
      return null;
    }
    bytes.set(chunk.value, length);
    length += chunk.value.byteLength;
  }
  return bytes.subarray(0, length);
}

/**
 * The first field of `value` that `shape` does not have, as a path ("visit.toString"), or
 * undefined. convex-helpers' `validate` looks fields up as `fields[key]`, so a key named after an
 * Object.prototype member (`constructor`, `__proto__`, which JSON.parse makes an own key) passes
 * it, where the deployment's own argument validation would throw (a 500 instead of this 400).
 */
function foreignField(shape: Validator<unknown, "required" | "optional", string>, value: unknown, prefix = ""): string | undefined {
  if (shape.kind !== "object" || typeof value !== "object" || value === null) return undefined;
  for (const [key, field] of Object.entries(value)) {
    if (!Object.hasOwn(shape.fields, key)) return `${prefix}${key}`;
    const nested = foreignField(shape.fields[key], field, `${prefix}${key}.`);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

// Refuses bytes that are not UTF-8 (a latin1 "é"), which a lenient decoder would turn into U+FFFD.
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** The request's body as a JSON object, or the 4xx response saying what is wrong with it. */
async function readJsonObject(request: Request): Promise<Record<string, unknown> | Response> {
  const mediaType = (request.headers.get("Content-Type") ?? "").split(";")[0].trim().toLowerCase();
  if (!MEDIA_TYPES.includes(mediaType)) return rejected(415, "send the event as application/json or text/plain", "Content-Type");
  const declaredLength = Number(request.headers.get("Content-Length") ?? 0);
  const tooLarge = () => rejected(413, `the body must be at most ${MAX_EVENT_BODY_BYTES} bytes`, "body");
  if (declaredLength > MAX_EVENT_BODY_BYTES) return tooLarge();
  const bytes = await readBodyUpTo(request, MAX_EVENT_BODY_BYTES);
  if (bytes === null) return tooLarge();
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    return rejected(400, "the body must be UTF-8 text", "body");
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return rejected(400, "the body must be a JSON object", "body");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return rejected(400, "the body must be a JSON object", "body");
  return body as Record<string, unknown>;
}

/** Our event in the body, or the 400 saying what is wrong with it. */
function readEvent(body: Record<string, unknown>): TrackingEvent | Response {
  const type = body.type;
  if (type !== "pageview" && type !== "heartbeat" && type !== "event") return rejected(400, 'type must be "pageview", "heartbeat" or "event"', "type");
  const foreign = foreignField(EVENT_SHAPES[type], body);
  if (foreign !== undefined) return rejected(400, `${foreign} is not a field of this event`, foreign);
  try {
    validate(EVENT_SHAPES[type], body, { throw: true });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const field = error.path ?? "body";
    return rejected(400, `${field} must be a ${error.expected === "float64" ? "number" : error.expected}`, field);
  }
  const event = body as TrackingEvent;
  // An object's keys cross to the component as Convex field names (ASCII, no leading "$"): pairs carry any key.
  if (event.type === "event" && event.props !== undefined && !Array.isArray(event.props)) {
    return { ...event, props: Object.entries(event.props).map(([key, value]) => ({ key, value })) };
  }
  return event;
}

/** Why the component refused an event: a field it rejects, or a limit holding it back for `retryAfter` seconds. Each format answers it its own way. */
type Refusal = InvalidArgument | { code: "RATE_LIMITED"; message: string; retryAfter: number };

/** Runs the component's call; its INVALID_ARGUMENT or RATE_LIMITED comes back as the refusal, any other error is thrown. */
async function recordOrRefusal<T>(record: () => Promise<T>): Promise<{ outcome: T } | { refusal: Refusal }> {
  try {
    return { outcome: await record() };
  } catch (error) {
    const data = error instanceof ConvexError ? (error.data as InvalidArgument | RateLimited) : null;
    if (data?.code === "INVALID_ARGUMENT") return { refusal: data };
    if (data?.code !== "RATE_LIMITED") throw error;
    return { refusal: { code: "RATE_LIMITED", message: data.message, retryAfter: Math.max(1, Math.ceil(data.retryAfter / 1000)) } };
  }
}

/** The 429 of every format: its body, and Retry-After in seconds. */
const tooManyRequests = (retryAfter: number, body: object) => jsonResponse(429, body, { "Retry-After": String(retryAfter) });

/** A random salt for the day's visitors, kept by the site's component if the day has none yet (record/dailyVisitors.ts). */
const drawSalt = () => [...crypto.getRandomValues(new Uint8Array(32))].map((byte) => byte.toString(16).padStart(2, "0")).join("");

/**
 * Answers 202 (nothing else) once the event is recorded, deduplicated, or
 * from a bot (not counted); 400 with `{ error, field }` and nothing written
 * when it is wrong; 403 for an origin not allowed; 429 with Retry-After
 * (seconds) when a limit holds it back.
 */
export async function handleEventRequest(http: HttpContext, request: Request): Promise<{ response: Response; originAllowed?: boolean }> {
  const { ctx, component } = http;
  const body = await readJsonObject(request);
  if (body instanceof Response) return { response: body };
  if (isPlausibleBody(body)) return await handlePlausibleEvent(http, request, body);
  const event = readEvent(body);
  if (event instanceof Response) return { response: event };
  const userAgent = request.headers.get("User-Agent") ?? undefined;
  const origin = request.headers.get("Origin") ?? undefined;
  // A bot hears what a person would, so it learns nothing; it is not counted.
  if (isBotUserAgent(userAgent)) return { response: new Response(null, { status: 202 }) };
  const recorded = await recordOrRefusal(() => ctx.runMutation(component.record.recordEvent, { event, userAgent, origin }));
  if ("refusal" in recorded) {
    const { refusal } = recorded;
    if (refusal.code === "RATE_LIMITED") return { response: tooManyRequests(refusal.retryAfter, { error: refusal.message, retryAfter: refusal.retryAfter }) };
    // The body cannot carry a user agent (readEvent refuses it): a refused one is the header, which a resend without `visit` would not change.
    if (refusal.field === "visit.userAgent") return { response: rejected(400, refusal.message.replace(refusal.field, "the User-Agent header"), "User-Agent") };
    return { response: rejected(400, refusal.message, refusal.field) };
  }
  if (!recorded.outcome.accepted) return { response: rejected(403, recorded.outcome.message, "Origin"), originAllowed: false };
  return { response: new Response(null, { status: 202 }), originAllowed: true };
}

/** Plausible's answers: 202 `ok` (a dropped event too, saying so in `x-plausible-dropped`), 400 `{"errors": {field: [message]}}`. */
const plausibleOk = (dropped = false) => new Response("ok", { status: 202, headers: dropped ? { "x-plausible-dropped": "1" } : {} });
const plausibleErrors = (errors: Record<string, string[]>) => jsonResponse(400, { errors });

/**
 * A Plausible tracker's event (prds/compat.md): recorded in each site on the router whose domains it names
 * (`registerRoutes`' `domains`; `"a.com,b.com"` names two), its session there the request's daily visitor, which the
 * site's component derives from its salt of the day (this request draws one, kept if the day has none yet), the
 * client's IP and its user agent. A domain no site names records nothing. Limits, origins and bots as ours.
 */
async function handlePlausibleEvent({ ctx, sites }: HttpContext, request: Request, body: Record<string, unknown>): Promise<{ response: Response; originAllowed?: boolean }> {
  const read = readPlausibleEvent(body);
  if ("errors" in read) return { response: plausibleErrors(read.errors) };
  const userAgent = request.headers.get("User-Agent") ?? undefined;
  const named = sites.flatMap((site) => {
    const domain = read.domains.find((each) => site.domains.includes(each));
    return domain === undefined ? [] : [{ ...site, domain }];
  });
  if (named.length === 0 || isBotUserAgent(userAgent)) return { response: plausibleOk(true) };
  const salt = drawSalt();
  for (const { component, domain } of named) {
    const recorded = await recordOrRefusal(() =>
      ctx.runMutation(component.record.recordForeignEvent, { event: read.event, site: domain, salt, userAgent, origin: request.headers.get("Origin") ?? undefined }),
    );
    if ("refusal" in recorded) {
      const { refusal } = recorded;
      return { response: refusal.code === "RATE_LIMITED" ? tooManyRequests(refusal.retryAfter, { error: refusal.message }) : plausibleErrors({ [refusal.field]: [refusal.message] }) };
    }
    if (!recorded.outcome.accepted) return { response: jsonResponse(403, { error: recorded.outcome.message }), originAllowed: false };
  }
  return { response: plausibleOk(), originAllowed: true };
}

/**
 * Umami's `POST /api/send` (prds/compat.md): the body names a site by its Umami website id (`npx convex run
 * stats:umamiWebsite`); each site on the router is offered the event until the one whose id it is records it (one
 * call for a router of one site), as a Plausible tracker's is (the daily visitor). Answers Umami's: `{ cache,
 * sessionId, visitId }` (the session is the day's visitor, and so its visit id: our visits are cut by the worker),
 * `{ beep: "boop" }` for a bot, a 400 for a website no site has.
 */
export async function handleUmamiRequest({ ctx, sites }: HttpContext, request: Request): Promise<{ response: Response; originAllowed?: boolean }> {
  const body = await readJsonObject(request);
  if (body instanceof Response) return { response: body };
  const read = readUmamiEvent(body);
  if ("error" in read) return { response: jsonResponse(400, { error: read.error }) };
  const userAgent = request.headers.get("User-Agent") ?? undefined;
  if (isBotUserAgent(userAgent)) return { response: jsonResponse(200, { beep: "boop" }) };
  const unknownWebsite = jsonResponse(400, { error: UNKNOWN_UMAMI_WEBSITE });
  if (read.event === null) {
    // Nothing to record (an identify): only whether some site has the website id.
    for (const { component } of sites) if ((await ctx.runQuery(component.operate.umamiWebsiteId, {})) === read.website) return { response: jsonResponse(200, { cache: "", sessionId: null, visitId: null }) };
    return { response: unknownWebsite };
  }
  const salt = drawSalt();
  for (const { component } of sites) {
    const event = { event: read.event, site: read.website, umamiWebsite: true, salt, userAgent, origin: request.headers.get("Origin") ?? undefined };
    const recorded = await recordOrRefusal(() => ctx.runMutation(component.record.recordForeignEvent, event));
    if ("refusal" in recorded) {
      const { refusal } = recorded;
      return { response: refusal.code === "RATE_LIMITED" ? tooManyRequests(refusal.retryAfter, { error: refusal.message }) : jsonResponse(400, { error: refusal.message }) };
    }
    const { outcome } = recorded;
    if ("unknownSite" in outcome) continue;
    if (!outcome.accepted) return { response: jsonResponse(403, { error: outcome.message }), originAllowed: false };
    const sessionId = outcome.sessionId ?? null;
    return { response: jsonResponse(200, { cache: sessionId ?? "", sessionId, visitId: sessionId }), originAllowed: true };
  }
  return { response: unknownWebsite };
}
