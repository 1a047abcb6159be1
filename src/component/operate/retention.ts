import { ConvexError } from "convex/values";
import { components } from "../_generated/api.js";
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import {
  RAW_RETENTION_MAX_DAYS,
  RAW_RETENTION_MIN_DAYS,
  REFUSED_EVENTS_KEEP_DAYS,
  RETENTION_PAGE_SIZE,
  STATS_WORKER_NAME,
} from "../../shared/config.js";
import type { InvalidConfiguration } from "../../shared/timeRanges.js";
import { getBackfillStatus } from "../derive/backfill.js";
import { hasChunkBudget } from "../derive/budget.js";
import { compareRules, getRecordedRules, needsRebuild, runningRules } from "../derive/derivedRules.js";
import { getSettlementCursor, type SettlementCursor } from "../derive/settleVisits.js";
import type { WorkerCursor } from "../derive/worker.js";
import { visitAt } from "../record/visits.js";
import { Deletions, recordDeletions } from "./retiredRows.js";

/**
 * Raw retention (prds/retention.md): with STATS_RAW_RETENTION_DAYS set, the
 * cleanup cron deletes page views, visits and custom events older than that many days, once
 * the stats worker has derived them (the derived tables keep their figures),
 * and, whatever the setting, the rows a site-wide cap refused after
 * REFUSED_EVENTS_KEEP_DAYS (or the setting, if shorter). Each run deletes
 * what one transaction's budget allows from the start of a time index, so the
 * next run (or the cron's follow-up) resumes where it stopped and no read
 * grows with the table.
 */

export const RAW_RETENTION_VARIABLE = "STATS_RAW_RETENTION_DAYS";
const DAY_MS = 24 * 60 * 60 * 1000;

type Env = Record<string, string | undefined>;

/**
 * STATS_RAW_RETENTION_DAYS: how many days raw rows are kept, or null (unset or
 * blank) to keep them forever; anything but a whole number of days from
 * RAW_RETENTION_MIN_DAYS to RAW_RETENTION_MAX_DAYS throws INVALID_CONFIGURATION saying how to fix it.
 */
export function rawRetentionDays(env: Env = process.env): number | null {
  const raw = env[RAW_RETENTION_VARIABLE]?.trim();
  if (!raw) return null;
  const days = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (days >= RAW_RETENTION_MIN_DAYS && days <= RAW_RETENTION_MAX_DAYS) return days;
  throw new ConvexError<InvalidConfiguration>({
    code: "INVALID_CONFIGURATION",
    field: RAW_RETENTION_VARIABLE,
    message:
      `The environment variable ${RAW_RETENTION_VARIABLE} is ${JSON.stringify(raw.slice(0, 80))}, which is not a whole number of days ` +
      `from ${RAW_RETENTION_MIN_DAYS} to ${RAW_RETENTION_MAX_DAYS.toLocaleString("en-US")}: no raw row is deleted until it is. ` +
      `Set it, e.g. \`npx convex env set ${RAW_RETENTION_VARIABLE} 90\`, or remove it to keep raw rows forever.`,
  });
}

/** The setting, or the message of its INVALID_CONFIGURATION error. */
function retentionSetting(): { days: number | null } | { invalid: string } {
  try {
    return { days: rawRetentionDays() };
  } catch (error) {
    if (!(error instanceof ConvexError)) throw error;
    return { invalid: (error.data as InvalidConfiguration).message };
  }
}

/** Days the refused rows are kept: REFUSED_EVENTS_KEEP_DAYS, or the raw retention if shorter. */
const refusedKeepDays = (days: number | null) => Math.min(REFUSED_EVENTS_KEEP_DAYS, days ?? Infinity);

export type Pruned = { deleted: number; more: boolean };
const NOTHING: Pruned = { deleted: 0, more: false };

/**
 * One retention step of the cleanup cron, with the budget the sessions' cleanup
 * left: refused rows, then (with the setting) views, then visits. `more`: it
 * stopped for its budget, or made progress through a full page. A bad setting
 * deletes nothing (the health check names it), and the sessions' cleanup goes on.
 */
export async function pruneOldRows(ctx: MutationCtx, now: number): Promise<Pruned> {
  const setting = retentionSetting();
  if ("invalid" in setting) {
    console.error(`[retention] ${setting.invalid}`);
    return NOTHING;
  }
  const refused = await pruneRefusedEvents(ctx, now - refusedKeepDays(setting.days) * DAY_MS);
  if (setting.days === null) return refused;
  const raw = await pruneRawRows(ctx, now - setting.days * DAY_MS);
  return { deleted: refused.deleted + raw.deleted, more: refused.more || raw.more };
}

