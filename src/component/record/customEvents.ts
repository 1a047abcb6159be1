import { ConvexError, v, type Infer } from "convex/values";
import { code as currencyOf } from "currency-codes";
import type { MutationCtx } from "../_generated/server.js";
import {
  DEFAULT_CURRENCY,
  EVENT_NAME_MAX_CHARS,
  EVENT_PROP_KEY_MAX_BYTES,
  EVENT_PROP_VALUE_MAX_BYTES,
  EVENT_PROPS_MAX,
  MAX_USER_AGENT_BYTES,
} from "../../shared/config.js";
import { canonicalPath, canonicalSessionId, checkedText, type InvalidArgument } from "../../shared/validation.js";
import { enforceEventLimit, enforceNewVisitorPause } from "./rateLimits.js";
import { isBotUserAgent } from "./visitAttributes.js";
import { recordVisitActivity } from "./visits.js";
import { pingStatsWorker } from "./wakeWorker.js";
import { hasViewed } from "./record.js";
import { flatProps, type PropPair, type vStoredRevenue } from "./eventFields.js";

/**
 * Custom events (prds/events.md): what a visitor did besides reading, `track("Signup", { props, revenue })`. The hot
 * path appends the event to `customEvents` and counts it as activity of the session's open visit; nothing else is
 * written, and the stats worker derives every figure from the rows. Limits are Plausible's: a name of at most
 * EVENT_NAME_MAX_CHARS, at most EVENT_PROPS_MAX properties with scalar values stored as strings, keys and values of at
 * most EVENT_PROP_KEY_MAX_BYTES and EVENT_PROP_VALUE_MAX_BYTES, revenue as a decimal amount in the site's ISO 4217
 * currency (STATS_CURRENCY). Anything else is INVALID_ARGUMENT naming the field, and nothing is written.
 */

const vScalar = v.union(v.string(), v.number(), v.boolean());
// An object, or [{ key, value }] pairs for keys an object cannot carry through Convex (non-ASCII, or starting with "$").
export const vEventProps = v.union(v.record(v.string(), vScalar), v.array(v.object({ key: v.string(), value: vScalar })));
// `amount`: a decimal, as a number or a string ("29.99"); `currency`: an ISO 4217 code.
export const vRevenue = v.object({ amount: v.union(v.number(), v.string()), currency: v.string() });
export const vTrackEventRequest = {
  sessionId: v.string(),
  name: v.string(),
  path: v.string(),
  props: v.optional(vEventProps),
  revenue: v.optional(vRevenue),
  // The browser's user agent: a bot's event records nothing (over HTTP, the request's header).
  userAgent: v.optional(v.string()),
};
export type TrackEventRequest = Infer<ReturnType<typeof v.object<typeof vTrackEventRequest>>>;


/** The variable that names the site's currency (DEFAULT_CURRENCY when unset). */
export const CURRENCY_VARIABLE = "STATS_CURRENCY";

// Names the dashboard and Plausible's trackers give views: a custom event cannot take them.
const RESERVED_NAMES = new Set(["pageview"]);

function reject(field: string, message: string): never {
  throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field, message });
}

/** The site's currency (STATS_CURRENCY, or DEFAULT_CURRENCY): an ISO 4217 code, else INVALID_CONFIGURATION saying how to fix it. */
export function siteCurrency(): { code: string; digits: number } {
  const raw = process.env[CURRENCY_VARIABLE]?.trim().toUpperCase() || DEFAULT_CURRENCY;
  const known = currencyOf(raw);
  if (known === undefined) {
    throw new ConvexError({
      code: "INVALID_CONFIGURATION",
      field: CURRENCY_VARIABLE,
      message: `The environment variable ${CURRENCY_VARIABLE} is ${JSON.stringify(raw.slice(0, 40))}, which is no ISO 4217 currency: set it, e.g. \`npx convex env set ${CURRENCY_VARIABLE} EUR\``,
    });
  }
  return { code: known.code, digits: known.digits };
}

/** An event's name (or a goal's, `field` naming it): display text of 1 to EVENT_NAME_MAX_CHARS characters, not a view's. */
export function eventName(name: string, field = "name"): string {
  const checked = checkedText(name, field, EVENT_NAME_MAX_CHARS * 4).trim();
  if (checked === "" || [...checked].length > EVENT_NAME_MAX_CHARS) reject(field, `${field} must be 1 to ${EVENT_NAME_MAX_CHARS} characters`);
  if (RESERVED_NAMES.has(checked)) reject(field, `"${checked}" is a page view's name: record views with recordPageView`);
  return checked;
}

