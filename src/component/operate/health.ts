import { ConvexError, v, type Infer } from "convex/values";
import { components } from "../_generated/api.js";
import type { QueryCtx } from "../_generated/server.js";
import {
  CLEANUP_INTERVAL_SECONDS,
  HEALTH_MAX_CLEANUP_AGE_MS,
  HEALTH_MAX_RETENTION_LAG_MS,
  HEALTH_MAX_ROLLUP_LAG_MS,
  HEALTH_MAX_WORKER_LAG_MS,
  SESSION_TIMEOUT_MS,
  STATS_WORKER_NAME,
  WORKER_UNWATCHED_DEBOUNCE_MS,
  WORKER_UNWATCHED_FOLD_MS,
} from "../../shared/config.js";
import { getBackfillStatus } from "../derive/backfill.js";
import { detailDueAt, detailWindows, getRollup } from "../derive/rollup.js";
import { getCleanupStatus } from "./cleanup.js";
import { RAW_RETENTION_VARIABLE, retentionLag } from "./retention.js";
import { compareRules, describeChange, getRecordedRules, needsRebuild, runningRules, vRuleChange, type RuleChange } from "../derive/derivedRules.js";
import type { WorkerCursor } from "../derive/worker.js";
import { getDashboardWatch, isWatched } from "../read/dashboardWatch.js";

/**
 * GET /api/health (prds/health.md): are the figures right, and is the
 * pipeline that makes them running? Six checks, each a few documents read:
 * the rules derived data was built under, the stats worker and its lag, the
 * backfill, the cleanup cron's last run, the rollup of old detail (where
 * detail starts, and its lag), and raw retention (its setting, and whether
 * deletion keeps up). It names no visitor and no page.
 */

// Which mounted instance the owner's commands name, and the app's own backfill command if it has one (LiveStats
// and registerRoutes pass both: a component cannot know the name it is mounted by).
export const vOperatorCommands = { mountName: v.optional(v.string()), backfillCommand: v.optional(v.string()) };
export type OperatorCommands = { mountName?: string; backfillCommand?: string };

/** The commands the checks' fixes name, for the instance mounted as `mountName` ("liveStats" by default). */
function commandsFor({ mountName = "liveStats", backfillCommand }: OperatorCommands) {
  return {
    backfill: backfillCommand ?? `npx convex run --component ${mountName} operate:backfill '{}'`,
    startWorker: `npx convex run --component ${mountName}/batchWorker lib:start '{"name": "${STATS_WORKER_NAME}"}'`,
  };
}
type Commands = ReturnType<typeof commandsFor>;

// `fix`: what to run or look at, present when the check fails.
const vCheck = { ok: v.boolean(), message: v.string(), fix: v.optional(v.string()) };
export const vHealthReport = v.object({
  healthy: v.boolean(),
  // The failing checks' messages, in the order of `checks`.
  reasons: v.array(v.string()),
  checkedAt: v.number(),
  checks: v.object({
    rules: v.object({ ...vCheck, changes: v.array(vRuleChange) }),
    worker: v.object({ ...vCheck, status: v.union(v.literal("never run"), v.literal("idle"), v.literal("running"), v.literal("stopped")), lagMs: v.number() }),
    backfill: v.object({ ...vCheck, state: v.union(v.literal("never run"), v.literal("running"), v.literal("done")) }),
    cleanup: v.object({ ...vCheck, lastRunAt: v.union(v.number(), v.null()) }),
    // The rollup of old detail (derive/rollup.ts): where detail starts, and how far the rollup is behind the windows.
    rollup: v.object({ ...vCheck, minutesSince: v.union(v.number(), v.null()), hoursSince: v.union(v.number(), v.null()), lagMs: v.number() }),
    // `days`: STATS_RAW_RETENTION_DAYS (null: raw rows are kept forever, or the setting is invalid); `refusedKeepDays`: the refused rows' window;
    // `lagMs`: how long the oldest row is kept past its window.
    retention: v.object({ ...vCheck, days: v.union(v.number(), v.null()), refusedKeepDays: v.union(v.number(), v.null()), lagMs: v.number() }),
  }),
});
export type HealthReport = Infer<typeof vHealthReport>;
type Checks = HealthReport["checks"];

// What a private dashboard's health check tells a caller without its token (prds/private.md): whether each check
// passed and whether a backfill runs, but no count, age or timestamp, which would give away the site's traffic.
export const vPrivateHealthReport = v.object({
  healthy: v.boolean(),
  private: v.literal(true),
  reasons: v.array(v.string()),
  checks: v.object({
    rules: v.object({ ok: v.boolean() }),
    worker: v.object({ ok: v.boolean() }),
    backfill: v.object({ ok: v.boolean(), state: vHealthReport.fields.checks.fields.backfill.fields.state }),
    cleanup: v.object({ ok: v.boolean() }),
    rollup: v.object({ ok: v.boolean() }),
    retention: v.object({ ok: v.boolean() }),
  }),
});
export type PrivateHealthReport = Infer<typeof vPrivateHealthReport>;

