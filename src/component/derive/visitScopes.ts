import type { Doc, Id } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { SESSION_MINUTES_READ_MAX, VISIT_SCOPES_MAX } from "../../shared/config.js";
import { readCounter } from "./counters.js";
import { FIRST_PROPERTY_SCOPE, packMinutes, takeOverMinuteRows, unpackMinutes, type SessionMinutes } from "./sessionMinutes.js";

/**
 * Each session's property values, for counting a value's visitors exactly:
 * one `visitScopes` row per session holding, for every property value its
 * folded visits had (its scope, e.g. "source:Google"), the minute its latest
 * such visit started. A session's visits are folded in start order (one ends
 * before the next begins, and each is first folded when it starts:
 * derive/foldVisits.ts), so that minute is a new visit's previous one in the
 * scope, and every earlier one is older still. One read and one write a
 * visit for all its values, where a `sessionMinutes` row per value cost about
 * twelve of each (prds/rollup.md).
 *
 * `complete` is false while values of the session may have `sessionMinutes`
 * rows instead: rows from before this table, read once when the session's row
 * is created (when there are more than SESSION_MINUTES_READ_MAX), or values
 * past VISIT_SCOPES_MAX, which go to rows as before. Such a value is looked up
 * in its rows.
 *
 * The row also carries the session's page and event minutes, packed (derive/sessionMinutes.ts): the fold reads and
 * writes them with its values, once a batch. And its first view (`firstSeen`): a session without one is a new visitor
 * at its first view. It was a `visitors` row of its own: the first view after the upgrade takes that row over (moves
 * it here and deletes it), and a batch reads that table only while it holds any (a backfill's reset empties it).
 */

type Row = Doc<"visitScopes">;
/** A session's values as the batch knows them, written back once at the end of the batch when changed. */
export type SessionScopes = {
  id: Id<"visitScopes"> | null;
  latest: Map<string, number>;
  complete: boolean;
  number: number | null;
  lastEvent: number | null;
  firstSeen: number | null;
  minutes: SessionMinutes;
  changed: boolean;
};
/** Session numbers a batch gives: the next, read from its counter when first needed, and how many it gave (added to the counter at its end). */
export type SessionNumbering = { next: number; given: number };

async function getRow(ctx: QueryCtx, sessionId: string): Promise<Row | null> {
  return await ctx.db
    .query("visitScopes")
    .withIndex("by_sessionId", (q) => q.eq("sessionId", sessionId))
    .unique();
}

const latestOf = (row: Pick<Row, "scopes" | "minutes">) => new Map(row.scopes.map((scope, i) => [scope, row.minutes[i]]));

/** The session's latest minute in a property scope from its rows (values that are not in its `visitScopes` row). */
async function latestRowMinute(ctx: QueryCtx, sessionId: string, scope: string): Promise<number | null> {
  const row = await ctx.db
    .query("sessionMinutes")
    .withIndex("by_session_scope_minute", (q) => q.eq("sessionId", sessionId).eq("scope", scope))
    .order("desc")
    .first();
  return row?.minute ?? null;
}

/** The session's values, read once per batch; a session without a row takes over its rows from before (a new one has none: one empty read). */
export async function loadSessionScopes(ctx: MutationCtx, cache: Map<string, SessionScopes>, sessionId: string): Promise<SessionScopes> {
  const cached = cache.get(sessionId);
  if (cached !== undefined) return cached;
  const row = await getRow(ctx, sessionId);
  let state: SessionScopes;
  if (row !== null) {
    // A row from before packing takes its session's minute rows over now.
    const minutes = row.packedMinutes === undefined ? await takeOverMinuteRows(ctx, sessionId) : unpackMinutes(row.packedMinutes);
    state = { id: row._id, latest: latestOf(row), complete: row.complete, number: row.number ?? null, lastEvent: row.lastEvent ?? null, firstSeen: row.firstSeen ?? null, minutes, changed: row.packedMinutes === undefined };
  } else {
    const old = await ctx.db
      .query("sessionMinutes")
      .withIndex("by_session_scope_minute", (q) => q.eq("sessionId", sessionId).gte("scope", FIRST_PROPERTY_SCOPE))
      .take(SESSION_MINUTES_READ_MAX + 1);
    const latest = new Map<string, number>();
    const complete = old.length <= SESSION_MINUTES_READ_MAX && old.length <= VISIT_SCOPES_MAX;
    // In index order (scope, then minute): the last of each scope is its latest.
    if (complete) for (const { scope, minute } of old) latest.set(scope, minute);
    const minutes = await takeOverMinuteRows(ctx, sessionId);
    state = { id: null, latest, complete, number: null, lastEvent: null, firstSeen: null, minutes, changed: old.length > 0 || minutes.byScope.size > 0 || minutes.rows };
  }
  cache.set(sessionId, state);
  return state;
}

