import { MINUTE, RateLimiter, type RateLimitConfig } from "@convex-dev/rate-limiter";
import { ConvexError } from "convex/values";
import { components } from "../_generated/api.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import {
  DEFAULT_NEW_PATHS_PER_MINUTE,
  DEFAULT_NEW_VISITORS_PER_MINUTE,
  SESSION_HEARTBEATS_PER_MINUTE,
  SESSION_VIEWS_PER_MINUTE,
  SITE_CAP_BURST_MINUTES,
} from "../../shared/config.js";

/**
 * Caps on abuse of the public tracking calls (prds/collection.md). The
 * per-session limits are token buckets of Convex's rate-limiter component,
 * keyed by the session, so only that session's calls touch them. The two
 * site-wide caps are the stats worker's (derive/siteCaps.ts), where no visitor
 * waits: a visitor's call only reads the pause on new visitors that the worker
 * sets when it refuses one, so no document is one that two visitors write
 * (prds/howtoavoidwriteconflicts.md).
 */

export type SessionLimit = "sessionViews" | "sessionHeartbeats";
export type SiteCapName = "newVisitors" | "newPaths";

/** What a limited call throws: nothing of the call was written; `retryAfter` is in milliseconds. */
export type RateLimited = { code: "RATE_LIMITED"; limit: SessionLimit | "newVisitors"; retryAfter: number; message: string };

const rateLimiter = new RateLimiter(components.rateLimiter);

/** A per-session token bucket: a burst of `perMinute` calls, then `perMinute` a minute. */
const perSession = (perMinute: number): RateLimitConfig => ({ kind: "token bucket", rate: perMinute, period: MINUTE });

const SESSION_LIMITS: Record<SessionLimit, RateLimitConfig> = {
  sessionViews: perSession(SESSION_VIEWS_PER_MINUTE),
  sessionHeartbeats: perSession(SESSION_HEARTBEATS_PER_MINUTE),
};

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

const SESSION_MESSAGES: Record<SessionLimit, string> = {
  sessionViews: "this session records page views faster than anyone reads",
  sessionHeartbeats: "this session sends heartbeats faster than its tracker does",
};

/** Takes one token of the session's own bucket `name` or throws RATE_LIMITED; the throw rolls the whole call back. */
export async function enforceLimit(ctx: MutationCtx, name: SessionLimit, sessionId: string): Promise<void> {
  const status = await rateLimiter.limit(ctx, name, { key: sessionId, config: SESSION_LIMITS[name] });
  if (!status.ok) throw rateLimited(name, status.retryAfter, SESSION_MESSAGES[name]);
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

/** Drops a session's own limits (full again, or of a session the caps refused), so the limiter's table does not grow with every visitor ever. */
export async function forgetSessionLimits(ctx: MutationCtx, sessionId: string): Promise<void> {
  await rateLimiter.reset(ctx, "sessionViews", { key: sessionId });
  await rateLimiter.reset(ctx, "sessionHeartbeats", { key: sessionId });
}
