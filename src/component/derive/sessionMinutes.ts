import { v, type Infer } from "convex/values";
import type { MutationCtx } from "../_generated/server.js";
import { SESSION_MINUTES_PACKED_BYTES, SESSION_MINUTES_READ_MAX } from "../../shared/config.js";

/**
 * Each session's minutes with a view of each page, and with a custom event of each name or property value or a
 * conversion of a goal with buckets of its own, for the fold to find a minute's neighbours in a scope
 * (derive/timeBuckets.ts). They are packed on the session's `visitScopes` row (`packedMinutes`: scopes and their
 * sorted minutes), which the fold reads once a batch for the session anyway and writes once at its end: no row and
 * no index entry a view or an event (prds/rollup.md, "Session minutes, packed").
 *
 * A session whose minutes would pass SESSION_MINUTES_PACKED_BYTES (a bot) keeps the rest as rows, as before packing
 * (`sessionMinutes` for pages, `eventMinutes` for events and goals), and `rows` says to read them too: a scope's
 * minutes are then those packed and those in rows, so every figure stays exact and no document grows without bound.
 * Rows from before packing are taken over (moved onto the row, and deleted) the first time the fold meets the
 * session, when there are at most SESSION_MINUTES_READ_MAX of each kind; past that they stay, read the same way.
 */

/** The first property scope: they are "<property>:<value>" with a lowercase property name; pages' start with "/" and the site's old rows are "", below it. */
export const FIRST_PROPERTY_SCOPE = "a";
const SITE_SCOPE = "";

/** As stored: parallel arrays of scopes and their minutes (ascending); `rows` (only when true): some minutes may be kept as rows instead. */
export const vPackedMinutes = v.object({ scopes: v.array(v.string()), minutes: v.array(v.array(v.number())), rows: v.optional(v.literal(true)) });
type Stored = Infer<typeof vPackedMinutes>;
/** A session's minutes as the batch knows them: by scope, their size as stored, and whether rows hold more. */
export type SessionMinutes = { byScope: Map<string, number[]>; bytes: number; rows: boolean };
export type Neighbours = "present" | { prev: number | null; next: number | null };

/** Events', event properties' and goals' minutes: never the site's, which are all of a session's page minutes. */
const isEventScope = (scope: string) => scope.startsWith("event:") || scope.startsWith("eventProp:") || scope.startsWith("goal:");
/** The table a scope's minutes overflow to (and were kept in before packing). */
const rowsTableOf = (scope: string) => (isEventScope(scope) ? "eventMinutes" : "sessionMinutes");

// Near enough the bytes a scope and a minute add to the stored row (quotes, comma, brackets; minutes have 8 digits until 2160).
const scopeBytes = (scope: string) => new TextEncoder().encode(scope).length + 5;
const MINUTE_BYTES = 9;

export function unpackMinutes(stored: Stored): SessionMinutes {
  const byScope = new Map(stored.scopes.map((scope, i) => [scope, stored.minutes[i]]));
  return { byScope, bytes: sizeOf(byScope), rows: stored.rows === true };
}

export const packMinutes = (minutes: SessionMinutes): Stored => ({
  scopes: [...minutes.byScope.keys()],
  minutes: [...minutes.byScope.values()],
  ...(minutes.rows ? { rows: true as const } : {}),
});

function sizeOf(byScope: Map<string, number[]>): number {
  let bytes = 0;
  for (const [scope, minutes] of byScope) bytes += scopeBytes(scope) + minutes.length * MINUTE_BYTES;
  return bytes;
}

/**
 * The session's minutes when its row has none packed yet (a new session, or one from before packing): its rows from
 * before, moved onto the row when there are few enough of each kind (a new session reads two empty ranges), else left
 * where they are and read as rows.
 */
