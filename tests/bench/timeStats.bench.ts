import { writeFileSync } from "node:fs";
import { test } from "vitest";
import { api } from "../../convex/_generated/api";
import { PREV_HISTOGRAM_CHUNK_ENTRIES } from "../../src/shared/config";
import { SITE_SCOPE, type BucketLevel } from "../../src/component/derive/timeBuckets";
import { PIECE_LEVELS, alignedPieces, buckets, type Piece } from "../../src/shared/timeRanges";
import { DAY, MINUTE } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { measure, type Cost } from "../support/metrics";
import { random, sessionId, type ViewRow } from "../support/seed";
import { insertAndFoldViews } from "../support/timeTruth";

/**
 * `npm run bench`: what the Stats API's reads cost, in Convex's counters
 * (budget: 8,000 documents and 4 MiB per call; 2,000 documents for the
 * typical views), on views folded by the real worker code over two years on
 * 1,000 pages, and on a ceiling state where every bucket a call reads is as
 * large as a bucket can be (any table size, 1,000,000 views and far beyond).
 * Sizes: TIME_BENCH_SIZES=1000,20000.
 */
const SIZES = (process.env.TIME_BENCH_SIZES ?? "1000,20000").split(",").map(Number);
const OUTPUT = new URL("./timeStats.results.md", import.meta.url);
// "Now": an unaligned minute, two years after the first view.
const NOW = Date.UTC(2026, 10, 23, 14, 37);
const FIRST = NOW - 730 * DAY;
const HOUR = 60 * MINUTE;
const today = NOW - (NOW % DAY);

type Call = {
  name: string;
  args: Record<string, unknown>;
  query: "summary" | "timeseries" | "breakdown";
  typical?: boolean;
};
const CALLS: Call[] = [
  {
    name: "summary, last 2 years (unaligned minutes)",
    query: "summary",
    args: { from: FIRST + 17 * MINUTE, to: NOW },
  },
  {
    name: "summary, last 7 days",
    query: "summary",
    args: { from: today - 6 * DAY, to: today + DAY },
    typical: true,
  },
  {
    name: "summary, today",
    query: "summary",
    args: { from: today, to: today + DAY },
    typical: true,
  },
  {
    name: "summary, last 30 minutes",
    query: "summary",
    args: { from: NOW - 29 * MINUTE, to: NOW + MINUTE },
  },
  {
    name: "timeseries, 365 days by day",
    query: "timeseries",
    args: { from: today - 364 * DAY, to: today + DAY, interval: "day" },
  },
  {
    name: "timeseries, 7 days by hour (168)",
    query: "timeseries",
    args: { from: today - 6 * DAY, to: today + DAY, interval: "hour" },
    typical: true,
  },
  {
    name: "timeseries, 7 days by hour in Asia/Kolkata",
    query: "timeseries",
    args: {
      from: today - 6 * DAY - 5.5 * HOUR,
      to: today + DAY - 5.5 * HOUR,
      interval: "hour",
      timeZone: "Asia/Kolkata",
    },
  },
  {
    name: "timeseries, 2 years by month",
    query: "timeseries",
    args: {
      from: Date.UTC(2024, 10, 1),
      to: Date.UTC(2026, 11, 1),
      interval: "month",
    },
  },
  {
    name: "breakdown, top 10 pages, last 7 days",
    query: "breakdown",
    args: { property: "page", from: today - 6 * DAY, to: today + DAY },
    typical: true,
  },
  {
    name: "breakdown, top 10 pages, last 30 days",
    query: "breakdown",
    args: { property: "page", from: today - 29 * DAY, to: today + DAY },
  },
  {
    name: "breakdown, top 100 pages, last 30 days",
    query: "breakdown",
    args: {
      property: "page",
      from: today - 29 * DAY,
      to: today + DAY,
      limit: 100,
    },
  },
];

/** Views over two years on 1,000 pages (a few popular), from visitors who return days or weeks apart. */
function generate(count: number): ViewRow[] {
  const next = random(count);
  const views: ViewRow[] = [];
  for (let session = 0; views.length < count; session++) {
    let at = FIRST + Math.floor(next() * 730 * DAY);
    for (let visit = 0, visits = 1 + Math.floor(next() * 4); visit < visits && at < NOW; visit++) {
      for (let view = 0, pages = 1 + Math.floor(next() * 4); view < pages; view++) {
        const page = Math.floor(1_000 * next() ** 3);
        views.push({
          path: `/page-${page}`,
          pageType: "post",
          sessionId: sessionId(session),
          timestamp: at,
        });
        at += Math.floor(next() * 3 * MINUTE);
      }
      at += Math.floor(next() * 20 * DAY);
    }
  }
  return views.filter((view) => view.timestamp < NOW).sort((a, b) => a.timestamp - b.timestamp);
}