async function pruneRefusedEvents(ctx: MutationCtx, cutoff: number): Promise<Pruned> {
  if (!(await hasChunkBudget(ctx))) return { deleted: 0, more: true };
  const old = await ctx.db
    .query("refusedEvents")
    .withIndex("by_refusedAt", (q) => q.lt("refusedAt", cutoff))
    .take(RETENTION_PAGE_SIZE);
  let deleted = 0;
  for (const row of old) {
    if (!(await hasChunkBudget(ctx))) return { deleted, more: true };
    await ctx.db.delete(row._id);
    deleted++;
  }
  return { deleted, more: old.length === RETENTION_PAGE_SIZE };
}

/**
 * Deletes views and custom events older than `cutoff` that the worker has
 * folded, each with the visit that holds it once that visit ended before the
 * cutoff and is settled (a visit, its views and its events go together: its
 * block holds their figures and steps); then those visits. A row not derived
 * yet stays until it is: views and events wait for the worker's cursors, visits for settling.
 */
async function pruneRawRows(ctx: MutationCtx, cutoff: number): Promise<Pruned> {
  if (!(await hasChunkBudget(ctx))) return { deleted: 0, more: true };
  const views = await ctx.db
    .query("pageViews")
    .withIndex("by_timestamp", (q) => q.lt("timestamp", cutoff))
    .take(RETENTION_PAGE_SIZE);
  const events = await ctx.db
    .query("customEvents")
    .withIndex("by_timestamp", (q) => q.lt("timestamp", cutoff))
    .take(RETENTION_PAGE_SIZE);
  const visits = await ctx.db
    .query("visits")
    .withIndex("by_lastActivity", (q) => q.lt("lastActivity", cutoff))
    .take(RETENTION_PAGE_SIZE);
  if (views.length === 0 && events.length === 0 && visits.length === 0) return NOTHING;
  const derived = await derivedSoFar(ctx);
  if (derived === null) return NOTHING;
  const deletions = new Deletions();
  const hasBudget = () => hasChunkBudget(ctx, deletions.cost());
  let outOfBudget = false;
  for (const view of views) {
    if (!(await hasBudget())) {
      outOfBudget = true;
      break;
    }
    if (!(await isRowDerived(ctx, view, derived.views, cutoff, derived))) continue;
    await ctx.db.delete(view._id);
    deletions.view(view);
  }
  for (const event of outOfBudget ? [] : events) {
    if (!(await hasBudget())) {
      outOfBudget = true;
      break;
    }
    if (!(await isRowDerived(ctx, event, derived.events, cutoff, derived))) continue;
    await ctx.db.delete(event._id);
    deletions.event(event);
  }
  for (const visit of outOfBudget ? [] : visits) {
    // In settling order: the settled ones come first.
    if (!isSettled(visit, derived.settlement)) break;
    if (!(await hasBudget())) {
      outOfBudget = true;
      break;
    }
    // Its views and events wait for the worker, or for a later page of them.
    if ((await hasRowsLeft(ctx, "pageViews", visit)) || (await hasRowsLeft(ctx, "customEvents", visit))) continue;
    await ctx.db.delete(visit._id);
    deletions.visit(visit);
  }
  await recordDeletions(ctx, deletions, cutoff);
  const deleted = deletions.views + deletions.visits + deletions.events;
  const fullPage = [views, events, visits].some((page) => page.length === RETENTION_PAGE_SIZE);
  // Rows that must wait are read again by the next run: a page of them alone schedules no follow-up.
  return { deleted, more: outOfBudget || (deleted > 0 && fullPage) };
}

/** How far the worker has derived the raw rows: its views and events cursors and the settling cursor. */
type Derived = { views: bigint | undefined; events: bigint | undefined; settlement: SettlementCursor | null };

/**
 * What the worker has derived, or null while every raw row must stay: a
 * backfill is rebuilding from them, derived data awaits a rebuild (or the
 * rules cannot be read), or rows an upgrade imported await their backfill.
 */