export async function takeOverMinuteRows(ctx: MutationCtx, sessionId: string): Promise<SessionMinutes> {
  const pages = await ctx.db
    .query("sessionMinutes")
    .withIndex("by_session_scope_minute", (q) => q.eq("sessionId", sessionId).lt("scope", FIRST_PROPERTY_SCOPE))
    .take(SESSION_MINUTES_READ_MAX + 1);
  const events = await ctx.db
    .query("eventMinutes")
    .withIndex("by_session_scope_minute", (q) => q.eq("sessionId", sessionId))
    .take(SESSION_MINUTES_READ_MAX + 1);
  const byScope = new Map<string, number[]>();
  // In index order (scope, then minute): each scope's minutes come ascending.
  for (const { scope, minute } of [...pages, ...events]) byScope.set(scope, [...(byScope.get(scope) ?? []), minute]);
  const bytes = sizeOf(byScope);
  if (pages.length > SESSION_MINUTES_READ_MAX || events.length > SESSION_MINUTES_READ_MAX || bytes > SESSION_MINUTES_PACKED_BYTES) {
    return { byScope: new Map(), bytes: 0, rows: true };
  }
  for (const row of [...pages, ...events]) await ctx.db.delete(row._id);
  return { byScope, bytes, rows: false };
}

/** Whether `minute` is among the session's minutes in `scope` (the site's: all its page minutes), else its neighbours there. */
export async function neighboursOf(ctx: MutationCtx, minutes: SessionMinutes, sessionId: string, scope: string, minute: number): Promise<Neighbours> {
  const lists = scope === SITE_SCOPE ? [...minutes.byScope].filter(([kept]) => !isEventScope(kept)).map(([, list]) => list) : [minutes.byScope.get(scope) ?? []];
  const packed = neighboursAmong(lists, minute);
  if (packed === "present" || !minutes.rows) return packed;
  const inRows = await neighboursInRows(ctx, sessionId, scope, minute);
  if (inRows === "present") return "present";
  return { prev: latest(packed.prev, inRows.prev), next: earliest(packed.next, inRows.next) };
}

const latest = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
const earliest = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

/** The latest minute before `minute` and the earliest after it among ascending lists, or "present" when one holds it. */
function neighboursAmong(lists: number[][], minute: number): Neighbours {
  let prev: number | null = null;
  let next: number | null = null;
  for (const list of lists) {
    const at = firstAtOrAfter(list, minute);
    if (list[at] === minute) return "present";
    if (at > 0) prev = latest(prev, list[at - 1]);
    if (at < list.length) next = earliest(next, list[at]);
  }
  return { prev, next };
}

/** Where `minute` goes in an ascending list: the index of its first element at or after it. */
function firstAtOrAfter(list: number[], minute: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (list[middle] < minute) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The session's rows in `scope` around `minute` (the site's: all its rows, read through the second index). */
async function neighboursInRows(ctx: MutationCtx, sessionId: string, scope: string, minute: number): Promise<Neighbours> {
  const inScope = (bound: "upTo" | "after") => {
    const onMinute = <Range>(q: { lte(field: "minute", value: number): Range; gt(field: "minute", value: number): Range }) =>
      bound === "upTo" ? q.lte("minute", minute) : q.gt("minute", minute);
    return scope === SITE_SCOPE
      ? ctx.db.query("sessionMinutes").withIndex("by_session_minute", (q) => onMinute(q.eq("sessionId", sessionId)))
      : ctx.db.query(rowsTableOf(scope)).withIndex("by_session_scope_minute", (q) => onMinute(q.eq("sessionId", sessionId).eq("scope", scope)));
  };
  const atOrBefore = await inScope("upTo").order("desc").first();
  if (atOrBefore?.minute === minute) return "present";
  const after = await inScope("after").first();
  return { prev: atOrBefore?.minute ?? null, next: after?.minute ?? null };
}

/** Adds a minute the session did not have in `scope`: packed while the row has room, else as a row. True when the packed minutes changed. */
export async function recordMinute(ctx: MutationCtx, minutes: SessionMinutes, sessionId: string, scope: string, minute: number): Promise<boolean> {
  const list = minutes.byScope.get(scope);
  const added = (list === undefined ? scopeBytes(scope) : 0) + MINUTE_BYTES;
  if (minutes.bytes + added <= SESSION_MINUTES_PACKED_BYTES) {
    if (list === undefined) minutes.byScope.set(scope, [minute]);
    else list.splice(firstAtOrAfter(list, minute), 0, minute);
    minutes.bytes += added;
    return true;
  }
  await ctx.db.insert(rowsTableOf(scope), { sessionId, scope, minute });
  if (minutes.rows) return false;
  minutes.rows = true;
  return true;
}
