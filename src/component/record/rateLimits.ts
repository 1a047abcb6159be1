import { calculateRateLimit, MINUTE } from "@convex-dev/rate-limiter";
import { ConvexError } from "convex/values";
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import {
  DEFAULT_NEW_PATHS_PER_MINUTE,
  DEFAULT_NEW_VISITORS_PER_MINUTE,
  SESSION_HEARTBEATS_PER_MINUTE,
  SESSION_EVENTS_PER_MINUTE,
  SESSION_VIEWS_PER_MINUTE,
  SITE_CAP_BURST_MINUTES,
} from "../../shared/config.js";

/**
 * Caps on abuse of the public tracking calls (prds/collection.md). The
 * per-session limits keep their state in the session's own rows, which its
 * call reads or writes anyway, so a limit costs no write of its own: a view
 * counts the session's views of the last minute, and a page-changing
 * heartbeat takes a token of a bucket kept on the row the beat writes: the
 * session's open visit, else its `activeSessions` row (rate-limiter's
 * token-bucket arithmetic). The two site-wide caps are the
 * stats worker's (derive/siteCaps.ts), where no visitor waits: a visitor's
 * call only reads the pause on new visitors that the worker sets when it
 * refuses one, so no document is one that two visitors write
 * (prds/howtoavoidwriteconflicts.md).
 */

export type SessionLimit = "sessionViews" | "sessionHeartbeats" | "sessionEvents";
export type SiteCapName = "newVisitors" | "newPaths";

/** What a limited call throws: nothing of the call was written; `retryAfter` is in milliseconds. */
export type RateLimited = { code: "RATE_LIMITED"; limit: SessionLimit | "newVisitors"; retryAfter: number; message: string };

/** A session's page-change bucket as its open visit or live row keeps it (rate-limiter's state: its tokens at `ts`). */
type TokenBucketState = NonNullable<Doc<"activeSessions">["pageChanges"]>;

/** Page-changing heartbeats: a burst of SESSION_HEARTBEATS_PER_MINUTE, then as many a minute. */
const PAGE_CHANGES = { kind: "token bucket", rate: SESSION_HEARTBEATS_PER_MINUTE, period: MINUTE } as const;

/** A site-wide cap: `perMinute` new visitors (or paths) a minute, with a burst of SITE_CAP_BURST_MINUTES of it. */
export type SiteCap = { perMinute: number; capacity: number };

export function siteCap(perMinute: number): SiteCap {
  return { perMinute, capacity: perMinute * SITE_CAP_BURST_MINUTES };
}

/** A positive whole number from an environment variable, else the default (a bad value is logged, never fatal for the worker). */
function perMinuteSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (Number.isInteger(value) && value > 0) return value;
  console.warn(`${name}=${JSON.stringify(raw)} is not a positive whole number; using ${fallback}`);
  return fallback;
}

const SITE_CAP_SETTINGS: Record<SiteCapName, [variable: string, fallback: number]> = {
  newVisitors: ["STATS_MAX_NEW_VISITORS_PER_MINUTE", DEFAULT_NEW_VISITORS_PER_MINUTE],
  newPaths: ["STATS_MAX_NEW_PATHS_PER_MINUTE", DEFAULT_NEW_PATHS_PER_MINUTE],
};

/** The site-wide cap `name` as in force now: its environment variable is read on every call, so `npx convex env set` applies at once. */
export function siteCapConfig(name: SiteCapName): SiteCap {
  return siteCap(perMinuteSetting(...SITE_CAP_SETTINGS[name]));
}

function rateLimited(limit: RateLimited["limit"], retryAfterMs: number, why: string): ConvexError<RateLimited> {
  const retryAfter = Math.ceil(retryAfterMs);
  const message = `Rate limited: ${why}; retry in ${Math.ceil(retryAfter / 1000)} s`;
  return new ConvexError<RateLimited>({ code: "RATE_LIMITED", limit, retryAfter, message });
}

/**
 * Throws RATE_LIMITED when the session already recorded SESSION_VIEWS_PER_MINUTE
 * views in the last minute (the throw rolls the call back). Its own views are
 * the state: a view the caps refused leaves them, and gives its place back.
 */
export async function enforceViewLimit(ctx: QueryCtx, sessionId: string, now: number): Promise<void> {
  const lastMinute = await ctx.db
    .query("pageViews")
    .withIndex("by_session_timestamp", (q) => q.eq("sessionId", sessionId).gt("timestamp", now - MINUTE))
    .order("desc")
    .take(SESSION_VIEWS_PER_MINUTE);
  if (lastMinute.length < SESSION_VIEWS_PER_MINUTE) return;
  throw rateLimited("sessionViews", lastMinute.at(-1)!.timestamp + MINUTE - now, "this session records page views faster than anyone reads");
}

/** Throws RATE_LIMITED when the session already recorded SESSION_EVENTS_PER_MINUTE custom events in the last minute: its own events are the state. */
export async function enforceEventLimit(ctx: QueryCtx, sessionId: string, now: number): Promise<void> {
  const lastMinute = await ctx.db
    .query("customEvents")
    .withIndex("by_session_timestamp", (q) => q.eq("sessionId", sessionId).gt("timestamp", now - MINUTE))
    .take(SESSION_EVENTS_PER_MINUTE);
  if (lastMinute.length < SESSION_EVENTS_PER_MINUTE) return;
  throw rateLimited("sessionEvents", lastMinute[0].timestamp + MINUTE - now, "this session records events faster than anyone acts");
}

/**
 * Takes a token of the session's page-change bucket (`holder`: the row that
 * keeps it, null before its first heartbeat; a bucket absent is full) or
 * throws RATE_LIMITED; returns the bucket to store on the row the heartbeat writes.
 */
export function takePageChangeToken(holder: { pageChanges?: TokenBucketState } | null, now: number): TokenBucketState {
  const { value, ts, retryAfter } = calculateRateLimit(holder?.pageChanges ?? null, PAGE_CHANGES, now, 1);
  if (value < 0) throw rateLimited("sessionHeartbeats", retryAfter ?? 0, "this session sends heartbeats faster than its tracker does");
  return { value, ts };
}

/** The pause on new visitors, if the worker set one (a single row, written only by the worker when it refuses a new visitor). */
export async function getNewVisitorPause(ctx: QueryCtx) {
  return await ctx.db.query("newVisitorPause").first();
}

/** Throws RATE_LIMITED while the worker's pause on new visitors holds: a flood the cap already refuses stops writing rows. */
export async function enforceNewVisitorPause(ctx: MutationCtx, now: number): Promise<void> {
  const pause = await getNewVisitorPause(ctx);
  if (pause !== null && now < pause.until) {
    throw rateLimited("newVisitors", pause.until - now, "the site has counted its most new visitors for now (STATS_MAX_NEW_VISITORS_PER_MINUTE)");
  }
}
