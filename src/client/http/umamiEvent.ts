import { MAX_VISIT_FIELD_BYTES } from "../../shared/config.js";
import type { ForeignEvent } from "../../component/record/events.js";
import { cutToBytes } from "./plausibleEvent.js";

/**
 * A body of Umami's `POST /api/send` (prds/compat.md) read as one of our events: `{ type: "event" | "identify",
 * payload: { website, hostname, screen, language, title, url, referrer, name?, data? } }`. No `name` is a view, a
 * `name` a custom event whose `data` (flattened with ".") are its props and whose `data.revenue` with
 * `data.currency` its revenue; `identify` records nothing we count. The URL may be a path or a whole URL (none: "/").
 */

export type UmamiEvent = { website: string; event: ForeignEvent | null };

/** Nested data as properties: `{ a: { b: 1 } }` is `a.b = "1"`, as Umami stores it; blank values dropped. */
function flattened(data: unknown, prefix = ""): { key: string; value: string }[] {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return [];
  return Object.entries(data).flatMap(([key, value]) => {
    const name = `${prefix}${key}`;
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return flattened(value, `${name}.`);
    if (typeof value === "number" || typeof value === "boolean" || (typeof value === "string" && value.trim() !== "")) return [{ key: name, value: String(value) }];
    return [];
  });
}

/** The body read as the website it names and our event (null: nothing to count), or what is wrong with it. */
export function readUmamiEvent(body: Record<string, unknown>): UmamiEvent | { error: string } {
  const type = body.type;
  const payload = body.payload;
  if (type !== "event" && type !== "identify") return { error: 'type must be "event" or "identify"' };
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return { error: "payload must be an object" };
  const { website, url, referrer, screen, language, name, data } = payload as Record<string, unknown>;
  if (typeof website !== "string" || website === "") return { error: "payload.website is required" };
  if (type === "identify") return { website, event: null };
  const page = typeof url === "string" && url !== "" && URL.canParse(url, "http://site") ? new URL(url, "http://site") : null;
  if (url !== undefined && url !== "" && page === null) return { error: "payload.url is invalid" };
  const path = page?.pathname ?? "/";
  if (typeof name === "string" && name !== "") {
    const fields = (data ?? {}) as Record<string, unknown>;
    const amount = fields.revenue;
    const revenue = typeof amount === "number" && amount > 0 && typeof fields.currency === "string" ? { amount, currency: fields.currency } : undefined;
    const props = flattened(data).filter(({ key }) => revenue === undefined || (key !== "revenue" && key !== "currency"));
    return { website, event: { type: "event", name, path, ...(props.length === 0 ? {} : { props: props.slice(0, 30) }), ...(revenue === undefined ? {} : { revenue }) } };
  }
  const width = typeof screen === "string" ? Number(screen.split("x")[0]) : NaN;
  const visit = {
    ...(typeof referrer === "string" && referrer !== "" ? { referrer: cutToBytes(referrer, MAX_VISIT_FIELD_BYTES) } : {}),
    ...(Number.isInteger(width) && width > 0 ? { screenWidth: width } : {}),
    ...(typeof language === "string" && language !== "" ? { language: cutToBytes(language, MAX_VISIT_FIELD_BYTES) } : {}),
    ...Object.fromEntries(
      (["source", "medium", "campaign", "term", "content"] as const).flatMap((key) => {
        const value = page?.searchParams.get(`utm_${key}`);
        return value ? [[`utm${key[0].toUpperCase()}${key.slice(1)}`, cutToBytes(value, MAX_VISIT_FIELD_BYTES)]] : [];
      }),
    ),
  };
  return { website, event: { type: "pageview", path, ...(Object.keys(visit).length === 0 ? {} : { visit }) } };
}
