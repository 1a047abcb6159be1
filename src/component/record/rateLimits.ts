import { MINUTE, RateLimiter, type RateLimitConfig } from "@convex-dev/rate-limiter";
import { ConvexError } from "convex/values";
import { components } from "../_generated/api.js";
import type { MutationCtx } from "../_generated/server.js";
import {
  DEFAULT_NEW_PATHS_PER_MINUTE,
  DEFAULT_NEW_VISITORS_PER_MINUTE,
  SESSION_HEARTBEATS_PER_MINUTE,
  SESSION_VIEWS_PER_MINUTE,
  SITE_CAP_BURST_MINUTES,
  SITE_CAP_MAX_SHARDS,
  SITE_CAP_TOKENS_PER_SHARD,
} from "../../shared/config.js";

/**
 * Caps on abuse of the public tracking calls (prds/collection.md), with
 * Convex's rate-limiter component. Per-session limits are keyed by the
 * session, so only that session's calls touch their documents; the two
 * site-wide caps are split into shards, so no document is one that every
 * new visitor writes (prds/howtoavoidwriteconflicts.md).
 */

export type LimitName = "sessionViews" | "sessionHeartbeats" | "newVisitors" | "newPaths";

/** What a limited call throws: nothing of the call was written; `retryAfter` is in milliseconds. */
export type RateLimited = { code: "RATE_LIMITED"; limit: LimitName; retryAfter: number; message: string };

const rateLimiter = new RateLimiter(components.rateLimiter);

/** A per-session token bucket: a burst of `perMinute` calls, then `perMinute` a minute. */
const perSession = (perMinute: number): RateLimitConfig => ({ kind: "token bucket", rate: perMinute, period: MINUTE });

/** A site-wide token bucket of `perMinute`, holding SITE_CAP_BURST_MINUTES of it, in shards of about SITE_CAP_TOKENS_PER_SHARD tokens. */
export function siteCap(perMinute: number): RateLimitConfig {
  const capacity = perMinute * SITE_CAP_BURST_MINUTES;
  const shards = Math.max(1, Math.min(SITE_CAP_MAX_SHARDS, Math.floor(capacity / SITE_CAP_TOKENS_PER_SHARD)));
  return { kind: "token bucket", rate: perMinute, period: MINUTE, capacity, shards };
}

/** A positive whole number from an environment variable, else the default (a bad value is logged, never fatal for visitors' calls). */
function perMinuteSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (Number.isInteger(value) && value > 0) return value;
  console.warn(`${name}=${JSON.stringify(raw)} is not a positive whole number; using ${fallback}`);
  return fallback;
}

/** Each cap as in force now: the site-wide ones read their environment variables on every call, so `npx convex env set` applies at once. */
const CONFIGS: Record<LimitName, () => RateLimitConfig> = {
  sessionViews: () => perSession(SESSION_VIEWS_PER_MINUTE),
  sessionHeartbeats: () => perSession(SESSION_HEARTBEATS_PER_MINUTE),
  newVisitors: () => siteCap(perMinuteSetting("STATS_MAX_NEW_VISITORS_PER_MINUTE", DEFAULT_NEW_VISITORS_PER_MINUTE)),
  newPaths: () => siteCap(perMinuteSetting("STATS_MAX_NEW_PATHS_PER_MINUTE", DEFAULT_NEW_PATHS_PER_MINUTE)),
};

/** The cap `name` in force now (only its own setting is read). */
export function limitConfig(name: LimitName): RateLimitConfig {
  return CONFIGS[name]();
}

const MESSAGES: Record<LimitName, string> = {
  sessionViews: "this session records page views faster than anyone reads",
  sessionHeartbeats: "this session sends heartbeats faster than its tracker does",
  newVisitors: "the site has taken its most new visitors for now (STATS_MAX_NEW_VISITORS_PER_MINUTE)",
  newPaths: "the site has taken its most new pages for now (STATS_MAX_NEW_PATHS_PER_MINUTE)",
};

/** Takes one token of `name` (for `key`, if per session) or throws RATE_LIMITED; the throw rolls the whole call back. */
export async function enforceLimit(ctx: MutationCtx, name: LimitName, key?: string): Promise<void> {
  const status = await rateLimiter.limit(ctx, name, { key, config: limitConfig(name) });
  if (status.ok) return;
  const retryAfter = Math.ceil(status.retryAfter);
  const message = `Rate limited: ${MESSAGES[name]}; retry in ${Math.ceil(retryAfter / 1000)} s`;
  throw new ConvexError<RateLimited>({ code: "RATE_LIMITED", limit: name, retryAfter, message });
}

/** Drops the per-session limits of sessions that left (their buckets are full again anyway), so the limiter's table does not grow with every visitor ever. */
export async function forgetSessionLimits(ctx: MutationCtx, sessionId: string): Promise<void> {
  await rateLimiter.reset(ctx, "sessionViews", { key: sessionId });
  await rateLimiter.reset(ctx, "sessionHeartbeats", { key: sessionId });
}
