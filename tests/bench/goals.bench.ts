import { writeFileSync } from "node:fs";
import { test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { GOALS_MAX } from "../../src/shared/config";
import { finishPageViewFold, startPageViewFold } from "../../src/component/derive/foldPageViews";
import { foldEventIntoTime } from "../../src/component/derive/timeBuckets";
import { markGoalsFolded } from "../../src/component/derive/goalBuckets";
import { DAY, MINUTE } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { MiB, measure } from "../support/metrics";
import { random, sessionId, type ViewRow } from "../support/seed";
import { insertAndFoldViews } from "../support/timeTruth";

/**
 * `npm run bench`: what conversions read from time buckets (prds/events.md), against issue 21's budget of 8,000
 * documents and 4 MiB a call for ranges up to two years. Two years of a site's views and custom events, folded by the
 * worker's own code: 50 event names (a few common), each with a `plan` property, and GOALS_MAX goals of them (each
 * name, reading its event's buckets, and each name narrowed to one plan, with buckets of its own): a breakdown by goal
 * reads every goal's buckets.
 */
const OUTPUT = new URL("./goals.results.md", import.meta.url);
const NOW = Date.UTC(2026, 10, 23, 14, 37);
const FIRST = NOW - 730 * DAY;
const HOUR = 60 * MINUTE;
const today = NOW - (NOW % DAY);
const VIEWS = 20_000;
const EVENTS = 20_000;
const NAMES = 50;
const BUDGET = { documentsRead: 8_000, bytesRead: 4 * MiB };

type EventRow = { sessionId: string; name: string; timestamp: number; props: { key: string; value: string }[] };

/** Views and events over two years from visitors who return days or weeks apart: each event a minute after a view of its session. */
function generate(): { views: ViewRow[]; events: EventRow[] } {
  const next = random(21);
  const views: ViewRow[] = [];
  const events: EventRow[] = [];
  for (let session = 0; views.length < VIEWS; session++) {
    let at = FIRST + Math.floor(next() * 730 * DAY);
    for (let visit = 0, visits = 1 + Math.floor(next() * 4); visit < visits && at < NOW; visit++) {
      views.push({ path: `/page-${Math.floor(1_000 * next() ** 3)}`, pageType: "post", sessionId: sessionId(session), timestamp: at });
      if (events.length < EVENTS && next() < EVENTS / VIEWS) {
        const plan = ["free", "pro", "team"][Math.floor(next() * 3)];
        events.push({ sessionId: sessionId(session), name: `Event ${1 + Math.floor(NAMES * next() ** 2)}`, timestamp: at + MINUTE, props: [{ key: "plan", value: plan }] });
      }
      at += Math.floor(next() * 20 * DAY);
    }
  }
  const before = (row: { timestamp: number }) => row.timestamp < NOW;
  return { views: views.filter(before).sort((a, b) => a.timestamp - b.timestamp), events: events.filter(before).sort((a, b) => a.timestamp - b.timestamp) };
}

async function seed(t: TestConvex): Promise<number> {
  const { views, events } = generate();
  // Goals first: the fold counts each row into the goals with buckets of their own, as a backfill's walk does.
  for (let name = 1; name <= NAMES && name * 2 <= GOALS_MAX; name++) {
    await t.mutation(internal.stats.createGoal, { name: `Goal ${name}`, event: `Event ${name}` });
    await t.mutation(internal.stats.createGoal, { name: `Goal ${name} (pro)`, event: `Event ${name}`, props: [{ key: "plan", value: "pro" }] });
  }
  await insertAndFoldViews(t, views, 200);
  for (let i = 0; i < events.length; i += 200) {
    await t.runInStats(async (ctx) => {
      const fold = startPageViewFold();
      for (const event of events.slice(i, i + 200)) {
        await ctx.db.insert("customEvents", { ...event, path: "/", committedAt: undefined });
        await foldEventIntoTime(ctx, fold.time, event);
      }
      await finishPageViewFold(ctx, fold);
    });
  }
  await t.runInStats((ctx) => markGoalsFolded(ctx));
  return events.length;
}

const CALLS = [
  { name: `breakdown → goal (${GOALS_MAX} goals), last 2 years`, args: { property: "goal", from: FIRST + 17 * MINUTE, to: NOW - (NOW % MINUTE) + MINUTE } },
  { name: `breakdown → goal (${GOALS_MAX} goals), last 30 days`, args: { property: "goal", from: today - 29 * DAY, to: NOW - (NOW % MINUTE) + MINUTE } },
  { name: `breakdown → goal (${GOALS_MAX} goals), last 7 days`, args: { property: "goal", from: today - 6 * DAY, to: NOW - (NOW % MINUTE) + MINUTE } },
  { name: "breakdown → event, top 10, last 2 years", args: { property: "event", from: FIRST + 17 * MINUTE, to: NOW - (NOW % MINUTE) + MINUTE } },
  { name: "breakdown [event Event 1] → prop:plan, last 2 years (whole hours)", args: { property: "prop:plan", from: FIRST - (FIRST % HOUR) + HOUR, to: NOW - (NOW % HOUR), filters: [{ property: "event", op: "is", value: "Event 1" }] } },
];

const n = (value: number) => value.toLocaleString("en-US");

test("goals and events from their buckets over two years", async () => {
  const t = createTestConvex({ transactionLimits: false });
  const events = await seed(t);
  const rows: string[] = [];
  for (const call of CALLS) {
    const { result, cost } = await measure(t, (ctx) => ctx.runQuery(api.stats.breakdown, call.args as never));
    const within = cost.documentsRead <= BUDGET.documentsRead && cost.bytesRead <= BUDGET.bytesRead;
    rows.push(`| ${call.name} | ${n((result as unknown[]).length)} | ${n(cost.documentsRead)} | ${(cost.bytesRead / MiB).toFixed(2)} MiB | ${within ? "✓" : "✗"} |`);
  }
  const text = [
    `Two years of ${n(VIEWS)} views and ${n(events)} custom events (${NAMES} names, a \`plan\` property each), folded by the worker's code; ${GOALS_MAX} goals (GOALS_MAX): each name, and each name narrowed to one plan.`,
    `Budget (issue 21): ${n(BUDGET.documentsRead)} documents and ${BUDGET.bytesRead / MiB} MiB a call.`,
    "",
    "| call | rows | documents read | bytes read | within budget |",
    "|---|---:|---:|---:|:-:|",
    ...rows,
    "",
  ].join("\n");
  console.log(text);
  writeFileSync(OUTPUT, `<!-- Generated by \`npm run bench\` (tests/bench/goals.bench.ts). -->\n\n${text}`);
});
