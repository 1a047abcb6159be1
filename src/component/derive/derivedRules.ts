import { v, type Infer } from "convex/values";
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import {
  DEDUP_WINDOW_MS,
  DERIVED_DATA_VERSION,
  HEARTBEAT_INTERVAL_MS,
  SESSION_TIMEOUT_MS,
  VISIT_PROPERTIES,
  VISIT_SETTLE_GRACE_MS,
  VISIT_TIMEOUT_MS,
} from "../../shared/config.js";
import { BUCKET_LEVELS, PROPERTY_BUCKET_LEVELS } from "./timeBuckets.js";
import { siteTimeZone } from "../../shared/timeRanges.js";
import { CANONICAL_PATH_VERSION } from "../../shared/validation.js";

/**
 * The rules derived data is built under (prds/health.md), and the check that
 * the running code's rules are the ones it was built under. A singleton
 * `derivedRules` row records them: the worker's first batch writes it, a
 * compatible change updates it, and a backfill's reset (after which the
 * derived tables are empty) rewrites it. Everything here takes the running
 * rules as an argument; only callers read them (`runningRules()`), as they
 * read the clock, so a test can wrap that one function.
 */

/** Each rule's value, as stored: a number, or a string (lists comma-joined). */
export type DerivedRules = Record<RuleName, string | number>;
export const vRecordedRules = v.record(v.string(), v.union(v.string(), v.number()));
type RecordedRules = Infer<typeof vRecordedRules>;

