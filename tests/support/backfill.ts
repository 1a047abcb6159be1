import { vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { TestConvex } from "./convex";
import { settle, watchStats } from "./worker";

/** What the dashboard's "rebuild" button does. */
export async function startBackfill(t: TestConvex) {
  return await t.mutation(internal.stats.backfillAggregates, {});
}

export async function backfillStatus(t: TestConvex) {
  return await t.runInStats(async (ctx) => await ctx.db.query("backfillStatus").first());
}

/** Starts a backfill from an open dashboard (its lease held) and lets the stats worker carry it out to the end; returns the final status. */
export async function runBackfill(t: TestConvex) {
  await watchStats(t);
  await startBackfill(t);
  await settle(t, 60 * 60 * 1000);
  return await backfillStatus(t);
}

/** The backfill logs a line per chunk; hundreds of them would bury a test's output. Other logs pass through; the backfill's are kept in the array returned. */
export function muteBackfillLogs(): string[] {
  const log = console.log.bind(console);
  const kept: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith("[backfill]")) kept.push(args[0]);
    else log(...args);
  });
  return kept;
}

/** What each logged chunk did: the phase it worked in (or phases, "pageViews→visits", when it moved on), source rows walked and visits folded (ended or open). */
export function chunksByPhase(logs: string[]) {
  return logs.flatMap((line) => {
    const match = /chunk \d+ \(([\w→]+)\): (\d+) rows(?:, (\d+) visits folded)?/.exec(line);
    return match === null ? [] : [{ phase: match[1], rows: Number(match[2]), visits: Number(match[3] ?? 0) }];
  });
}