/** The session's number, given now when it has none: a visit block names its session by it (derive/visitBlocks.ts). */
export async function numberOfSession(ctx: MutationCtx, fold: { numbering?: SessionNumbering }, state: SessionScopes): Promise<number> {
  if (state.number !== null) return state.number;
  fold.numbering ??= { next: await readCounter(ctx, "sessionNumbers"), given: 0 };
  state.number = fold.numbering.next++;
  fold.numbering.given++;
  state.changed = true;
  return state.number;
}

/** Whether `visitors` rows from before `firstSeen` moved onto this table remain: read once a batch, when first needed. */
export type OldVisitorRows = { remain?: boolean };

async function oldVisitorRowsRemain(ctx: QueryCtx, oldRows: OldVisitorRows): Promise<boolean> {
  oldRows.remain ??= (await ctx.db.query("visitors").first()) !== null;
  return oldRows.remain;
}

async function oldVisitorRow(ctx: QueryCtx, oldRows: OldVisitorRows, sessionId: string): Promise<Doc<"visitors"> | null> {
  if (!(await oldVisitorRowsRemain(ctx, oldRows))) return null;
  return await ctx.db
    .query("visitors")
    .withIndex("by_sessionId", (q) => q.eq("sessionId", sessionId))
    .unique();
}

/** Records a view of the session at `at`; true when it is the session's first ever (a new visitor). A session from before takes its old row over. */
export async function recordView(ctx: MutationCtx, oldRows: OldVisitorRows, state: SessionScopes, sessionId: string, at: number): Promise<boolean> {
  if (state.firstSeen === null) {
    const old = await oldVisitorRow(ctx, oldRows, sessionId);
    if (old !== null) {
      await ctx.db.delete(old._id);
      state.firstSeen = old.firstSeen;
      state.changed = true;
    }
  }
  const isNew = state.firstSeen === null;
  if (state.firstSeen === null || at < state.firstSeen) {
    state.firstSeen = at;
    state.changed = true;
  }
  return isNew;
}

/** Whether the worker has counted the session as a visitor (its first view folded), as of the last batch. */
export async function isCountedVisitor(ctx: QueryCtx, oldRows: OldVisitorRows, sessionId: string): Promise<boolean> {
  return (await getRow(ctx, sessionId))?.firstSeen !== undefined || (await oldVisitorRow(ctx, oldRows, sessionId)) !== null;
}

/** Records that the session sent a custom event at `at` (folded): its visits that may hold it read their events when they settle. */
export function recordEvent(state: SessionScopes, at: number): void {
  if (state.lastEvent !== null && state.lastEvent >= at) return;
  state.lastEvent = at;
  state.changed = true;
}

/** The minute the session's latest visit in `scope` started, or null when it had none. */
export async function previousInScope(ctx: MutationCtx, state: SessionScopes, sessionId: string, scope: string): Promise<number | null> {
  const known = state.latest.get(scope);
  if (known !== undefined || state.complete) return known ?? null;
  return await latestRowMinute(ctx, sessionId, scope);
}

/** Records a visit starting at `minute` in `scope` (after every earlier one): in the row while it has room, else as a row of its own. */
export async function recordInScope(ctx: MutationCtx, state: SessionScopes, sessionId: string, scope: string, minute: number): Promise<void> {
  if (state.latest.has(scope) || state.latest.size < VISIT_SCOPES_MAX) {
    state.latest.set(scope, minute);
    state.changed = true;
    return;
  }
  await ctx.db.insert("sessionMinutes", { sessionId, scope, minute });
  if (state.complete) {
    state.complete = false;
    state.changed = true;
  }
}

/** Writes each session's values the batch changed. */
export async function finishSessionScopes(ctx: MutationCtx, cache: Map<string, SessionScopes>): Promise<void> {
  for (const [sessionId, state] of cache) {
    if (!state.changed) continue;
    const fields = {
      scopes: [...state.latest.keys()],
      minutes: [...state.latest.values()],
      complete: state.complete,
      packedMinutes: packMinutes(state.minutes),
      ...(state.number === null ? {} : { number: state.number }),
      ...(state.lastEvent === null ? {} : { lastEvent: state.lastEvent }),
      ...(state.firstSeen === null ? {} : { firstSeen: state.firstSeen }),
    };
    if (state.id === null) state.id = await ctx.db.insert("visitScopes", { sessionId, ...fields });
    else await ctx.db.patch(state.id, fields);
    state.changed = false;
  }
}

/**
 * Forgets a visit starting at `minute` in `scope` (a visit that left the
 * value, or that the caps remade): the session's latest there is `prev` again.
 * The visit is the session's latest in the scope (no later one is folded
 * while it can change).
 */
export async function forgetInScope(ctx: MutationCtx, state: SessionScopes, sessionId: string, scope: string, minute: number, prev: number | null): Promise<void> {
  if (state.latest.get(scope) === minute) {
    if (prev === null) state.latest.delete(scope);
    else state.latest.set(scope, prev);
    state.changed = true;
    return;
  }
  const row = await ctx.db
    .query("sessionMinutes")
    .withIndex("by_session_scope_minute", (q) => q.eq("sessionId", sessionId).eq("scope", scope).eq("minute", minute))
    .unique();
  if (row !== null) await ctx.db.delete(row._id);
}