const formatDuration = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`);

type RuleSpec = { label: string; format?: (ms: number) => string; rebuilds?: string; compatibleWhen?: (from: string | number, to: string | number) => boolean };

// Dropping bucket levels leaves every kept row right: the dropped ones are no longer read, and the rollup deletes them.
const dropsLevelsOnly = (from: string | number, to: string | number) => String(to).split(",").every((level) => String(from).split(",").includes(level));

/**
 * Every rule: what it is called in a message, how its value reads, and, for
 * one whose change makes stored figures wrong, what the backfill rebuilds
 * (`rebuilds`); a rule without it is compatible (why: prds/health.md).
 */
const RULES = {
  derivedDataVersion: { label: "derived-data version", rebuilds: "derived data" },
  timeZone: { label: "site time zone", rebuilds: "time buckets" },
  dedupWindowMs: { label: "dedup window", format: formatDuration, rebuilds: "the figures (views recorded before the change keep the old window)" },
  visitTimeoutMs: { label: "visit timeout", format: formatDuration, rebuilds: "settled visits (visits recorded before the change keep their old split)" },
  bucketLevels: { label: "time bucket levels of the site and pages", rebuilds: "time buckets", compatibleWhen: dropsLevelsOnly },
  propertyBucketLevels: { label: "time bucket levels of visit properties", rebuilds: "time buckets", compatibleWhen: dropsLevelsOnly },
  visitProperties: { label: "visit properties", rebuilds: "time buckets" },
  canonicalPathVersion: { label: "path canonicalization version", rebuilds: "page figures (paths recorded before the change keep their old form)" },
  sessionTimeoutMs: { label: "session timeout", format: formatDuration },
  heartbeatIntervalMs: { label: "heartbeat interval", format: formatDuration },
  visitSettleGraceMs: { label: "visit settling grace", format: formatDuration },
} satisfies Record<string, RuleSpec>;
export type RuleName = keyof typeof RULES;
const specOf = (rule: string): RuleSpec => RULES[rule as RuleName];

/** The rules of the code and environment running now (reads STATS_TIME_ZONE; throws INVALID_CONFIGURATION for a bad one). */
export function runningRules(): DerivedRules {
  return {
    derivedDataVersion: DERIVED_DATA_VERSION,
    timeZone: siteTimeZone(),
    dedupWindowMs: DEDUP_WINDOW_MS,
    visitTimeoutMs: VISIT_TIMEOUT_MS,
    bucketLevels: BUCKET_LEVELS.join(","),
    propertyBucketLevels: PROPERTY_BUCKET_LEVELS.join(","),
    visitProperties: VISIT_PROPERTIES.join(","),
    canonicalPathVersion: CANONICAL_PATH_VERSION,
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    visitSettleGraceMs: VISIT_SETTLE_GRACE_MS,
  };
}

export const vRuleChange = v.object({
  rule: v.string(),
  from: v.union(v.string(), v.number()),
  to: v.union(v.string(), v.number()),
  // False when figures built under `from` are wrong under `to`: the worker holds until a backfill.
  compatible: v.boolean(),
});
export type RuleChange = Infer<typeof vRuleChange>;

export async function getRecordedRules(ctx: QueryCtx): Promise<Doc<"derivedRules"> | null> {
  return await ctx.db.query("derivedRules").first();
}

/**
 * How the running rules differ from the recorded ones. A rule the record
 * lacks (added by a later version) is adopted as it runs, as every rule is
 * on the worker's first batch.
 */
export function compareRules(recorded: RecordedRules | undefined, running: DerivedRules): RuleChange[] {
  if (recorded === undefined) return [];
  const changes: RuleChange[] = [];
  for (const rule of Object.keys(RULES) as RuleName[]) {
    const from = recorded[rule];
    const to = running[rule];
    if (from === undefined || from === to) continue;
    const spec = specOf(rule);
    changes.push({ rule, from, to, compatible: spec.rebuilds === undefined || spec.compatibleWhen?.(from, to) === true });
  }
  return changes;
}

const sameRules = (recorded: RecordedRules, running: DerivedRules) =>
  Object.keys({ ...recorded, ...running }).every((rule) => recorded[rule] === running[rule as RuleName]);

export const needsRebuild = (changes: RuleChange[]) => changes.some((change) => !change.compatible);

/** What changed, in a sentence that names the fix: "site time zone changed from UTC to Europe/Berlin: run the backfill to rebuild time buckets". */
export function describeChange(change: RuleChange, backfillRunning: boolean): string {
  const spec = specOf(change.rule);
  const show = (value: string | number) => (spec.format !== undefined && typeof value === "number" ? spec.format(value) : String(value));
  const changed = `${spec.label} changed from ${show(change.from)} to ${show(change.to)}`;
  if (change.compatible) return `${changed} (compatible: recorded, nothing to rebuild)`;
  return backfillRunning ? `${changed}: the backfill under way rebuilds ${spec.rebuilds}` : `${changed}: run the backfill to rebuild ${spec.rebuilds}`;
}

/**
 * The worker's check, once per batch (one document read): records the
 * running rules on the first batch and after a compatible change, and
 * returns true when derived data was built under incompatible rules, so the
 * batch must fold nothing that depends on them.
 */
export async function holdsForRules(ctx: MutationCtx, running: DerivedRules, now: number): Promise<boolean> {
  const recorded = await getRecordedRules(ctx);
  if (recorded === null) {
    await ctx.db.insert("derivedRules", { rules: running, recordedAt: now, updatedAt: now });
    return false;
  }
  const changes = compareRules(recorded.rules, running);
  if (needsRebuild(changes)) return true;
  if (!sameRules(recorded.rules, running)) {
    for (const change of changes) console.log(`[rules] ${describeChange(change, false)}`);
    await ctx.db.patch(recorded._id, { rules: running, updatedAt: now });
  }
  return false;
}

/** A backfill's reset emptied the derived tables: from now on they are built under the running rules. */
export async function recordRebuiltRules(ctx: MutationCtx, running: DerivedRules, now: number): Promise<void> {
  const recorded = await getRecordedRules(ctx);
  if (recorded === null) await ctx.db.insert("derivedRules", { rules: running, recordedAt: now, updatedAt: now });
  else await ctx.db.replace(recorded._id, { rules: running, recordedAt: now, updatedAt: now });
}