async function derivedSoFar(ctx: QueryCtx): Promise<Derived | null> {
  const backfill = await getBackfillStatus(ctx);
  if (backfill?.state === "running") return null;
  try {
    if (needsRebuild(compareRules((await getRecordedRules(ctx))?.rules, runningRules()))) return null;
  } catch (error) {
    // A STATS_TIME_ZONE that is no zone holds the worker too; the health check names it.
    if (error instanceof ConvexError) return null;
    throw error;
  }
  // Rows without a commit timestamp are folded only by a backfill: one that started after the last of them was imported.
  const imported = await ctx.db
    .query("pageViews")
    .withIndex("by_committedAt", (q) => q.eq("committedAt", undefined as never))
    .order("desc")
    .first();
  if (imported !== null && !(backfill?.state === "done" && imported._creationTime < backfill.startedAt)) return null;
  const cursor = (await ctx.runQuery(components.batchWorker.lib.getCursor, { name: STATS_WORKER_NAME })) as WorkerCursor | null;
  return { views: cursor?.views, events: cursor?.events, settlement: await getSettlementCursor(ctx) };
}

/** A visit settled into time buckets: at or before the settling cursor, in `by_lastActivity` order (derive/settleVisits.ts). */
function isSettled(visit: Doc<"visits">, cursor: SettlementCursor | null): boolean {
  if (cursor === null) return false;
  return visit.lastActivity < cursor.lastActivity || (visit.lastActivity === cursor.lastActivity && visit._creationTime <= cursor.creationTime);
}

/** True when the worker folded the view or event (`folded`: its table's cursor) and the visit holding it (if any) ended before `cutoff` and is settled. */
async function isRowDerived(
  ctx: QueryCtx,
  row: Pick<Doc<"pageViews">, "sessionId" | "timestamp" | "committedAt">,
  folded: bigint | undefined,
  cutoff: number,
  derived: Derived,
): Promise<boolean> {
  // Without a commit timestamp: imported or from before the worker, and folded by a finished backfill (derivedSoFar).
  if (row.committedAt !== undefined && (folded === undefined || (row.committedAt as bigint) > folded)) return false;
  const visit = await visitAt(ctx, row.sessionId, row.timestamp);
  if (visit === null || row.timestamp > visit.lastActivity) return true;
  return visit.lastActivity < cutoff && isSettled(visit, derived.settlement);
}

/** Whether a view or event of the visit is still there. */
async function hasRowsLeft(ctx: QueryCtx, table: "pageViews" | "customEvents", visit: Doc<"visits">): Promise<boolean> {
  const row = await ctx.db
    .query(table)
    .withIndex("by_session_timestamp", (q) => q.eq("sessionId", visit.sessionId).gte("timestamp", visit.start).lte("timestamp", visit.lastActivity))
    .first();
  return row !== null;
}

/** The health check's figures: the setting, and how far the oldest raw row is past its window. */
export type RetentionLag = { days: number | null; refusedKeepDays: number; lagMs: number; oldest: { table: string; at: number } | null };

/**
 * How long the oldest row of each table raw retention prunes has been past its window
 * (views and events by time, visits by last activity, refused rows by when they were refused): the worst of them.
 * Throws INVALID_CONFIGURATION for a bad setting.
 */
export async function retentionLag(ctx: QueryCtx, now: number): Promise<RetentionLag> {
  const days = rawRetentionDays();
  const keepDays = refusedKeepDays(days);
  const refused = await ctx.db.query("refusedEvents").withIndex("by_refusedAt").first();
  const oldest: { table: string; at: number; keepDays: number }[] = refused === null ? [] : [{ table: "refusedEvents", at: refused.refusedAt, keepDays }];
  if (days !== null) {
    const view = await ctx.db.query("pageViews").withIndex("by_timestamp").first();
    const event = await ctx.db.query("customEvents").withIndex("by_timestamp").first();
    const visit = await ctx.db.query("visits").withIndex("by_lastActivity").first();
    if (view !== null) oldest.push({ table: "pageViews", at: view.timestamp, keepDays: days });
    if (event !== null) oldest.push({ table: "customEvents", at: event.timestamp, keepDays: days });
    if (visit !== null) oldest.push({ table: "visits", at: visit.lastActivity, keepDays: days });
  }
  const pastWindow = (row: { at: number; keepDays: number }) => now - row.at - row.keepDays * DAY_MS;
  const worst = oldest.sort((a, b) => pastWindow(b) - pastWindow(a))[0];
  const lagMs = worst === undefined ? 0 : Math.max(0, pastWindow(worst));
  return { days, refusedKeepDays: keepDays, lagMs, oldest: worst === undefined ? null : { table: worst.table, at: worst.at } };
}
