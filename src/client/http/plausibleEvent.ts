import { ENGAGEMENT_TIME_MAX_MS, EVENT_PROPS_MAX, FOREIGN_URL_MAX_BYTES, MAX_VISIT_FIELD_BYTES } from "../../shared/config.js";
import type { ForeignEvent } from "../../component/record/events.js";

/**
 * A body of Plausible's Events API (prds/compat.md) read as one of our events: `pageview` a view, `engagement` a
 * heartbeat on its page, any other name a custom event. Keys come long or short (`name|n`, `url|u`, `domain|d`,
 * `referrer|r`, `props|p|meta|m`, `revenue|$`, `hashMode|h`); props and revenue may be JSON in a string; unknown keys
 * are ignored. Plausible's rules: a URL of at most FOREIGN_URL_MAX_BYTES and no `data:` URL, nested or blank property
 * values dropped and the first EVENT_PROPS_MAX kept, an invalid revenue dropped (the event kept); the referrer and UTM
 * values cut to what a visit keeps (MAX_VISIT_FIELD_BYTES: Plausible cuts a referrer at 2,000), not refused. An
 * engagement's scroll depth `sd` is a whole number (or one in a string), over 100 read as 100 and anything else dropped;
 * one with neither a scroll depth nor an engaged time `e` is refused. What is wrong is said as Plausible says it: `{ field: [message] }`.
 */

export type PlausibleEvent = { event: ForeignEvent; domains: string[] };
export type PlausibleErrors = Record<string, string[]>;

const utf8 = new TextEncoder();

/** True for a body in Plausible's format: it names an event and a URL, and has no `type` (ours). */
export const isPlausibleBody = (body: Record<string, unknown>) => !("type" in body) && ("n" in body || "name" in body) && ("u" in body || "url" in body);

/** The first of the keys the body has. */
const field = (body: Record<string, unknown>, ...keys: string[]) => body[keys.find((key) => key in body) ?? keys[0]];

/** An object sent as one or as JSON in a string; anything else is none. */
function objectOf(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === "string") {
    try {
      return objectOf(JSON.parse(value));
    } catch {
      return undefined;
    }
  }
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Text cut to at most `bytes` bytes of UTF-8, never inside a character. */
export function cutToBytes(text: string, bytes: number): string {
  let cut = text;
  while (utf8.encode(cut).length > bytes) cut = [...cut].slice(0, -1).join("");
  return cut;
}

/** Scalar property values as strings, in order; nested and blank ones dropped, the first EVENT_PROPS_MAX kept. */
function propsOf(value: unknown): { key: string; value: string }[] | undefined {
  const props = Object.entries(objectOf(value) ?? {})
    .filter(([, each]) => (typeof each === "string" && each.trim() !== "") || typeof each === "number" || typeof each === "boolean")
    .slice(0, EVENT_PROPS_MAX)
    .map(([key, each]) => ({ key, value: String(each) }));
  return props.length === 0 ? undefined : props;
}

/** Revenue as our events take it, or none when it is not `{ amount, currency }` (Plausible drops it and keeps the event). */
function revenueOf(value: unknown): { amount: string | number; currency: string } | undefined {
  const revenue = objectOf(value);
  const amount = revenue?.amount;
  const currency = revenue?.currency;
  return (typeof amount === "number" || typeof amount === "string") && typeof currency === "string" ? { amount, currency } : undefined;
}

/** A whole number sent as one or as its digits in a string (Plausible's `Integer.parse`); anything else is none. */
function integerOf(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) ? value : undefined;
  return typeof value === "string" && /^[+-]?\d+$/.test(value) ? Number(value) : undefined;
}

/** An engagement's scroll depth as Plausible keeps it: 0–100, over 100 read as 100, anything else none. */
function scrollDepthOf(value: unknown): number | undefined {
  const depth = integerOf(value);
  return depth === undefined || depth < 0 ? undefined : Math.min(depth, 100);
}

/** True for an engaged time Plausible keeps: more than 0 ms and less than ENGAGEMENT_TIME_MAX_MS (older trackers sent larger ones). */
const isEngagedTime = (value: unknown) => {
  const ms = integerOf(value);
  return ms !== undefined && ms > 0 && ms < ENGAGEMENT_TIME_MAX_MS;
};

/** The body read as one of our events and the domains it names, or what is wrong with it. */
export function readPlausibleEvent(body: Record<string, unknown>): PlausibleEvent | { errors: PlausibleErrors } {
  const name = field(body, "name", "n");
  const url = field(body, "url", "u");
  const errors: PlausibleErrors = {};
  if (typeof name !== "string" && typeof name !== "number") errors.name = ["is required"];
  let page: URL | null = null;
  if (typeof url !== "string" || url === "") errors.url = ["is required"];
  else if (utf8.encode(url).length > FOREIGN_URL_MAX_BYTES) errors.url = [`must be at most ${FOREIGN_URL_MAX_BYTES} bytes`];
  else if (/^data:/i.test(url)) errors.url = ["is invalid"];
  else {
    page = URL.canParse(url) ? new URL(url) : null;
    if (page === null || (page.protocol !== "http:" && page.protocol !== "https:")) errors.url = ["is invalid"];
  }
  const domain = field(body, "domain", "d") ?? page?.hostname.replace(/^www\./, "");
  if (typeof domain !== "string" || domain.trim() === "") errors.domain = ["is required"];
  const scrollDepth = scrollDepthOf(body.sd);
  if (String(name) === "engagement" && scrollDepth === undefined && !isEngagedTime(body.e)) {
    errors.event_name = ["engagement event requires a valid integer value for at least one of 'sd' or 'e' fields"];
  }
  if (Object.keys(errors).length > 0 || page === null) return { errors };
  const hashMode = Boolean(field(body, "hashMode", "h"));
  // In hash mode the fragment is the route: kept, escaped, since a path's fragment is otherwise dropped.
  const path = `${page.pathname}${hashMode && page.hash.length > 1 ? page.hash.replace("#", "%23") : ""}`;
  const domains = (domain as string)
    .split(",")
    .map((each) => each.trim().toLowerCase())
    .filter(Boolean);
  const eventName = String(name);
  if (eventName === "engagement") return { event: { type: "heartbeat", path, ...(scrollDepth === undefined ? {} : { scrollDepth }) }, domains };
  if (eventName !== "pageview") {
    const props = propsOf(field(body, "props", "p", "meta", "m"));
    const revenue = revenueOf(field(body, "revenue", "$"));
    return { event: { type: "event", name: eventName, path, ...(props === undefined ? {} : { props }), ...(revenue === undefined ? {} : { revenue }) }, domains };
  }
  const referrer = field(body, "referrer", "r");
  const query = page.searchParams;
  // The landing URL's campaign, as our tracker reads it (utm_source, else ref or source).
  const context: Record<string, string | null> = {
    referrer: typeof referrer === "string" ? referrer : null,
    utmSource: query.get("utm_source") ?? query.get("ref") ?? query.get("source"),
    utmMedium: query.get("utm_medium"),
    utmCampaign: query.get("utm_campaign"),
    utmTerm: query.get("utm_term"),
    utmContent: query.get("utm_content"),
  };
  const visit = Object.fromEntries(
    Object.entries(context)
      .filter((entry): entry is [string, string] => entry[1] !== null && entry[1] !== "")
      .map(([key, value]) => [key, cutToBytes(value, MAX_VISIT_FIELD_BYTES)]),
  );
  return { event: { type: "pageview", path, ...(Object.keys(visit).length === 0 ? {} : { visit }) }, domains };
}
