import { omit } from "convex-helpers";
import { v, type Infer } from "convex/values";
import type { MutationCtx } from "../_generated/server.js";
import { DEFAULT_HTTP_PAGE_TYPE } from "../../shared/config.js";
import { heartbeatRequest, recordPageViewRequest } from "./record.js";
import { vVisitContext } from "./visitAttributes.js";
import { trackEvent, vTrackEventRequest } from "./customEvents.js";

/**
 * Views, heartbeats and custom events sent to POST /api/event (client/http/eventEndpoint.ts) by any
 * site: the React tracker's arguments plus a `type`, with the request's user agent and origin. They
 * take the tracker's own code path (record.ts, customEvents.ts), so checks, canonical paths, dedup and
 * limits are one.
 */

export const vPageViewEvent = v.object({
  type: v.literal("pageview"),
  sessionId: v.string(),
  path: v.string(),
  pageType: v.optional(v.string()),
  // The browser's context but its user agent, which is the request's own header.
  visit: v.optional(v.object(omit(vVisitContext.fields, ["userAgent"]))),
});
// `scrollDepth`: the page's deepest scroll so far, 0–100 (a Plausible tracker's engagement sends it; our trackers do not).
export const vHeartbeatEvent = v.object({ type: v.literal("heartbeat"), sessionId: v.string(), path: v.string(), scrollDepth: v.optional(v.number()) });
// A custom event: `trackEvent`'s arguments but the user agent, which is the request's own header.
export const vCustomEvent = v.object({ type: v.literal("event"), ...omit(vTrackEventRequest, ["userAgent"]) });
export const vEvent = v.union(vPageViewEvent, vHeartbeatEvent, vCustomEvent);
export type TrackingEvent = Infer<typeof vEvent>;

export const EVENT_SHAPES = { pageview: vPageViewEvent, heartbeat: vHeartbeatEvent, event: vCustomEvent } as const;

/** An event from a tracker that sends no visitor id: the shapes above but the session, which the component derives (record/dailyVisitors.ts). */
export const vForeignEvent = v.union(
  v.object(omit(vPageViewEvent.fields, ["sessionId"])),
  v.object(omit(vHeartbeatEvent.fields, ["sessionId"])),
  v.object(omit(vCustomEvent.fields, ["sessionId"])),
);
export type ForeignEvent = Infer<typeof vForeignEvent>;

/** The environment variable listing the origins allowed to send events; unset, any origin may. */
export const ALLOWED_ORIGINS_VARIABLE = "STATS_ALLOWED_ORIGINS";

// `sessionId`: the daily visitor's, for an event from a tracker that sends none (Umami's answer names it).
export const vEventOutcome = v.union(v.object({ accepted: v.literal(true), sessionId: v.optional(v.string()) }), v.object({ accepted: v.literal(false), message: v.string() }));
export type EventOutcome = Infer<typeof vEventOutcome>;

/** recordForeignEvent's outcome: recordEvent's, or `unknownSite` (an Umami website id that is not this site's: nothing recorded, the caller asks the next site). */
export const vForeignEventOutcome = v.union(...vEventOutcome.members, v.object({ accepted: v.literal(false), unknownSite: v.literal(true), message: v.string() }));

/**
 * Records an event in the tracker's own code path, the request's user agent standing in for the
 * browser's; an origin this site does not allow (STATS_ALLOWED_ORIGINS) is refused and writes nothing.
 */
export async function recordEvent(ctx: MutationCtx, event: TrackingEvent, request: { userAgent?: string; origin?: string }, now: number): Promise<EventOutcome> {
  if (!isAllowedOrigin(request.origin ?? null, allowedOrigins())) {
    return { accepted: false, message: `origin ${request.origin ?? "(none)"} may not send events: add it to ${ALLOWED_ORIGINS_VARIABLE}` };
  }
  if (event.type === "heartbeat") {
    await heartbeatRequest(ctx, event.sessionId, event.path, now, "path", event.scrollDepth);
  } else if (event.type === "event") {
    const { type: _type, ...custom } = event;
    await trackEvent(ctx, { ...custom, userAgent: request.userAgent }, now);
  } else {
    const { path, sessionId, pageType = DEFAULT_HTTP_PAGE_TYPE, visit } = event;
    await recordPageViewRequest(ctx, { path, sessionId, pageType, visit: { ...visit, userAgent: request.userAgent } }, now);
  }
  return { accepted: true };
}

/**
 * The allowed origins from STATS_ALLOWED_ORIGINS (comma- or space-separated, `*.example.com` for
 * https subdomains), each spelled as a browser's Origin header spells it; ["*"] when unset. An entry
 * no Origin can ever match is left out and logged once per call, saying why, so a typo is found in the
 * logs rather than as events refused without a word.
 */
export function allowedOrigins(): string[] {
  const entries = (process.env[ALLOWED_ORIGINS_VARIABLE] ?? "").split(/[\s,]+/).filter(Boolean);
  if (entries.length === 0) return ["*"];
  const patterns: string[] = [];
  const unusable: string[] = [];
  for (const entry of entries) {
    const read = originPattern(entry);
    if ("pattern" in read) patterns.push(read.pattern);
    else unusable.push(`"${entry}" ${read.problem}`);
  }
  if (unusable.length > 0) console.warn(`[origins] ${ALLOWED_ORIGINS_VARIABLE}: no request can match ${unusable.join("; ")}`);
  return patterns;
}

/**
 * One entry as an Origin header would spell it (RFC 6454's serialisation, as `URL#origin` writes it):
 * scheme and host in lower case, the default port and a trailing slash dropped, a bare host read as
 * https (`Example.com` is `https://example.com`), `https://*.example.com` as `*.example.com`;
 * or why no Origin can match it.
 */
export function originPattern(entry: string): { pattern: string } | { problem: string } {
  const trimmed = entry.replace(/\/+$/, "");
  if (trimmed === "*") return { pattern: "*" };
  const wildcard = /^(?:([a-z][a-z0-9+.-]*):\/\/)?\*\.(.*)$/i.exec(trimmed);
  if (wildcard !== null) {
    if (wildcard[1] !== undefined && wildcard[1].toLowerCase() !== "https") return { problem: "(a wildcard matches https subdomains only)" };
    const domain = parsedUrl(`https://${wildcard[2]}`);
    // Only a domain: no port, path or user, which the wildcard rule never compares.
    return domain !== null && domain.href === `https://${domain.hostname}/` ? { pattern: `*.${domain.hostname}` } : { problem: "(write a wildcard as *.example.com)" };
  }
  const url = parsedUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  if (url === null) return { problem: "(not an origin: write it as https://example.com)" };
  if (url.protocol !== "https:" && url.protocol !== "http:") return { problem: `(pages send events from http or https, not ${url.protocol.slice(0, -1)})` };
  if (`${url.origin}/` !== url.href) return { problem: "(an origin is scheme://host[:port], with no path, query or user)" };
  return { pattern: url.origin };
}

function parsedUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
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

