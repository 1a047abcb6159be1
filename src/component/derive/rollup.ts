import { ConvexError } from "convex/values";
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { DEFAULT_HOUR_DETAIL_DAYS, DEFAULT_MINUTE_DETAIL_DAYS, MAX_DETAIL_DAYS, VISIT_PROPERTIES } from "../../shared/config.js";
import { FULL_DETAIL, type DetailHorizons } from "../../shared/detail.js";
import { pieceContaining, siteTimeZone, type InvalidConfiguration } from "../../shared/timeRanges.js";
import { SITE_SCOPE, type BucketLevel, type EventPropGroup } from "./timeBuckets.js";

/**
 * The rollup of old detail (prds/rollup.md): minute and quarter-hour buckets
 * older than STATS_MINUTE_DETAIL_DAYS and hour buckets older than
 * STATS_HOUR_DETAIL_DAYS are deleted; days, weeks and months hold the same
 * views, visitors and visits already (every level is kept whole), so nothing
 * is merged and nothing can count twice. A single `rollup` row records how far
 * detail is gone: readers refuse ranges that would need it (shared/detail.ts),
 * and the fold never writes a bucket below it. The stats worker runs the
 * deletions in bounded steps, a day's worth at a time, resumable at any step:
 * deleting is idempotent, and the horizons move before any row goes.
 */

type Env = Record<string, string | undefined>;
const DAY = 24 * 60 * 60 * 1000;

/** How many days of each detail the site keeps. */
export type DetailWindows = { minuteDays: number; hourDays: number };

function invalidSetting(field: string, raw: string, rule: string): never {
  throw new ConvexError<InvalidConfiguration>({
    code: "INVALID_CONFIGURATION",
    field,
    message: `The environment variable ${field} is ${JSON.stringify(raw.slice(0, 40))}; it must be ${rule}. Fix it with \`npx convex env set ${field} …\`, or remove it for the default.`,
  });
}

function daysSetting(env: Env | undefined, field: string, fallback: number, least: number): number {
  const raw = env?.[field]?.trim();
  if (!raw) return Math.max(fallback, least);
  const days = Number(raw);
  if (!Number.isInteger(days) || days < least || days > MAX_DETAIL_DAYS) {
    invalidSetting(field, raw, `a whole number of days from ${least} to ${MAX_DETAIL_DAYS.toLocaleString("en-US")}`);
  }
  return days;
}

/** The detail windows in force (STATS_MINUTE_DETAIL_DAYS, STATS_HOUR_DETAIL_DAYS); a bad value throws INVALID_CONFIGURATION. */
export function detailWindows(env: Env | undefined = (globalThis as { process?: { env?: Env } }).process?.env): DetailWindows {
  const minuteDays = daysSetting(env, "STATS_MINUTE_DETAIL_DAYS", DEFAULT_MINUTE_DETAIL_DAYS, 1);
  // Hours outlive minutes: a range kept by the minute is kept by the hour.
  const hourDays = daysSetting(env, "STATS_HOUR_DETAIL_DAYS", DEFAULT_HOUR_DETAIL_DAYS, minuteDays);
  return { minuteDays, hourDays };
}

/** Where the windows put detail's start at `now`: local midnights, so detail goes a whole day at a time. */
export function detailDueAt(now: number, windows: DetailWindows, zone = siteTimeZone()): DetailHorizons {
  const midnight = (t: number) => pieceContaining(t, "day", zone);
  return { minutesSince: midnight(now - windows.minuteDays * DAY), hoursSince: midnight(now - windows.hourDays * DAY) };
}

export async function getRollup(ctx: QueryCtx): Promise<Doc<"rollup"> | null> {
  return await ctx.db.query("rollup").first();
}

const horizonsOf = (row: Doc<"rollup"> | null): DetailHorizons => (row === null ? FULL_DETAIL : { minutesSince: row.minutesSince, hoursSince: row.hoursSince });
const later = (a: DetailHorizons, b: DetailHorizons): DetailHorizons => ({
  minutesSince: Math.max(a.minutesSince, b.minutesSince),
  hoursSince: Math.max(a.hoursSince, b.hoursSince),
});
const isAhead = (a: DetailHorizons, b: DetailHorizons) => a.minutesSince > b.minutesSince || a.hoursSince > b.hoursSince;

/**
 * The detail stored: the fold writes nothing below it, and reads refuse what
 * would need it. Reads follow the rollup, not the clock: a query stays a pure
 * function of the database, and a range is refused only once its detail is
 * really gone (the worker moves the horizons before it deletes anything).
 */
export async function storedDetail(ctx: QueryCtx): Promise<DetailHorizons> {
  return horizonsOf(await getRollup(ctx));
}

/** True when the rollup has a step to take: its horizons are behind the windows, or its deletions are unfinished. A bad setting rolls nothing up. */
export async function isRollupDue(ctx: QueryCtx, now: number): Promise<boolean> {
  let due: DetailHorizons;
  try {
    due = detailDueAt(now, detailWindows());
  } catch {
    return false; // the health check reports the setting (operate/health.ts)
  }
  const row = await getRollup(ctx);
  if (row !== null) return !row.done || isAhead(due, horizonsOf(row));
  // Before the first rollup: due once the site has a minute older than the window (a new site wakes nothing).
  const oldest = await ctx.db
    .query("timeBuckets")
    .withIndex("by_scope_level_start", (q) => q.eq("scope", SITE_SCOPE).eq("level", "minute"))
    .first();
  return oldest !== null && oldest.start < due.minutesSince;
}