// The reason a private report gives for each failing check, in the order of `checks`.
const PRIVATE_REASONS: Record<keyof Checks, string> = {
  rules: "derived data needs a rebuild",
  worker: "the stats worker is behind or stopped",
  backfill: "the backfill failed",
  cleanup: "the cleanup cron has not run recently",
  rollup: "the rollup of old detail is behind or misconfigured",
  retention: "raw retention is misconfigured or behind",
};
const DETAIL_HINT = "send Authorization: Bearer <STATS_READ_TOKEN or a share link's token> for the details";

/** The report without what a stranger may not learn of a private site. */
export function privateHealthReport({ healthy, checks }: HealthReport): PrivateHealthReport {
  const failing = (Object.keys(PRIVATE_REASONS) as (keyof Checks)[]).filter((check) => !checks[check].ok);
  return {
    healthy,
    private: true,
    reasons: failing.length === 0 ? [] : [...failing.map((check) => PRIVATE_REASONS[check]), DETAIL_HINT],
    checks: {
      rules: { ok: checks.rules.ok },
      worker: { ok: checks.worker.ok },
      backfill: { ok: checks.backfill.ok, state: checks.backfill.state },
      cleanup: { ok: checks.cleanup.ok },
      rollup: { ok: checks.rollup.ok },
      retention: { ok: checks.retention.ok },
    },
  };
}

// `reasons`: the changes that need a rebuild, each naming the fix; `rebuildCommand`: how to start one.
export const vRulesCheck = v.object({ rebuildNeeded: v.boolean(), backfillRunning: v.boolean(), reasons: v.array(v.string()), rebuildCommand: v.string() });
export type RulesCheck = Infer<typeof vRulesCheck>;

/** Every check, read in one snapshot at `now` (an argument, so a cached answer is never reused at a later time). */
export async function healthReport(ctx: QueryCtx, now: number, operator: OperatorCommands = {}): Promise<HealthReport> {
  const commands = commandsFor(operator);
  const backfill = await getBackfillStatus(ctx);
  const backfillRunning = backfill?.state === "running";
  const rules = await checkRules(ctx, backfillRunning, commands);
  const checks: Checks = {
    rules,
    worker: await checkWorker(ctx, now, !backfillRunning && rules.changes.some((change) => !change.compatible), commands),
    backfill:
      backfill === null
        ? { ok: true, state: "never run", message: "no backfill has run" }
        : backfillRunning
          ? { ok: true, state: "running", message: `a backfill is rebuilding derived data (at ${backfill.phase}, ${backfill.processed} rows so far): figures are incomplete until it finishes` }
          : { ok: true, state: "done", message: `the last backfill finished at ${new Date(backfill.finishedAt ?? backfill.updatedAt).toISOString()}` },
    cleanup: await checkCleanup(ctx, now),
    rollup: await checkRollup(ctx, now),
    retention: await checkRetention(ctx, now),
  };
  const reasons = Object.values(checks).flatMap((check) => (check.ok ? [] : [check.message]));
  return { healthy: reasons.length === 0, reasons, checkedAt: now, checks };
}

/** What the dashboard's banner says: the rule changes that need a rebuild (a bad STATS_TIME_ZONE throws, as every range query does). */
export async function rulesCheck(ctx: QueryCtx, operator: OperatorCommands = {}): Promise<RulesCheck> {
  const commands = commandsFor(operator);
  const changes = compareRules((await getRecordedRules(ctx))?.rules, runningRules()).filter((change) => !change.compatible);
  const backfillRunning = (await getBackfillStatus(ctx))?.state === "running";
  return {
    rebuildNeeded: changes.length > 0,
    backfillRunning,
    reasons: changes.map((change) => describeChange(change, backfillRunning)),
    rebuildCommand: commands.backfill,
  };
}

async function checkRules(ctx: QueryCtx, backfillRunning: boolean, commands: Commands): Promise<Checks["rules"]> {
  let changes: RuleChange[];
  try {
    changes = compareRules((await getRecordedRules(ctx))?.rules, runningRules());
  } catch (error) {
    // A STATS_TIME_ZONE that is no zone: its message says how to fix it.
    if (!(error instanceof ConvexError)) throw error;
    return { ok: false, message: (error.data as { message: string }).message, changes: [] };
  }
  // When some change needs a rebuild, the message names those only; else the compatible ones, or that nothing changed.
  const named = needsRebuild(changes) ? changes.filter((change) => !change.compatible) : changes;
  const message = named.map((change) => describeChange(change, backfillRunning)).join("; ") || "derived data is built under the running rules";
  return needsRebuild(changes) ? { ok: false, message, fix: commands.backfill, changes } : { ok: true, message, changes };
}

