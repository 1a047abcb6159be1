import { writeFileSync } from "node:fs";
import { test } from "vitest";
import { api } from "../../convex/_generated/api";
import { VISIT_TIMEOUT_MS } from "../../src/shared/config";
import { hasChunkBudget } from "../../src/component/derive/budget";
import { pendingCost, startPageViewFold } from "../../src/component/derive/foldPageViews";
import { settleEndedVisits } from "../../src/component/derive/settleVisits";
import { foldCommittedChange } from "../../src/component/derive/foldVisits";
import { finishTimeFold, startTimeFold } from "../../src/component/derive/timeBuckets";
import { visitAttributes, type VisitAttributes, type VisitContext } from "../../src/component/record/visitAttributes";
import { DAY, MINUTE } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { MiB, type Cost } from "../support/metrics";
import { insertRows, random, sessionId, type ViewRow } from "../support/seed";
import { insertAndFoldViews } from "../support/timeTruth";
import { USER_AGENTS } from "../support/visitWorkload";

/**
 * `npm run bench`: what the Stats API's visit-aware calls (summary, series and
 * breakdowns with their filters) read, in Convex's per-transaction counters
 * (budget: 8,000 documents and 4 MiB per call; Convex's limit: 4,096 queries),
 * in two states:
 * 1. visits over two years on 1,000 pages, their views folded and every visit
 *    settled by the worker's own code (sizes: VISIT_BENCH_SIZES=1000,10000);
 * 2. the smaller state 1 plus IN_PROGRESS_VISITS visits of the last 30
 *    minutes that are not settled, folded as the worker folds visits in
 *    progress: what queries pay for them (their buckets only);
 * Filters that scan packed visits at their ceiling (100,000 matching visits): tests/bench/filters.bench.ts.
 * Over-limit calls are measured, not refused: the backend's limits are off and
 * the table flags them.
 */
const SIZES = (process.env.VISIT_BENCH_SIZES ?? "1000,10000").split(",").map(Number);
const SMALL = Math.min(...SIZES);
const OUTPUT = new URL("./visitStats.results.md", import.meta.url);
// "Now": an unaligned minute, two years after the first visit.
const NOW = Date.UTC(2026, 10, 23, 14, 37);
const FIRST = NOW - 730 * DAY;
const today = NOW - (NOW % DAY);
// State 1's visits all end by then, so the settling step (now = NOW) settles every one.
const SETTLED_BEFORE = NOW - 2 * VISIT_TIMEOUT_MS;

const BUDGET = { documentsRead: 8_000, bytesRead: 4 * MiB, databaseQueries: 4_096 };

// ---------------------------------------------------------------------------------------------
// Calls

type Range = { name: string; from: number; to: number; typical?: boolean };
const RANGES = {
  minutes30: { name: "last 30 minutes", from: NOW - 29 * MINUTE, to: NOW + MINUTE },
  today: { name: "today", from: today, to: today + DAY },
  days7: { name: "7 days", from: today - 6 * DAY, to: today + DAY, typical: true },
  days30: { name: "30 days", from: today - 29 * DAY, to: today + DAY, typical: true },
  years2: { name: "2 years (unaligned)", from: FIRST + 17 * MINUTE, to: NOW },
} satisfies Record<string, Range>;
const range = ({ from, to }: Range) => ({ from, to });

type Filter = { property: string; value: string };
const GOOGLE: Filter = { property: "source", value: "Google" };
const PAGE_1: Filter = { property: "page", value: "/page-1" };
const US: Filter = { property: "country", value: "US" };
const label = (filter: Filter) => `${filter.property}=${filter.value}`;

type Call = { name: string; query: "summary" | "timeseries" | "breakdown"; args: Record<string, unknown>; typical?: boolean };