async function measureCalls(t: TestConvex) {
  const costs: [Call, Cost][] = [];
  for (const call of CALLS) {
    const fn = api.stats[call.query] as never;
    costs.push([call, (await measure(t, (ctx) => ctx.runQuery(fn, call.args as never))).cost]);
  }
  return costs;
}

/** The pieces a summary or a series over the site's zone (UTC here) reads. */
function piecesOf(call: Call): Piece[] {
  const { from, to, interval, timeZone } = call.args as {
    from: number;
    to: number;
    interval?: "day";
    timeZone?: string;
  };
  if (!interval) return alignedPieces({ from, to }, PIECE_LEVELS, "UTC");
  const starts = buckets({ from, to }, interval, timeZone ?? "UTC");
  return starts.flatMap((start, i) =>
    alignedPieces({ from: Math.max(start, from), to: Math.min(starts[i + 1] ?? to, to) }, PIECE_LEVELS, "UTC"),
  );
}

/** Chunks a bucket of each level has at most on a site far past 1,000,000 views: one entry per earlier minute with a returning visitor. */
const CEILING_CHUNKS: Record<BucketLevel, number> = {
  all: 0,
  month: 400,
  week: 100,
  day: 16,
  hour: 1,
  quarterHour: 1,
  minute: 1,
};

/** Every site bucket the summaries and series read, stored at its largest: a full chunk index and full chunks. */
async function insertCeiling(t: TestConvex) {
  const pieces = new Map<string, Piece>();
  for (const call of CALLS.filter((c) => c.query !== "breakdown"))
    for (const piece of piecesOf(call)) pieces.set(`${piece.level}:${piece.start}`, piece);
  // One bucket per transaction: a month's full chunks are about 2 MB.
  for (const { level, start } of pieces.values()) {
    await t.runInStats(async (ctx) => {
      const minute = start / MINUTE;
      const entries = (first: number) => Array.from({ length: PREV_HISTOGRAM_CHUNK_ENTRIES }, (_, k) => [first + k, 3]).flat();
      const chunks = [];
      for (let c = 0; c < CEILING_CHUNKS[level]; c++) {
        const first = minute - (CEILING_CHUNKS[level] - c) * PREV_HISTOGRAM_CHUNK_ENTRIES;
        const id = await ctx.db.insert("timeBucketChunks", {
          prevs: entries(first),
        });
        chunks.push({
          first,
          last: first + PREV_HISTOGRAM_CHUNK_ENTRIES - 1,
          count: 3 * PREV_HISTOGRAM_CHUNK_ENTRIES,
          id,
        });
      }
      const visitors = 3 * PREV_HISTOGRAM_CHUNK_ENTRIES * Math.max(1, chunks.length);
      const histogram = chunks.length > 0 ? { chunks } : { prevs: entries(minute - PREV_HISTOGRAM_CHUNK_ENTRIES) };
      await ctx.db.insert("timeBuckets", {
        scope: SITE_SCOPE,
        level,
        start,
        pageviews: 2 * visitors,
        visitors,
        ...histogram,
      });
    });
  }
}

const n = (x: number) => x.toLocaleString("en-US");

test("Stats API costs", async () => {
  const lines = [
    "Cost of one Stats API call, in Convex's per-transaction counters (budget: 8,000 documents and 4 MiB read per call; 2,000 documents for the typical views, marked *; Convex's limit: 4,096 queries):",
    "",
    "| state | call | documentsRead | bytesRead | databaseQueries |",
    "|---|---|---:|---:|---:|",
  ];
  const row = (state: string, [call, cost]: [Call, Cost]) =>
    `| ${state} | ${call.name}${call.typical ? " *" : ""} | ${n(cost.documentsRead)} | ${n(cost.bytesRead)} | ${n(cost.databaseQueries)} |`;
  for (const size of SIZES) {
    const t = createTestConvex();
    const started = Date.now();
    await insertAndFoldViews(t, generate(size), 200);
    console.log(`seeded ${n(size)} views in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    for (const measured of await measureCalls(t)) lines.push(row(`${n(size)} views, 1,000 pages`, measured));
    console.log(lines.join("\n"));
  }
  const ceiling = createTestConvex();
  await insertCeiling(ceiling);
  for (const measured of (await measureCalls(ceiling)).filter(([call]) => call.query !== "breakdown"))
    lines.push(row("ceiling (every bucket read at its largest)", measured));
  lines.push("");
  console.log(lines.join("\n"));
  writeFileSync(OUTPUT, `<!-- Generated by \`npm run bench\` (tests/bench/timeStats.bench.ts). -->\n\n${lines.join("\n")}\n`);
});