/**
 * How long a view and a heartbeat may wait for the worker, by its cadence (derive/worker.ts), each with
 * HEALTH_MAX_WORKER_LAG_MS to spare: while a dashboard watches, a view one debounce, 1.5 s (a dashboard that starts
 * watching has it catch up) and a heartbeat that only extends a live session until the first live session times out (it
 * wakes no one); while none watches, one cadence more (the cron wakes the idle worker for timed-out sessions), and a
 * view the time views and visits wait to be folded together too.
 */
function allowedLagMs(watched: boolean): { view: number; heartbeat: number; visit: number } {
  const cadence = watched ? 0 : WORKER_UNWATCHED_DEBOUNCE_MS;
  const traffic = watched ? 0 : WORKER_UNWATCHED_FOLD_MS;
  const view = traffic + cadence + HEALTH_MAX_WORKER_LAG_MS;
  const heartbeat = cadence + SESSION_TIMEOUT_MS + HEALTH_MAX_WORKER_LAG_MS;
  // A visit's change waits as its view does, or, a beat that only extends it (it wakes no one), as a heartbeat.
  return { view, heartbeat, visit: Math.max(view, heartbeat) };
}

/**
 * The worker's run state and lag: the age of the oldest view, heartbeat or
 * visit change committed after its cursor (each one indexed read; a
 * heartbeat's and a visit's age is that of its latest write), failing once one waits longer than the worker's
 * cadence allows (allowedLagMs). `held`: it folds no views until a backfill.
 */
async function checkWorker(ctx: QueryCtx, now: number, held: boolean, commands: Commands): Promise<Checks["worker"]> {
  const run = await ctx.runQuery(components.batchWorker.lib.status, { name: STATS_WORKER_NAME });
  const cursor = ((await ctx.runQuery(components.batchWorker.lib.getCursor, { name: STATS_WORKER_NAME })) ?? {}) as WorkerCursor;
  const view = await ctx.db
    .query("pageViews")
    .withIndex("by_committedAt", (q) => q.gt("committedAt", cursor.views ?? -1n))
    .first();
  const session = await ctx.db
    .query("activeSessions")
    .withIndex("by_committedAt", (q) => q.gt("committedAt", cursor.sessions ?? -1n))
    .first();
  // A visit's change (a view, a heartbeat that extends it): its age is that of its latest write.
  const visit = await ctx.db
    .query("visits")
    .withIndex("by_committedAt", (q) => q.gt("committedAt", cursor.visits ?? -1n))
    .first();
  const viewAge = now - (view?._creationTime ?? now);
  const heartbeatAge = now - (session?.lastSeen ?? now);
  const visitAge = now - (visit?.lastActivity ?? now);
  const oldest = now - Math.max(viewAge, heartbeatAge, visitAge);
  const lagMs = Math.max(0, Math.round(now - oldest));
  const status = run?.kind ?? "never run";
  const watched = isWatched(await getDashboardWatch(ctx), now);
  const allowed = allowedLagMs(watched);
  const cadence = watched
    ? "a dashboard watches"
    : `no dashboard watches: it folds every ${formatAge(WORKER_UNWATCHED_DEBOUNCE_MS)}, a view once it has waited ${formatAge(WORKER_UNWATCHED_FOLD_MS)}`;
  const behind = `the oldest view or heartbeat it has not folded is from ${new Date(oldest).toISOString()}, ${formatAge(lagMs)} ago`;
  if (status === "stopped") {
    return { ok: false, status, lagMs, message: `the stats worker is stopped: views and heartbeats are kept but not counted (${behind})`, fix: commands.startWorker };
  }
  if (viewAge > allowed.view || heartbeatAge > allowed.heartbeat || visitAge > allowed.visit) {
    return held
      ? { ok: false, status, lagMs, message: `the stats worker holds views until a backfill rebuilds derived data: ${behind}`, fix: commands.backfill }
      : { ok: false, status, lagMs, message: `the stats worker is behind (${cadence}): ${behind}`, fix: "look for the worker's errors in the deployment's logs (worker:foldBatch)" };
  }
  return { ok: true, status, lagMs, message: `the stats worker is ${status}, ${formatAge(lagMs)} behind (${cadence})` };
}