/**
 * After a backfill's reset, when every bucket is gone: the horizons move to
 * where the windows are due (never back), so the refold writes only the
 * detail that is kept, and there is nothing to delete. A bad setting leaves
 * them (the health check reports it).
 */
export async function rollUpEmptiedBuckets(ctx: MutationCtx, now: number): Promise<void> {
  let due: DetailHorizons;
  try {
    due = detailDueAt(now, detailWindows());
  } catch {
    return;
  }
  const row = await getRollup(ctx);
  const horizons = later(due, horizonsOf(row));
  const resumeAt = (await sweepOf(ctx)).length;
  if (row === null) await ctx.db.insert("rollup", { ...horizons, done: true, resumeAt, startedAt: now, finishedAt: now });
  else await ctx.db.patch(row._id, { ...horizons, done: true, resumeAt, finishedAt: now });
}

// Every fixed kind of scope the buckets hold (rows from before visits have no group), and the detail levels with the horizon that drops them.
const GROUPS = [undefined, "site", "page", "event", "goal", ...VISIT_PROPERTIES] as const;
const DETAIL_LEVELS: [BucketLevel, keyof DetailHorizons][] = [
  ["minute", "minutesSince"],
  ["quarterHour", "minutesSince"],
  ["hour", "hoursSince"],
];
// Event properties' groups the rollup reads at once, in the order they were first folded.
const EVENT_PROP_GROUPS_READ = 1_000;

/** Records an event property's bucket group, once: the rollup sweeps its detail as it does the fixed groups'. */
export async function recordEventPropGroup(ctx: MutationCtx, group: EventPropGroup): Promise<void> {
  const known = await ctx.db
    .query("eventPropGroups")
    .withIndex("by_group", (q) => q.eq("group", group))
    .first();
  if (known === null) await ctx.db.insert("eventPropGroups", { group });
}

/**
 * Each group's detail levels, in the order the deletions walk them: the fixed groups, then event properties' in the
 * order they were first folded (a new one joins the end, so the row's `resumeAt`, an index into it, stays good).
 */
async function sweepOf(ctx: QueryCtx): Promise<{ group: string | undefined; level: BucketLevel; horizon: keyof DetailHorizons }[]> {
  const eventProps = (await ctx.db.query("eventPropGroups").take(EVENT_PROP_GROUPS_READ)).map(({ group }) => group);
  return [...GROUPS, ...eventProps].flatMap((group) => DETAIL_LEVELS.map(([level, horizon]) => ({ group, level, horizon })));
}
// Buckets a step reads at once; it stops between reads when the budget runs low.
const ROWS_PER_READ = 100;

/**
 * One step of the rollup inside a worker batch: moves the horizons to where
 * the windows are due (first, so nothing new is written below them), then
 * deletes dropped buckets and their histogram chunks while `hasBudget`; marks
 * the rollup done once none is left. Returns how many buckets it deleted, and whether it is done.
 */
export async function runRollupStep(ctx: MutationCtx, now: number, hasBudget: () => Promise<boolean>): Promise<{ deleted: number; done: boolean }> {
  const due = detailDueAt(now, detailWindows());
  let row = await getRollup(ctx);
  if (row === null) {
    const id = await ctx.db.insert("rollup", { ...due, done: false, resumeAt: 0, startedAt: now });
    row = (await ctx.db.get(id))!;
  } else if (isAhead(due, horizonsOf(row))) {
    // New horizons: every group and level is swept again from the first.
    await ctx.db.patch(row._id, { ...later(due, horizonsOf(row)), done: false, resumeAt: 0, startedAt: row.done ? now : row.startedAt });
    row = (await ctx.db.get(row._id))!;
  }
  if (row.done) return { deleted: 0, done: true };
  let deleted = 0;
  // Each step resumes at the group and level the last one stopped in, so even a step of a single read moves on.
  const sweep = await sweepOf(ctx);
  for (let at = row.resumeAt ?? 0; at < sweep.length; at++) {
    const { group, level, horizon } = sweep[at];
    for (;;) {
      if (!(await hasBudget())) {
        await ctx.db.patch(row._id, { resumeAt: at });
        return { deleted, done: false };
      }
      const dropped = await ctx.db
        .query("timeBuckets")
        .withIndex("by_group_level_start_rank", (q) => q.eq("group", group).eq("level", level).lt("start", row[horizon]))
        .take(ROWS_PER_READ);
      for (const bucket of dropped) {
        for (const chunk of bucket.chunks ?? []) await ctx.db.delete(chunk.id);
        await ctx.db.delete(bucket._id);
      }
      deleted += dropped.length;
      if (dropped.length < ROWS_PER_READ) break;
    }
  }
  await ctx.db.patch(row._id, { done: true, resumeAt: sweep.length, finishedAt: now });
  return { deleted, done: true };
}