/** The properties checked, each scalar written as a string, in the order sent. */
export function storedProps(props: Infer<typeof vEventProps>): PropPair[] {
  const pairs = Array.isArray(props) ? props : Object.entries(props).map(([key, value]) => ({ key, value }));
  if (pairs.length > EVENT_PROPS_MAX) reject("props", `props takes at most ${EVENT_PROPS_MAX} properties; got ${pairs.length}`);
  const seen = new Set<string>();
  return pairs.map(({ key, value }) => {
    const field = `props.${key.slice(0, 40)}`;
    checkedText(key, "props (a key)", EVENT_PROP_KEY_MAX_BYTES);
    if (key.trim() === "") reject("props", "a property's key must not be empty");
    if (seen.has(key)) reject(field, `${field} is given twice`);
    seen.add(key);
    if (typeof value === "number" && !Number.isFinite(value)) reject(field, `${field} must be a finite number`);
    return { key, value: checkedText(String(value), field, EVENT_PROP_VALUE_MAX_BYTES) };
  });
}

/** Revenue as stored: the amount in whole minor units of the site's currency; another currency, or more decimals than it has, is refused. */
function storedRevenue({ amount, currency }: Infer<typeof vRevenue>): Infer<typeof vStoredRevenue> {
  const site = siteCurrency();
  const sent = currency.trim().toUpperCase();
  if (currencyOf(sent) === undefined) reject("revenue.currency", `revenue.currency must be an ISO 4217 code such as EUR or USD; got ${JSON.stringify(currency.slice(0, 10))}`);
  if (sent !== site.code) reject("revenue.currency", `this site counts revenue in ${site.code} (${CURRENCY_VARIABLE}); got ${sent}`);
  const text = typeof amount === "number" ? (Number.isFinite(amount) ? String(amount) : "") : amount.trim();
  const decimal = /^(-?)(\d{1,15})(?:\.(\d+))?$/.exec(text);
  if (decimal === null) reject("revenue.amount", `revenue.amount must be a decimal number such as 29.99; got ${JSON.stringify(String(amount).slice(0, 20))}`);
  const [, sign, whole, fraction = ""] = decimal;
  const digits = fraction.replace(/0+$/, "");
  if (digits.length > site.digits) reject("revenue.amount", `revenue.amount has more decimals than ${site.code} has (${site.digits})`);
  const minorUnits = Number(whole) * 10 ** site.digits + Number(digits.padEnd(site.digits, "0") || "0");
  if (!Number.isSafeInteger(minorUnits)) reject("revenue.amount", "revenue.amount is too large");
  return { minorUnits: sign === "-" ? -minorUnits : minorUnits, currency: site.code };
}

/**
 * Checks a custom event and appends it; it counts as activity of the session's open visit (as a heartbeat does).
 * A bot's records nothing. Throws INVALID_ARGUMENT (nothing written) or RATE_LIMITED.
 */
export async function trackEvent(ctx: MutationCtx, request: TrackEventRequest, now: number): Promise<{ recorded: boolean }> {
  const sessionId = canonicalSessionId(request.sessionId);
  const name = eventName(request.name);
  const path = canonicalPath(request.path);
  const props = request.props === undefined ? undefined : storedProps(request.props);
  const revenue = request.revenue === undefined ? undefined : storedRevenue(request.revenue);
  if (request.userAgent !== undefined) checkedText(request.userAgent, "userAgent", MAX_USER_AGENT_BYTES);
  if (isBotUserAgent(request.userAgent)) return { recorded: false };
  // A session with no view is a new visitor, held by the site-wide cap's pause like a view's.
  if (!(await hasViewed(ctx, sessionId))) await enforceNewVisitorPause(ctx, now);
  await enforceEventLimit(ctx, sessionId, now);
  await ctx.db.insert("customEvents", {
    sessionId,
    name,
    path,
    timestamp: now,
    committedAt: ctx.db.vars.commitTs,
    ...(props === undefined || props.length === 0 ? {} : { props: flatProps(props) }),
    ...(revenue === undefined ? {} : { revenue }),
  });
  await recordVisitActivity(ctx, sessionId, now);
  await pingStatsWorker(ctx);
  return { recorded: true };
}
