import { writeFileSync } from "node:fs";
import { beforeAll, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { internal } from "../../src/component/_generated/api";
import { HEARTBEAT_DEDUP_MS, STATS_WORKER_NAME, WORKER_DEBOUNCE_MS } from "../../src/shared/config";
import * as Worker from "../../src/component/derive/worker";
import { chunksByPhase, muteBackfillLogs, runBackfill } from "../support/backfill";
import { heartbeat, measureGetStats, measureHeartbeat, measureViewPage, viewPage } from "../support/calls";
import { DAY, SECOND, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { measureInStats, type Cost } from "../support/metrics";
import { generateSessions, insertActiveSessions, insertLegacyData, pathName } from "../support/seed";
import { settle, watchStats, workerRuns } from "../support/worker";

/**
 * `npm run bench`: what each call costs, in Convex's own per-transaction
 * counters, as the page-view table grows (visitors' calls, the worker's
 * batches, the dashboard's queries); how many rows a backfill step folds; and
 * how often an open dashboard re-runs under a synthetic load. The figures
 * are deterministic; only the time to produce them varies (all sizes take
 * a few minutes in convex-test, mostly seeding). Sizes: BENCH_SIZES=1000,10000.
 */
// 100,000 views still work (BENCH_SIZES=100000) but take about 15 minutes to backfill in convex-test now that each view feeds 14 time buckets.
const SIZES = (process.env.BENCH_SIZES ?? "1000,10000").split(",").map(Number);
const OUTPUT = new URL("./results.md", import.meta.url);
const NOW = T0 + 31 * DAY;

type Row = { views: number; call: string; cost: Cost };
// `rows`: source rows walked; `visits`: visits folded (ended or open), which the backfill rebuilds from the views.
type Backfill = { views: number; visitors: number; paths: number; chunks: number; rows: number; visits: number };
type Load = { viewsPerSecond: number; seconds: number; changesPerSecond: number; workerRunsPerView: number; p50: number; p95: number };

/** The worker's next batch, as its loop would take it, and what folding it costs. */
async function measureWorkerBatch(t: TestConvex) {
  const work = await t.runInStats((ctx) => ctx.runQuery(internal.worker.nextBatch, { name: STATS_WORKER_NAME }));
  if (!("batch" in work)) throw new Error("expected a batch");
  return await measureInStats(t, (ctx) => Worker.foldBatch(ctx, work.batch, Date.now()));
}

useFakeClock(NOW, "all");
let backfillLogs: string[] = [];
beforeAll(() => {
  backfillLogs = muteBackfillLogs();
});

async function benchSize(views: number): Promise<{ rows: Row[]; backfill: Backfill }> {
  const t = createTestConvex();
  const shape = { views, sessions: views / 5, paths: 40, liveSessions: 30, idleSessions: 0, now: NOW };
  await insertLegacyData(t, shape);
  const logged = backfillLogs.length;
  const status = (await runBackfill(t))!;
  const visits = chunksByPhase(backfillLogs.slice(logged)).reduce((sum, chunk) => sum + chunk.visits, 0);

  const rows: Row[] = [];
  const add = async (call: string, run: Promise<{ cost: Cost }>) => rows.push({ views, call, cost: (await run).cost });
  await add("getStats (40 paths, 30 active)", measureGetStats(t));
  await add("recordPageView: new visitor, new path", measureViewPage(t, 10_000_000, "/brand-new"));
  await add("recordPageView: returning visitor", measureViewPage(t, 1, "/"));
  await add("recordPageView: repeat within 30 min", measureViewPage(t, 1, "/"));
  await add("heartbeat: new session", measureHeartbeat(t, 10_000_000, "/"));
  await add(`heartbeat: same path within ${HEARTBEAT_DEDUP_MS / 1000} s`, measureHeartbeat(t, 10_000_000, "/"));
  vi.advanceTimersByTime(HEARTBEAT_DEDUP_MS);
  await add(`heartbeat: same path after ${HEARTBEAT_DEDUP_MS / 1000} s`, measureHeartbeat(t, 10_000_000, "/"));
  await add("heartbeat: path change", measureHeartbeat(t, 10_000_000, "/post-1"));
  await settle(t);
  // The worker's batches: 200 views of new visitors on interleaved paths, then 200 heartbeats.
  for (let i = 0; i < 200; i++) await viewPage(t, 40_000_000 + i, pathName(i % 40));
  await add("worker: fold 200 views (new visitors, 40 paths)", measureWorkerBatch(t));
  await settle(t);
  for (let i = 0; i < 200; i++) await heartbeat(t, 40_000_000 + i, pathName((i + 1) % 40));
  await add("worker: fold 200 heartbeats (page changes)", measureWorkerBatch(t));
  await settle(t);
  // Active now reads one count and the busiest pages' rows, however many pages are active.
  await insertActiveSessions(t, generateSessions({ count: 3_000, paths: 40, lastSeen: NOW, firstId: 20_000_000 }));
  await add("getStats (3,000 active on 40 paths)", measureGetStats(t));
  await insertActiveSessions(t, generateSessions({ count: 3_000, paths: 100, lastSeen: NOW, firstId: 30_000_000 }));
  await add("getStats (6,000 active on 100 paths)", measureGetStats(t));
  return { rows, backfill: { views, visitors: shape.sessions, paths: shape.paths, chunks: status.chunks, rows: status.processed, visits } };
}

const n = (x: number) => x.toLocaleString("en-US");

function report(rows: Row[], backfills: Backfill[]): string {
  return [
    "Cost of one call, in Convex's per-transaction counters (limits: 32,000 documents read, 16 MiB read, 4,096 queries, 16,000 documents written):",
    "",
    "| page views | call | documentsRead | bytesRead | databaseQueries | documentsWritten |",
    "|---:|---|---:|---:|---:|---:|",
    ...rows.map(({ views, call, cost }) =>
      `| ${n(views)} | ${call} | ${n(cost.documentsRead)} | ${n(cost.bytesRead)} | ${n(cost.databaseQueries)} | ${n(cost.documentsWritten)} |`,
    ),
    "",
    "Backfill of a deployment whose rows predate the worker (a step per worker batch: at most 1,000 rows, and at most half of any limit; the first batch empties the derived tables):",
    "",
    "| page views | visitors | paths | rows walked | visits folded | worker batches | rows and visits per batch |",
    "|---:|---:|---:|---:|---:|---:|---:|",
    ...backfills.map(
      (b) => `| ${n(b.views)} | ${n(b.visitors)} | ${b.paths} | ${n(b.rows)} | ${n(b.visits)} | ${n(b.chunks)} | ${n(Math.round((b.rows + b.visits) / Math.max(1, b.chunks - 1)))} |`,
    ),
    "",
  ].join("\n");
}

/** A steady stream of new visitors for `seconds` (fake time): how fresh and how often the dashboard's figures change. */
async function benchLoad(viewsPerSecond: number, seconds: number): Promise<Load> {
  const t = createTestConvex();
  // The dashboard is open and visible: it holds the watch lease (60 s, longer than the load), so the worker keeps its watched cadence.
  await watchStats(t);
  const step = SECOND / viewsPerSecond;
  const sentAt: number[] = [];
  const shownAt: number[] = [];
  let changes = 0;
  for (let i = 0; i < viewsPerSecond * seconds; i++) {
    sentAt.push(Date.now());
    await viewPage(t, i, pathName(i % 40));
    vi.advanceTimersByTime(step);
    await t.finishInProgressScheduledFunctions();
    const total = (await t.query(api.stats.getPageViewStats, {})).totalPageViews;
    if (total !== shownAt.length) changes++;
    while (shownAt.length < total) shownAt.push(Date.now());
  }
  await settle(t);
  while (shownAt.length < sentAt.length) shownAt.push(Date.now());
  const latencies = sentAt.map((sent, i) => shownAt[i] - sent).sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.ceil(q * latencies.length) - 1];
  return { viewsPerSecond, seconds, changesPerSecond: changes / seconds, workerRunsPerView: workerRuns(t) / sentAt.length, p50: p(0.5), p95: p(0.95) };
}

function loadReport(loads: Load[]): string {
  return [
    `Under a synthetic load (fake time; the worker waits ${WORKER_DEBOUNCE_MS} ms between batches): how often an open dashboard's page-view query gets a new result, how many worker runs each counted view costs (each visitor's own mutation is one more call), and view-to-figure latency:`,
    "",
    "| views per second | seconds | dashboard re-runs per second | worker runs per view | function calls per view | latency p50 | latency p95 |",
    "|---:|---:|---:|---:|---:|---:|---:|",
    ...loads.map((l) => `| ${l.viewsPerSecond} | ${l.seconds} | ${l.changesPerSecond.toFixed(1)} | ${l.workerRunsPerView.toFixed(2)} | ${(1 + l.workerRunsPerView).toFixed(2)} | ${n(l.p50)} ms | ${n(l.p95)} ms |`),
    "",
  ].join("\n");
}

test("costs by table size", async () => {
  const loads: Load[] = [];
  for (const viewsPerSecond of [1, 20, 100]) loads.push(await benchLoad(viewsPerSecond, 10));
  console.log(loadReport(loads));
  const rows: Row[] = [];
  const backfills: Backfill[] = [];
  for (const views of SIZES) {
    const result = await benchSize(views);
    rows.push(...result.rows);
    backfills.push(result.backfill);
    console.log(report(rows, backfills));
  }
  writeFileSync(OUTPUT, `<!-- Generated by \`npm run bench\` (tests/bench/stats.bench.ts). -->\n\n${report(rows, backfills)}\n${loadReport(loads)}`);
});