const SUMMARIES: Call[] = [undefined, GOOGLE, PAGE_1, US].flatMap((filter) =>
  Object.values(RANGES).map((r: Range) => ({
    name: `summary${filter ? ` [${label(filter)}]` : ""}, ${r.name}`,
    query: "summary" as const,
    args: { ...range(r), ...(filter ? { filter } : {}) },
    typical: r.typical,
  })),
);
const SERIES: Call[] = [
  {
    name: `timeseries [${label(GOOGLE)}], 30 days by day`,
    query: "timeseries",
    args: { ...range(RANGES.days30), interval: "day", filter: GOOGLE },
    typical: true,
  },
];
const BREAKDOWN_PROPERTIES = ["source", "referrer", "browser", "os", "device", "country", "entryPage", "exitPage", "utmCampaign"];
const BREAKDOWNS: Call[] = BREAKDOWN_PROPERTIES.flatMap((property) =>
  [RANGES.days30, RANGES.years2].flatMap((r: Range) =>
    [10, 100].map((limit) => ({
      name: `breakdown ${property}, ${r.name}, limit ${limit}`,
      query: "breakdown" as const,
      args: { property, ...range(r), limit },
      typical: r.typical && limit === 10,
    })),
  ),
);
const FILTERED_PAIRS: [Filter, string][] = [
  [GOOGLE, "browser"],
  [GOOGLE, "page"],
  [PAGE_1, "source"],
  [US, "entryPage"],
];
const filteredBreakdown = ([filter, property]: [Filter, string], r: Range): Call => ({
  name: `breakdown [${label(filter)}] → ${property}, ${r.name}, limit 10`,
  query: "breakdown",
  args: { property, ...range(r), limit: 10, filter },
  typical: r.typical,
});
const FILTERED: Call[] = FILTERED_PAIRS.flatMap((pair) => [RANGES.days30, RANGES.years2].map((r) => filteredBreakdown(pair, r)));
// Filters the buckets cannot answer: every one scans the range's packed visits (read/filteredVisits.ts).
const NOT_GOOGLE_ON_MOBILE = [
  { property: "source", op: "isNot", value: "Google" },
  { property: "device", op: "is", value: "Mobile" },
];
const COMBINED: Call[] = [RANGES.days30, RANGES.years2].flatMap((r: Range) => [
  { name: `summary [source≠Google, device=Mobile], ${r.name}`, query: "summary" as const, args: { ...range(r), filters: NOT_GOOGLE_ON_MOBILE }, typical: r.typical },
  { name: `breakdown [source≠Google, device=Mobile] → page, ${r.name}, limit 10`, query: "breakdown" as const, args: { ...range(r), property: "page", limit: 10, filters: NOT_GOOGLE_ON_MOBILE }, typical: r.typical },
]);
const CALLS = [...SUMMARIES, ...SERIES, ...BREAKDOWNS, ...FILTERED, ...COMBINED];

// ---------------------------------------------------------------------------------------------
// Workload

/** Arrivals by weight: about a fifth from Google, a third direct, the rest from other referrers and campaigns. */
const ARRIVALS: [weight: number, Pick<VisitContext, "referrer" | "utmSource" | "utmMedium" | "utmCampaign">][] = [
  [30, {}],
  [20, { referrer: "https://www.google.com/" }],
  [4, { referrer: "https://www.bing.com/search" }],
  [3, { referrer: "https://duckduckgo.com/" }],
  [6, { referrer: "https://news.ycombinator.com/item" }],
  [5, { referrer: "https://old.reddit.com/r/programming/" }],
  [4, { referrer: "https://github.com/get-convex/convex-backend" }],
  [3, { referrer: "https://t.co/abc123" }],
  [5, { referrer: "https://blog.example.org/a-post" }],
  [3, { referrer: "https://another.example.net/links" }],
  [6, { utmSource: "newsletter", utmMedium: "email", utmCampaign: "launch" }],
  [4, { utmSource: "newsletter", utmMedium: "email", utmCampaign: "weekly-42" }],
  [4, { utmSource: "hn", utmCampaign: "show-hn" }],
  [3, { utmSource: "twitter", utmMedium: "social", utmCampaign: "spring-sale" }],
];
const ALL_USER_AGENTS = [
  ...USER_AGENTS,
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
  "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7; rv:132.0) Gecko/20100101 Firefox/132.0",
];
const ZONES = ["America/New_York", "America/Los_Angeles", "Europe/Berlin", "Europe/London", "Europe/Paris", "Asia/Kolkata", "Asia/Tokyo", "America/Sao_Paulo", "Australia/Sydney", "UTC"];
const LANGUAGES = ["en-US", "en-GB", "de-DE", "fr", "ja", "pt-BR"];
const WIDTHS = [375, 414, 820, 1280, 1536, 1920];

