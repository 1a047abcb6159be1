import { writeFileSync } from "node:fs";
import { test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { FILTER_SCAN_MAX_BYTES, FILTER_SCAN_MAX_DOCS, STEPS_SCAN_MAX_BYTES, STEPS_SCAN_MAX_DOCS } from "../../src/shared/config";
import { appendToBlock, finishVisitBlocks, startBlockAppends, type BlockVisit } from "../../src/component/derive/visitBlocks";
import { DAY, MINUTE } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { MiB, measure, type Cost } from "../support/metrics";
import { random } from "../support/seed";

/**
 * `npm run bench`: filters that scan packed visits (read/filteredVisits.ts) at their ceiling. A busy site's last 180
 * days are packed into visit blocks the way the worker packs settled visits (derive/visitBlocks.ts), 4,000 visits a
 * day, so the last 30 days hold 120,000 visits, and each 30-day call below matches at least 100,000 of them. Each call
 * is measured in Convex's per-transaction counters against issue 20's budget: half of Convex's read limits (16,000
 * documents, 8 MiB). Goals, events and funnels under filters (issue 21) read the visits' steps too, against their
 * budget: 8,000 documents and 4 MiB a call. Past what a scan may read, a call is refused with the earliest start it
 * can answer.
 */
const OUTPUT = new URL("./filters.results.md", import.meta.url);
const NOW = Date.UTC(2026, 10, 23, 14, 37);
const today = NOW - (NOW % DAY);
const DAYS = 180;
const VISITS_PER_DAY = 4_000;
const BUDGET = { documentsRead: 16_000, bytesRead: 8 * MiB };
const STEPS_BUDGET = { documentsRead: 8_000, bytesRead: 4 * MiB };

const SOURCES = ["Google", "Direct / None", "Hacker News", "Reddit", "Bing", "Newsletter", "GitHub", "blog.example.org"];
const BROWSERS = ["Chrome", "Safari", "Firefox", "Edge", "Samsung Internet"];
const COUNTRIES = ["US", "DE", "GB", "FR", "IN", "JP", "BR", "CA"];

/** A day's visits as a busy blog has them: 1 to 4 pages of 400, most from a few sources. */
function visitsOfDay(day: number, next: () => number, firstSession: number): BlockVisit[] {
  const pick = <T,>(list: readonly T[]) => list[Math.floor(next() ** 1.5 * list.length)];
  const visits: BlockVisit[] = [];
  for (let i = 0; i < VISITS_PER_DAY; i++) {
    const pages = Array.from({ length: 1 + Math.floor(next() * 4) }, () => `/blog/post-${Math.floor(next() ** 2 * 400)}`);
    const distinct = [...new Set(pages)];
    const views = pages.length;
    visits.push({
      start: day + Math.floor((i / VISITS_PER_DAY) * DAY),
      durationMs: views === 1 ? 0 : Math.floor(next() * 600_000),
      views,
      session: firstSession + i - (i % 3 === 0 ? 0 : Math.floor(next() * 50)),
      pages: distinct.map((path) => ({ path, views: pages.filter((each) => each === path).length })),
      // Views in order; a sign-up on 1 visit in 12 (a third of them paid), and a checkout on 1 in 30, three in five paid.
      steps: [...pages.map((page) => ({ page })), ...eventsOfVisit(next)],
      values: {
        entryPage: pages[0],
        exitPage: pages[pages.length - 1],
        source: pick(SOURCES),
        browser: pick(BROWSERS),
        os: pick(["Windows", "macOS", "iOS", "Android", "Linux"]),
        device: next() < 0.6 ? "Desktop" : next() < 0.9 ? "Mobile" : "Tablet",
        country: pick(COUNTRIES),
        language: pick(["en", "de", "fr", "ja"]),
        screen: pick(["Desktop", "Laptop", "Tablet", "Mobile"]),
      },
    });
  }
  return visits;
}

function eventsOfVisit(next: () => number) {
  const events: { event: string; props: { key: string; value: string }[]; revenue: number }[] = [];
  if (next() < 1 / 12) events.push({ event: "Signup", props: [{ key: "plan", value: next() < 1 / 3 ? "pro" : "free" }], revenue: 0 });
  if (next() < 1 / 30) {
    events.push({ event: "Begin Checkout", props: [{ key: "plan", value: "pro" }], revenue: 0 });
    if (next() < 0.6) events.push({ event: "Purchase", props: [{ key: "plan", value: "pro" }], revenue: 2900 });
  }
  return events;
}

async function seed(t: TestConvex): Promise<void> {
  await t.mutation(internal.stats.createGoal, { name: "Sign-ups", event: "Signup" });
  await t.mutation(internal.stats.createGoal, { name: "Read a post", page: "/blog/*" });
  await t.mutation(internal.stats.createGoal, { name: "Started checkout", event: "Begin Checkout" });
  await t.mutation(internal.stats.createGoal, { name: "Purchases", event: "Purchase" });
  await t.mutation(internal.stats.createFunnel, { name: "Checkout", steps: ["Read a post", "Started checkout", "Purchases"] });
  const next = random(5);
  for (let d = DAYS - 1; d >= 0; d--) {
    const visits = visitsOfDay(today - d * DAY, next, (DAYS - d) * VISITS_PER_DAY);
    await t.runInStats(async (ctx) => {
      const appends = startBlockAppends();
      for (const visit of visits) await appendToBlock(ctx, appends, visit);
      await finishVisitBlocks(ctx, appends);
    });
  }
}

type Call = { name: string; query: "summary" | "timeseries" | "breakdown" | "dashboardStats" | "funnel"; args: Record<string, unknown>; steps?: true };
const days = (count: number) => ({ from: today - (count - 1) * DAY, to: NOW - (NOW % MINUTE) + MINUTE });
const EVERY_VISIT = [{ property: "country", op: "isNot", value: "ZZ" }];
const NOT_GOOGLE_NOT_TABLET = [
  { property: "source", op: "isNot", value: "blog.example.org" },
  { property: "device", op: "isNot", value: "Tablet" },
];
const PURCHASES = [{ property: "goal", op: "is", value: "Purchases" }];
const THREE = [
  { property: "page", op: "contains", value: "POST" },
  { property: "browser", op: "isNot", value: "Samsung Internet" },
  { property: "country", op: "isNot", value: "ZZ" },
];
const CALLS: Call[] = [
  { name: "summary [country≠ZZ: every visit], 30 days", query: "summary", args: { ...days(30), filters: EVERY_VISIT } },
  { name: "timeseries [country≠ZZ] by day, 30 days", query: "timeseries", args: { ...days(30), filters: EVERY_VISIT, interval: "day" } },
  { name: "breakdown [source≠blog.example.org, device≠Tablet] → country, 30 days", query: "breakdown", args: { ...days(30), filters: NOT_GOOGLE_NOT_TABLET, property: "country" } },
  { name: "breakdown [page∋post, browser≠Samsung Internet, country≠ZZ] → page, 30 days", query: "breakdown", args: { ...days(30), filters: THREE, property: "page" } },
  {
    name: "dashboardStats [source≠blog.example.org, device≠Tablet]: summary, series, 4 breakdowns, 30 days",
    query: "dashboardStats",
    args: {
      range: {
        ...days(30),
        filters: NOT_GOOGLE_NOT_TABLET,
        interval: "day",
        breakdowns: [{ property: "page" }, { property: "source" }, { property: "browser" }, { property: "country" }],
      },
    },
  },
  { name: "summary [country≠ZZ], 90 days", query: "summary", args: { ...days(90), filters: EVERY_VISIT } },
  { name: "breakdown [page∋post, browser≠Samsung Internet, country≠ZZ] → page, 90 days (past the scan: refused)", query: "breakdown", args: { ...days(90), filters: THREE, property: "page" } },
  { name: "summary [country≠ZZ], 180 days (past the scan: refused)", query: "summary", args: { ...days(180), filters: EVERY_VISIT } },
  { name: "summary [goal Purchases], 30 days", query: "summary", args: { ...days(30), filters: PURCHASES }, steps: true },
  { name: "breakdown [source≠blog.example.org, device≠Tablet] → goal, 30 days", query: "breakdown", args: { ...days(30), filters: NOT_GOOGLE_NOT_TABLET, property: "goal" }, steps: true },
  { name: "breakdown → goal (a page goal: one scan), 30 days", query: "breakdown", args: { ...days(30), property: "goal" }, steps: true },
  { name: "breakdown [goal Purchases] → prop:plan, 30 days", query: "breakdown", args: { ...days(30), filters: PURCHASES, property: "prop:plan" }, steps: true },
  {
    name: "dashboardStats [goal Purchases]: summary, series, source, goals, 30 days",
    query: "dashboardStats",
    args: { range: { ...days(30), filters: PURCHASES, interval: "day", breakdowns: [{ property: "source" }, { property: "goal" }] } },
    steps: true,
  },
  { name: "funnel Checkout (3 steps), 30 days", query: "funnel", args: { ...days(30), funnel: "Checkout" }, steps: true },
  { name: "funnel Checkout [device≠Tablet], 30 days", query: "funnel", args: { ...days(30), funnel: "Checkout", filters: [{ property: "device", op: "isNot", value: "Tablet" }] }, steps: true },
  { name: "summary [goal Purchases], 90 days (past the scan: refused)", query: "summary", args: { ...days(90), filters: PURCHASES }, steps: true },
];

const n = (value: number) => value.toLocaleString("en-US");

test("filters at 100,000 matching visits", async () => {
  const t = createTestConvex({ transactionLimits: false });
  const started = Date.now();
  await seed(t);
  const stored = await t.runInStats(async (ctx) => {
    const docs = await ctx.db.query("visitBlocks").collect();
    return { docs: docs.length, bytes: docs.reduce((sum, doc) => sum + doc.bytes, 0) };
  });
  console.log(`seeded ${n(DAYS * VISITS_PER_DAY)} visits in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const rows: string[] = [];
  for (const call of CALLS) {
    const { result, cost } = await measure(t, async (ctx) => {
      try {
        return await ctx.runQuery(api.stats[call.query] as never, call.args as never);
      } catch (error) {
        return { refused: (error as { data?: unknown }).data };
      }
    });
    const filters = (call.args.filters ?? (call.args.range as { filters?: unknown } | undefined)?.filters) as never;
    const range = (call.args.range ?? call.args) as { from: number; to: number };
    // A funnel's filters are of visits; the visits it counts are those that reached its first step.
    const matching =
      call.query === "funnel"
        ? Array.isArray(result)
          ? { visits: (result as { visits: number }[])[0].visits }
          : null
        : await t.query(api.stats.summary, { from: range.from, to: range.to, filters }).catch(() => null);
    rows.push(row(call, result, cost, matching?.visits ?? null));
  }
  const text = [
    `A busy site's last ${DAYS} days packed into visit blocks, ${n(VISITS_PER_DAY)} visits a day (${n(DAYS * VISITS_PER_DAY)} in all): ${n(stored.docs)} block documents, ${(stored.bytes / MiB).toFixed(1)} MiB, ${(stored.bytes / (DAYS * VISITS_PER_DAY)).toFixed(1)} bytes a visit.`,
    `A scan stops at ${n(FILTER_SCAN_MAX_DOCS)} documents or ${(FILTER_SCAN_MAX_BYTES / MiB).toFixed(0)} MiB (FILTER_SCAN_MAX_DOCS, FILTER_SCAN_MAX_BYTES); the budget is half of Convex's read limits: ${n(BUDGET.documentsRead)} documents and ${BUDGET.bytesRead / MiB} MiB a call.`,
    `A scan of visits' steps (goals, events and funnels: marked †) stops at ${n(STEPS_SCAN_MAX_DOCS)} documents or ${(STEPS_SCAN_MAX_BYTES / MiB).toFixed(1)} MiB (STEPS_SCAN_MAX_DOCS, STEPS_SCAN_MAX_BYTES); their budget is issue 21's: ${n(STEPS_BUDGET.documentsRead)} documents and ${STEPS_BUDGET.bytesRead / MiB} MiB a call.`,
    "",
    "| call | matching visits | documents read | bytes read | within budget |",
    "|---|---:|---:|---:|:-:|",
    ...rows,
    "",
  ].join("\n");
  console.log(text);
  writeFileSync(OUTPUT, `<!-- Generated by \`npm run bench\` (tests/bench/filters.bench.ts). -->\n\n${text}`);
});

function row(call: Call, result: unknown, cost: Cost, matching: number | null): string {
  const refused = (result as { refused?: { code: string; availableFrom?: number } }).refused;
  const answer =
    refused === undefined
      ? n(matching ?? 0)
      : `refused (${refused.code}${refused.availableFrom ? `: answers from ${new Date(refused.availableFrom).toISOString().slice(0, 10)}` : ""})`;
  const budget = call.steps ? STEPS_BUDGET : BUDGET;
  const within = cost.documentsRead <= budget.documentsRead && cost.bytesRead <= budget.bytesRead;
  return `| ${call.name}${call.steps ? " †" : ""} | ${answer} | ${n(cost.documentsRead)} | ${(cost.bytesRead / MiB).toFixed(2)} MiB | ${within ? "✓" : "✗"} |`;
}