async function checkCleanup(ctx: QueryCtx, now: number): Promise<Checks["cleanup"]> {
  const lastRunAt = (await getCleanupStatus(ctx))?.lastRunAt ?? null;
  const fix = 'look for "clean up stale sessions" in the dashboard\'s Schedules → Cron Jobs, and for its errors in the logs';
  const every = `it runs every ${formatAge(CLEANUP_INTERVAL_SECONDS * 1000)}`;
  if (lastRunAt === null) return { ok: false, lastRunAt, message: `the cleanup cron has not run yet (${every})`, fix };
  const age = now - lastRunAt;
  if (age > HEALTH_MAX_CLEANUP_AGE_MS) {
    return { ok: false, lastRunAt, message: `the cleanup cron last ran ${formatAge(age)} ago (${every}): idle sessions' rows are not removed`, fix };
  }
  return { ok: true, lastRunAt, message: `the cleanup cron has run within the last ${formatAge(age)}` };
}

/**
 * The rollup: its settings, where detail starts, and its lag: how much detail
 * is overdue (the windows moved past the stored horizons), or how long
 * unfinished deletions have waited, whichever is more.
 */
async function checkRollup(ctx: QueryCtx, now: number): Promise<Checks["rollup"]> {
  const row = await getRollup(ctx);
  const since = { minutesSince: row?.minutesSince ?? null, hoursSince: row?.hoursSince ?? null };
  let windows;
  try {
    windows = detailWindows();
  } catch (error) {
    // A detail window that is no number of days: its message says how to fix it.
    if (!(error instanceof ConvexError)) throw error;
    return { ok: false, ...since, lagMs: 0, message: (error.data as { message: string }).message };
  }
  let due;
  try {
    due = detailDueAt(now, windows);
  } catch (error) {
    // A STATS_TIME_ZONE that is no zone: the rules check reports it, and the rollup waits for it.
    if (!(error instanceof ConvexError)) throw error;
    return { ok: true, ...since, lagMs: 0, message: "the rollup waits for a valid STATS_TIME_ZONE (see the rules check)" };
  }
  if (row === null) return { ok: true, ...since, lagMs: 0, message: "no detail has been rolled up yet: every bucket is kept" };
  const lagMs = Math.max(0, due.minutesSince - row.minutesSince, due.hoursSince - row.hoursSince, row.done ? 0 : now - row.startedAt);
  const kept = `minute detail is kept from ${new Date(row.minutesSince).toISOString()}, hour detail from ${new Date(row.hoursSince).toISOString()}`;
  if (lagMs > HEALTH_MAX_ROLLUP_LAG_MS) {
    const fix = "the cleanup cron wakes the stats worker for it: look for the worker's errors in the deployment's logs (worker:foldBatch)";
    return { ok: false, ...since, lagMs, message: `the rollup of old detail is ${formatAge(lagMs)} behind (${kept})`, fix };
  }
  return { ok: true, ...since, lagMs, message: `old detail is rolled up: ${kept}` };
}

const formatAge = (ms: number) =>
  ms < 120_000 ? `${Math.round(ms / 1000)} s` : ms < 2 * 60 * 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / (60 * 60_000))} h`;
async function checkRetention(ctx: QueryCtx, now: number): Promise<Checks["retention"]> {
  let lag;
  try {
    lag = await retentionLag(ctx, now);
  } catch (error) {
    // A setting that is no number of days: its message says how to fix it, and nothing is deleted meanwhile.
    if (!(error instanceof ConvexError)) throw error;
    const message = (error.data as { message: string }).message;
    return { ok: false, days: null, refusedKeepDays: null, lagMs: 0, message, fix: `npx convex env set ${RAW_RETENTION_VARIABLE} 90` };
  }
  const { days, refusedKeepDays, lagMs, oldest } = lag;
  const kept = days === null ? `raw rows are kept forever (${RAW_RETENTION_VARIABLE} is not set)` : `raw rows are kept ${days} days`;
  const setting = { days, refusedKeepDays, lagMs };
  if (oldest !== null && lagMs > HEALTH_MAX_RETENTION_LAG_MS) {
    return {
      ok: false,
      ...setting,
      message: `${kept}, refused ones ${refusedKeepDays} days, but the oldest ${oldest.table} row (${new Date(oldest.at).toISOString()}) is ${(lagMs / 86_400_000).toFixed(1)} days past its window: deletion is behind`,
      fix: "the cleanup cron deletes them once the stats worker has derived them: look at the worker check, and for the cron's errors in the logs",
    };
  }
  return { ok: true, ...setting, message: `${kept}, refused ones ${refusedKeepDays} days; deletion keeps up` };
}