type VisitRow = { sessionId: string; start: number; lastActivity: number; views: number; entryPage: string; exitPage: string } & VisitAttributes;
type Seed = { visits: VisitRow[]; views: ViewRow[] };

/** A seeded generator with the picks the workload makes. */
function picker(seed: number) {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  const totalWeight = ARRIVALS.reduce((sum, [weight]) => sum + weight, 0);
  const arrival = () => {
    let at = next() * totalWeight;
    for (const [weight, context] of ARRIVALS) if ((at -= weight) < 0) return context;
    return ARRIVALS[0][1];
  };
  // 1,000 pages, a few popular (as timeStats.bench.ts).
  const page = () => `/page-${Math.floor(1_000 * next() ** 3)}`;
  const device = () => ({ userAgent: pick(ALL_USER_AGENTS), timeZone: pick(ZONES), language: pick(LANGUAGES), screenWidth: pick(WIDTHS) });
  return { next, pick, arrival, page, device };
}

// visitAttributes parses the user agent (bowser): once per distinct context.
const attributesCache = new Map<string, VisitAttributes>();
function attributesOf(context: VisitContext): VisitAttributes {
  const key = JSON.stringify(context);
  let attributes = attributesCache.get(key);
  if (attributes === undefined) attributesCache.set(key, (attributes = visitAttributes(context)));
  return attributes;
}

/** One visit from `start`: its views (distinct pages, a few minutes apart) and its row, read a while after its last view. */
function makeVisit(p: ReturnType<typeof picker>, session: string, start: number, context: VisitContext, paths: string[]): Seed {
  const views: ViewRow[] = [];
  let at = start;
  for (const [i, path] of paths.entries()) {
    if (i > 0) at += 1000 + Math.floor(p.next() * 3 * MINUTE);
    views.push({ path, pageType: "post", sessionId: session, timestamp: at });
  }
  // Heartbeats after the last view: up to 5 minutes more.
  const lastActivity = at + Math.floor(p.next() * 5 * MINUTE);
  const visit = { sessionId: session, start, lastActivity, views: paths.length, entryPage: paths[0], exitPage: paths[paths.length - 1], ...attributesOf(context) };
  return { visits: [visit], views };
}

/** 1 to 4 distinct pages. */
function visitPaths(p: ReturnType<typeof picker>, count = 1 + Math.floor(p.next() * 4), exclude?: string): string[] {
  const paths: string[] = [];
  for (let tries = 0; paths.length < count && tries < 50; tries++) {
    const path = p.page();
    if (path !== exclude && !paths.includes(path)) paths.push(path);
  }
  return paths;
}

function merge(seeds: Seed[]): Seed {
  return { visits: seeds.flatMap((s) => s.visits), views: seeds.flatMap((s) => s.views) };
}

/** `count` visits over two years: visitors with their own device who come back 1 to 4 times, days or weeks apart. */
function generateVisits(count: number): Seed {
  const p = picker(count);
  const seeds: Seed[] = [];
  for (let session = 0; seeds.length < count; session++) {
    const device = p.device();
    let start = FIRST + Math.floor(p.next() * 730 * DAY);
    for (let visit = 0, visits = 1 + Math.floor(p.next() * 4); visit < visits && seeds.length < count; visit++) {
      const seed = makeVisit(p, sessionId(session), start, { ...p.arrival(), ...device }, visitPaths(p));
      if (seed.visits[0].lastActivity >= SETTLED_BEFORE) break;
      seeds.push(seed);
      start = seed.visits[0].lastActivity + VISIT_TIMEOUT_MS + MINUTE + Math.floor(p.next() * 20 * DAY);
    }
  }
  return merge(seeds);
}

// Visits in progress in state 2: as many as a busy site has in its last half hour (about 65 new visits a minute).
const IN_PROGRESS_VISITS = 2_000;

/** IN_PROGRESS_VISITS visits started in the last 30 minutes, still open: half from new visitors, half from returning ones. */
function generateInProgress(base: Seed): Seed {
  const p = picker(7);
  const returning = [...new Set(base.visits.map((v) => v.sessionId))];
  const seeds: Seed[] = [];
  for (let i = 0; i < IN_PROGRESS_VISITS; i++) {
    const session = i % 2 === 0 && i / 2 < returning.length ? returning[i / 2] : sessionId(1_000_000 + i);
    // Starts over 18 minutes, so that even a visit of 4 views (up to 9 minutes) has its views before now.
    const start = NOW - 30 * MINUTE + Math.floor(((i + p.next()) / IN_PROGRESS_VISITS) * 18 * MINUTE);
    const seed = makeVisit(p, session, start, { ...p.arrival(), ...p.device() }, visitPaths(p));
    seed.visits[0].lastActivity = Math.min(seed.visits[0].lastActivity, NOW - 1000);
    seeds.push(seed);
  }
  return merge(seeds);
}


// ---------------------------------------------------------------------------------------------
// Seeding

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(0)} s`;

// Rows per seeding transaction. The folds' sums do not depend on it, but convex-test's time does: every query
// scans the transaction's pending writes, so large transactions are quadratic (200 views or 34 visits per
// transaction seeded 2 to 3 times slower than these).
const VIEWS_PER_TRANSACTION = 15;
const VISITS_PER_TRANSACTION = 4;

/** Inserts the rows, folds the views as the worker does (time order), and settles every ended visit with the worker's settling step. */
/** Inserts the rows and folds their views; then settles the visits, or (`inProgress`) folds them as the worker folds visits still open. */
async function seed(t: TestConvex, rows: Seed, mode: "settle" | "inProgress"): Promise<void> {
  let started = Date.now();
  await insertAndFoldViews(t, [...rows.views].sort((a, b) => a.timestamp - b.timestamp), VIEWS_PER_TRANSACTION);
  await insertRows(t, "visits", rows.visits);
  console.log(`  inserted ${n(rows.visits.length)} visits and folded their ${n(rows.views.length)} views in ${seconds(started)}`);
  if (mode === "inProgress") return await foldInProgress(t);
  started = Date.now();
  let transactions = 0;
  let settled = 0;
  for (;;) {
    const step = await t.runInStats(async (ctx) => {
      const fold = startTimeFold();
      // The worker's budget (half of each limit, counting what the fold will still write), and a few visits at most.
      let taken = 0;
      const hasBudget = async () =>
        taken++ < VISITS_PER_TRANSACTION && (await hasChunkBudget(ctx, pendingCost({ ...startPageViewFold(), time: fold })));
      const result = await settleEndedVisits(ctx, fold, NOW, hasBudget);
      await finishTimeFold(ctx, fold);
      return result;
    });
    transactions++;
    settled += step.settled;
    if (step.exhausted) break;
    if (step.settled === 0) throw new Error("settling made no progress");
  }
  console.log(`  settled ${n(settled)} visits in ${transactions} transactions, ${seconds(started)}`);
}

/** Folds every visit not settled, a transaction at a time, as the worker folds a visit's change. */
async function foldInProgress(t: TestConvex): Promise<void> {
  const started = Date.now();
  let cursor: string | null = null;
  let folded = 0;
  do {
    cursor = await t.runInStats(async (ctx) => {
      const fold = startTimeFold();
      const page = await ctx.db
        .query("visits")
        .withIndex("by_lastActivity", (q) => q.gt("lastActivity", NOW - VISIT_TIMEOUT_MS))
        .paginate({ numItems: VISITS_PER_TRANSACTION, cursor });
      for (const visit of page.page) await foldCommittedChange(ctx, fold, visit);
      await finishTimeFold(ctx, fold);
      folded += page.page.length;
      return page.isDone ? null : page.continueCursor;
    });
  } while (cursor !== null);
  console.log(`  folded ${n(folded)} visits in progress in ${seconds(started)}`);
}

// ---------------------------------------------------------------------------------------------
// Measuring

type Measured = { call: Call; cost: Cost; error?: string };

/** One call in one transaction, in Convex's counters; a call that throws (FILTER_TOO_BROAD) is measured up to its refusal. */
async function measureCall(t: TestConvex, call: Call): Promise<Measured> {
  return await t.run(async (ctx) => {
    const before = await ctx.meta.getTransactionMetrics();
    let error: string | undefined;
    try {
      await ctx.runQuery(api.stats[call.query] as never, call.args as never);
    } catch (e) {
      const data = (e as { data?: { code?: string } }).data;
      error = data?.code ?? String((e as Error).message ?? e).slice(0, 80);
    }
    const after = await ctx.meta.getTransactionMetrics();
    const used = (k: keyof Cost) => after[k].used - before[k].used;
    const cost: Cost = {
      documentsRead: used("documentsRead"),
      bytesRead: used("bytesRead"),
      databaseQueries: used("databaseQueries"),
      documentsWritten: used("documentsWritten"),
      bytesWritten: used("bytesWritten"),
    };
    return { call, cost, error };
  });
}

const n = (x: number) => x.toLocaleString("en-US");

function overBudget({ cost }: Measured): string[] {
  const over: string[] = [];
  if (cost.documentsRead > BUDGET.documentsRead) over.push(`documents > ${n(BUDGET.documentsRead)}`);
  if (cost.bytesRead > BUDGET.bytesRead) over.push(`bytes > 4 MiB`);
  if (cost.databaseQueries > BUDGET.databaseQueries) over.push(`queries > ${n(BUDGET.databaseQueries)}`);
  return over;
}

const lines = [
  "Cost of one Stats API call, in Convex's per-transaction counters (budget: at most 8,000 documents and 4 MiB read per call; Convex's limit: 4,096 queries). Typical dashboard calls (7 and 30 days, limit 10) are marked *. Ranges end at an unaligned minute two years after the first visit.",
  "",
];
const table = ["| state | call | documentsRead | bytesRead | databaseQueries | note |", "|---|---|---:|---:|---:|---|"];
const overs: string[] = [];

async function measureState(t: TestConvex, state: string, calls: Call[]) {
  for (const call of calls) {
    const measured = await measureCall(t, call);
    const over = overBudget(measured);
    const note = [...(measured.error ? [`refused: ${measured.error}`] : []), ...over.map((o) => `**OVER: ${o}**`)].join("; ");
    if (over.length > 0) overs.push(`${state} | ${call.name}: ${n(measured.cost.documentsRead)} documents, ${n(measured.cost.bytesRead)} bytes, ${n(measured.cost.databaseQueries)} queries (${over.join(", ")})`);
    const { cost } = measured;
    table.push(`| ${state} | ${call.name}${call.typical ? " *" : ""} | ${n(cost.documentsRead)} | ${n(cost.bytesRead)} | ${n(cost.databaseQueries)} | ${note} |`);
  }
}

function report(): string {
  const summary = [
    ...lines,
    ...(overs.length === 0 ? ["No call exceeds the budget or Convex's query limit.", ""] : ["**Calls over the budget or Convex's limit:**", "", ...overs.map((o) => `- ${o}`), ""]),
    ...table,
    "",
  ];
  return summary.join("\n");
}

test("Stats API costs with visits", async () => {
  const notes: string[] = [];
  const describe = (seedRows: Seed) => `${n(seedRows.visits.length)} visits, ${n(seedRows.views.length)} views`;

  for (const size of SIZES) {
    const t = createTestConvex({ transactionLimits: false });
    const base = generateVisits(size);
    console.log(`state 1, ${describe(base)}:`);
    await seed(t, base, "settle");
    const state = `1. ${n(size)} visits`;
    notes.push(`- **${state}**: ${describe(base)} over two years on 1,000 pages, views folded and every visit settled.`);
    await measureState(t, state, CALLS);
    console.log(report());

    if (size !== SMALL) continue;
    const inProgress = generateInProgress(base);
    console.log(`state 2, ${describe(inProgress)} in progress:`);
    await seed(t, inProgress, "inProgress");
    const state2 = `2. ${n(size)} + ${n(IN_PROGRESS_VISITS)} in progress`;
    notes.push(`- **${state2}**: state 1 at ${n(size)} visits plus ${describe(inProgress)} started in the last 30 minutes, views folded, visits folded as in progress, not settled (half from returning visitors).`);
    await measureState(t, state2, CALLS);
    console.log(report());
  }

  lines.push("States:", "", ...notes, "");
  const text = report();
  console.log(text);
  writeFileSync(OUTPUT, `<!-- Generated by \`npm run bench\` (tests/bench/visitStats.bench.ts). -->\n\n${text}`);
});
