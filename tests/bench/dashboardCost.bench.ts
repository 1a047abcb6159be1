// @vitest-environment happy-dom
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createElement } from "react";
import { act, cleanup, render } from "@testing-library/react";
import { test, vi } from "vitest";
import { ConvexProvider, type ConvexReactClient } from "convex/react";
import { api } from "../../convex/_generated/api";
import { createFunnel } from "../../src/component/operate/funnels";
import { createGoal } from "../../src/component/operate/goals";
import { DEMO_FUNNELS, DEMO_GOALS } from "../../tools/demo/goals";
import { StatsDashboard } from "../../src/react";
import { HEARTBEAT_INTERVAL_MS, PANELS_REFRESH_MS, VISIT_PROPERTIES, WATCH_LEASE_MS, WATCH_RENEW_MS, WORKER_DEBOUNCE_MS, WORKER_UNWATCHED_DEBOUNCE_MS, type VisitProperty } from "../../src/shared/config";
import { BucketClock, propertyScope, SITE_SCOPE, type BucketLevel, type ScopeGroup } from "../../src/component/derive/timeBuckets";
import { DAY, MINUTE, T0 } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { STATS_COMPONENT } from "../support/convexBackend";
import { CostMeter, siteCrons, type CallTotals } from "../support/costMeter";
import { insertRows } from "../support/seed";
import { SubscriptionMeter, type QueryRuns } from "../support/subscriptionMeter";
import { blogPages, trackerTraffic, type TrackerCall } from "../support/trackerTraffic";
import { isPanelsQuestion } from "../support/rangeQueries";

/**
 * `npm run bench`: what an open dashboard costs while traffic flows (issue 19;
 * README, "Cost per view"). `<StatsDashboard api={api.stats} />` is rendered
 * (happy-dom) on a client that re-runs a subscribed query the way a Convex
 * deployment does, when a commit writes into what its last run read
 * (tests/support/subscriptionMeter.ts), and counts each run and its bytes read.
 * The traffic: a steady view a second through the blog's public calls, with
 * every heartbeat of its visitors' trackers (tests/support/trackerTraffic.ts),
 * the stats worker and the cron running as in production
 * (tests/support/costMeter.ts). After a warm-up long enough for the first
 * visits to settle, the dashboard is held open with its tab visible, and
 * (on a second deployment, the same traffic) hidden. Fake time; writes
 * dashboardCost.results.md; about 3 minutes (4 before the hidden tab paused:
 * it re-ran as much as a visible one).
 */

// A path, not a URL: under happy-dom the global URL is happy-dom's, which node:fs does not take.
const OUTPUT = join(import.meta.dirname, "dashboardCost.results.md");
// The real clock, taken before any timer is faked, to print how long the bench took.
const realNow = performance.now.bind(performance);
const HOUR = 60 * MINUTE;
const VIEWS_PER_SECOND = 1;
/** A Thursday morning (UTC, the site's zone). */
const START = T0 + 3 * DAY + 9 * HOUR;
/** Traffic before the dashboard opens: the visits in progress (those of about the last half hour) are at their steady number by then. */
const WARM_UP_MS = 35 * MINUTE;
/** Once open (visible), the worker first folds the traffic that waited for a dashboard (unwatched, views wait up to an hour): measured after it. */
const CATCH_UP_MS = MINUTE;
/** How long the dashboard is held open in each state (DASHBOARD_BENCH_MINUTES; a minute takes about a minute of real time now); figures are scaled to an hour. */
const MEASURED_MS = Number(process.env.DASHBOARD_BENCH_MINUTES ?? 1) * MINUTE;
/** Days of history before the measured day, as the worker leaves them (seedHistory): the dashboard's 30 days read them. */
const HISTORY_DAYS = 29;
/** How many values each property had over those days (pages: the blog's): the rows a 30-day panel ranks and reads. */
const HISTORY_VALUES: Record<Exclude<VisitProperty, "entryPage" | "exitPage">, number> = {
  source: 15,
  referrer: 25,
  utmSource: 5,
  utmMedium: 4,
  utmCampaign: 6,
  browser: 8,
  os: 6,
  device: 3,
  country: 40,
  language: 20,
  screen: 12,
};
/** Issue 19's budget for an open dashboard during steady traffic of a view a second. */
const BUDGET = { visible: { callsPerSecond: 1, bytesPerHour: 20e6 }, hidden: { callsPerSecond: 0, bytesPerHour: 0 } };

// `worker`: what the scheduled runs (the stats worker's loop and monitor) cost meanwhile; their cadence follows the dashboard's lease.
type Phase = { name: "visible" | "hidden"; runs: Map<string, QueryRuns>; worker: CallTotals; subscribed: { name: string; args: unknown }[]; views: number; heartbeats: number };

const readRuns = (meter: SubscriptionMeter) => new Map([...meter.runs.entries()].map(([name, runs]) => [name, { ...runs }]));

function runsSince(meter: SubscriptionMeter, before: Map<string, QueryRuns>): Map<string, QueryRuns> {
  const since = new Map<string, QueryRuns>();
  for (const [name, runs] of meter.runs) {
    const earlier = before.get(name) ?? { runs: 0, documentsRead: 0, bytesRead: 0 };
    since.set(name, { runs: runs.runs - earlier.runs, documentsRead: runs.documentsRead - earlier.documentsRead, bytesRead: runs.bytesRead - earlier.bytesRead });
  }
  return since;
}

/** Shows or hides the tab, as a browser does: visibilityState, hidden, and a visibilitychange event. */
function setTabVisible(visible: boolean): void {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (visible ? "visible" : "hidden") });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => !visible });
  document.dispatchEvent(new Event("visibilitychange"));
}

const inSpan = (calls: TrackerCall[], from: number, to: number) => calls.filter((call) => call.at >= from && call.at < to);

/**
 * The HISTORY_DAYS before `today` as the worker leaves them, rolled up (prds/rollup.md): a day, week and month bucket
 * per page and for the site, a day and month bucket per property value, each with a histogram of 12 previous minutes.
 * Their figures are made up, not a recount's (no view is behind them): what matters here is which rows a 30-day
 * dashboard reads, and their size. A property's values and the pages are as popular as a site's are, the n-th
 * getting 1/n of the first's figures (ties between values would leave a ranking unproven until the whole range is read).
 */
async function seedHistory(t: TestConvex, today: number): Promise<void> {
  const clock = new BucketClock("UTC");
  const pages = blogPages(40).map(({ path }) => path);
  const scopes: { group: ScopeGroup; scope: string; share: number }[] = [
    { group: "site", scope: SITE_SCOPE, share: 1 },
    ...pages.map((path, i) => ({ group: "page" as const, scope: path, share: 1 / (i + 1) })),
    ...VISIT_PROPERTIES.flatMap((property) => {
      const values = property === "entryPage" || property === "exitPage" ? pages : Array.from({ length: HISTORY_VALUES[property] }, (_, i) => `${property} ${i + 1}`);
      return values.map((value, i) => ({ group: property, scope: propertyScope(property, value), share: 1 / (i + 1) }));
    }),
  ];
  const rows = new Map<string, { scope: string; group: ScopeGroup; level: BucketLevel; start: number; days: number; share: number }>();
  for (let day = today - HISTORY_DAYS * DAY; day < today; day += DAY) {
    const starts = clock.startsOf(day / MINUTE);
    for (const { group, scope, share } of scopes) {
      const levels: BucketLevel[] = group === "site" || group === "page" ? ["day", "week", "month"] : ["day", "month"];
      for (const level of levels) {
        const key = `${scope}|${level}|${starts[level]}`;
        const row = rows.get(key) ?? { scope, group, level, start: starts[level], days: 0, share };
        row.days++;
        rows.set(key, row);
      }
    }
  }
  await insertRows(
    t,
    "timeBuckets",
    [...rows.values()].map(({ days, share, ...row }) => {
      const first = row.start / MINUTE - 12 * DAY / MINUTE;
      const n = (perDay: number) => Math.max(1, Math.round(perDay * days * share));
      return { ...row, pageviews: n(200), visitors: 36, prevs: Array.from({ length: 12 }, (_, k) => [first + k * 97, 3]).flat(), visits: n(120), bounces: n(50), visitViews: n(200), durationMs: n(9_000_000) };
    }),
    500,
  );
}

/** The dashboard's question of its breakdowns, asked at their own pace (PANELS_REFRESH_MS), apart from its live one. */
const labelOf = (name: string, args: Record<string, unknown>) => (name === "stats:dashboardStats" && isPanelsQuestion(args) ? `${name} (panels)` : name);

/**
 * A deployment that has had WARM_UP_MS of the traffic, then the dashboard opened (visible, as a
 * visitor opens it) and the tab left `tab`, held open for MEASURED_MS of the same traffic: what its
 * queries ran meanwhile. Each tab state gets its own deployment, so both see exactly the same calls.
 */
async function holdOpen(tab: Phase["name"], calls: TrackerCall[]): Promise<{ phase: Phase; firstRuns: QueryRuns }> {
  vi.setSystemTime(START);
  const t = createTestConvex();
  const traffic = new CostMeter(t);
  const dashboard = new SubscriptionMeter(t, labelOf);
  try {
    const opened = START + WARM_UP_MS;
    const caughtUp = opened + CATCH_UP_MS;
    const closed = caughtUp + MEASURED_MS;
    const crons = siteCrons(STATS_COMPONENT);
    await seedHistory(t, START - (START % DAY));
    // The demo's goals (one of a page: buckets of its own) and its Checkout funnel, which the dashboard's Goals and Funnels panels show.
    await t.runInStats(async (ctx) => {
      for (const goal of DEMO_GOALS) await createGoal(ctx, goal, START);
      for (const funnel of DEMO_FUNNELS) await createFunnel(ctx, funnel, START);
    });
    await traffic.replay(inSpan(calls, START, opened), { crons, until: opened });
    // Re-run what commits made due, and let React render the results (a query it then subscribes to runs at once).
    const settleDashboard = async () => {
      for (let rounds = 0; dashboard.anyDue(); rounds++) {
        if (rounds === 50) throw new Error("the dashboard's subscriptions never settled");
        await act(() => dashboard.flush());
      }
    };
    history.replaceState(null, "", "/stats");
    setTabVisible(true);
    render(createElement(ConvexProvider, { client: dashboard as unknown as ConvexReactClient }, createElement(StatsDashboard, { api: api.stats })));
    await settleDashboard();
    const firstRuns = dashboard.total();
    await traffic.replay(inSpan(calls, opened, caughtUp), { crons, until: caughtUp, afterStep: settleDashboard });
    await act(async () => setTabVisible(tab === "visible"));
    await settleDashboard();
    const before = readRuns(dashboard);
    const subscribed = dashboard.subscribed();
    const spentBefore = traffic.reading();
    const sent = await traffic.replay(inSpan(calls, caughtUp, closed), { crons, until: closed, afterStep: settleDashboard });
    const worker = traffic.since(spentBefore).bySource.scheduled;
    const failed = dashboard.failed();
    if (failed.length > 0) throw new Error(`dashboard queries failed: ${failed.join(", ")}`);
    return { phase: { name: tab, runs: runsSince(dashboard, before), worker, subscribed, ...sent }, firstRuns };
  } finally {
    cleanup();
    dashboard.dispose();
    traffic.dispose();
  }
}

test("what an open dashboard costs during a view a second, visible and hidden", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  const started = realNow();
  try {
    const end = START + WARM_UP_MS + CATCH_UP_MS + MEASURED_MS;
    const calls = trackerTraffic({ from: START, to: end, viewsPerDay: VIEWS_PER_SECOND * 86_400, pages: blogPages(40), seed: 19, steady: true, events: true });
    const visible = await holdOpen("visible", calls);
    const hidden = await holdOpen("hidden", calls);
    const text = report([visible.phase, hidden.phase], visible.firstRuns);
    console.log(text);
    console.log(`simulated twice ${n((end - START) / MINUTE)} minutes in ${n((realNow() - started) / 1000)} s of real time`);
    writeFileSync(OUTPUT, `<!-- Generated by \`npm run bench\` (tests/bench/dashboardCost.bench.ts). -->\n\n${text}`);
  } finally {
    vi.useRealTimers();
  }
});

// ---------------------------------------------------------------------------------------------
// Report

const n = (x: number, digits = 0) => x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const PER_HOUR = HOUR / MEASURED_MS;
const sum = (runs: Map<string, QueryRuns>) =>
  [...runs.values()].reduce((total, each) => ({ runs: total.runs + each.runs, documentsRead: total.documentsRead + each.documentsRead, bytesRead: total.bytesRead + each.bytesRead }), {
    runs: 0,
    documentsRead: 0,
    bytesRead: 0,
  });

function report(phases: Phase[], firstRuns: QueryRuns): string {
  const [visible, hidden] = phases;
  const names = [...new Set(phases.flatMap((phase) => [...phase.runs.keys()]))].sort();
  const cell = (phase: Phase, name: string) => {
    const runs = phase.runs.get(name) ?? { runs: 0, documentsRead: 0, bytesRead: 0 };
    return `${n((runs.runs * PER_HOUR) / 3600, 2)} | ${n((runs.bytesRead * PER_HOUR) / 1e6, 1)} MB`;
  };
  const totalRow = (phase: Phase) => {
    const total = sum(phase.runs);
    const budget = BUDGET[phase.name];
    return `| ${phase.name} | ${n((total.runs * PER_HOUR) / 3600, 2)} (budget ≤ ${budget.callsPerSecond}) | ${n(total.runs * PER_HOUR)} | ${n((total.bytesRead * PER_HOUR) / 1e6, 1)} MB (budget ≤ ${n(budget.bytesPerHour / 1e6)} MB) | ${n(total.documentsRead * PER_HOUR)} | ${n((total.runs * PER_HOUR * 24))} |`;
  };
  return [
    `An open \`<StatsDashboard api={api.stats} />\` (its default range, the last 30 days) during steady traffic of ${VIEWS_PER_SECOND} view a second:`,
    `its queries' re-runs and its watch lease's renewals (\`stats:watchDashboard\`, every ${WATCH_RENEW_MS / 1000} s while visible), each a function call, and what they read, per hour.`,
    "",
    "| tab | function calls a second | a hour | bytes read a hour | documents read a hour | calls a day |",
    "|---|---:|---:|---:|---:|---:|",
    ...phases.map(totalRow),
    "",
    "The stats worker meanwhile (its scheduled runs, which fold the traffic; not the dashboard's calls, but what its lease sets:",
    `watched, the worker waits ${WORKER_DEBOUNCE_MS / 1000} s after each batch; unwatched, ${WORKER_UNWATCHED_DEBOUNCE_MS / 3_600_000} hours):`,
    "",
    "| tab | worker runs a second | bytes read + written a hour | documents written a hour |",
    "|---|---:|---:|---:|",
    ...phases.map(
      ({ name, worker }) =>
        `| ${name} | ${n((worker.calls * PER_HOUR) / 3600, 2)} | ${n(((worker.bytesRead + worker.bytesWritten) * PER_HOUR) / 1e6, 1)} MB | ${n(worker.documentsWritten * PER_HOUR)} |`,
    ),
    "",
    `By query (calls a second | bytes read a hour; \`stats:dashboardStats (panels)\` is the question of the breakdown panels and the Goals panel, asked again at most every ${PANELS_REFRESH_MS / 1000} s once the live one changed):`,
    "",
    `| query | ${phases.map((phase) => `${phase.name}: calls a second | ${phase.name}: bytes read a hour`).join(" | ")} |`,
    `|---|${phases.map(() => "---:|---:").join("|")}|`,
    ...names.map((name) => `| ${name} | ${phases.map((phase) => cell(phase, name)).join(" | ")} |`),
    "",
    `The subscriptions the dashboard holds while visible (${visible.subscribed.length}; identical ones share a query, as in Convex's client;`,
    `while hidden: ${hidden.subscribed.length}):`,
    "",
    "| query | arguments |",
    "|---|---|",
    ...visible.subscribed.map(({ name, args }) => `| ${name} | \`${JSON.stringify(args)}\` |`),
    "",
    "## How it is measured",
    "",
    `- The dashboard is the package's \`<StatsDashboard>\` rendered in happy-dom on \`tests/support/subscriptionMeter.ts\`, a client that`,
    "  re-runs a subscribed query as a Convex deployment does: when a committed write (a visitor's call, a worker batch, the cron,",
    "  any scheduled run) lands in what the query's last run read (its read set, recorded by `tests/support/recordedReads.ts`).",
    "  A re-run counts whether or not its result changed (Convex bills it either way); its bytes read are Convex's transaction counter.",
    `- Traffic: the demo's visits (\`tests/support/trackerTraffic.ts\`) spread evenly over time, ${VIEWS_PER_SECOND} view a second with every`,
    `  heartbeat (one with each view, every ${HEARTBEAT_INTERVAL_MS / 1000} s while a page is open, and one as a visit's reader leaves), through \`api.stats.recordPageView\` and \`api.stats.heartbeat\`;`,
    "  the worker's runs at their due times and the cron at its cadence (`tests/support/costMeter.ts`). While the dashboard's lease",
    `  holds (it takes it when it opens; hidden, it renews nothing and the lease lapses ${WATCH_LEASE_MS / 1000} s later), the worker waits ${WORKER_DEBOUNCE_MS / 1000} s after each batch.`,
    `- ${n(WARM_UP_MS / MINUTE)} minutes of traffic before the dashboard opens (the visits of the last half hour are at their steady number;`,
    `  unwatched, they wait to be folded); the dashboard opens in a visible tab and the worker catches up for ${n(CATCH_UP_MS / MINUTE)} minute of the`,
    `  traffic (not in the figures: opening costs it once), then the tab stays visible, or is`,
    `  hidden (\`document.visibilityState\` and a \`visibilitychange\` event), for ${n(MEASURED_MS / MINUTE)} minute${MEASURED_MS === MINUTE ? "" : "s"} of the same traffic`,
    `  (${n(phases[0].views)} views and ${n(phases[0].heartbeats)} heartbeats; each tab state on a deployment of its own), scaled to the hour. Fake time.`,
    "  The figures vary with the minute of traffic measured (DASHBOARD_BENCH_MINUTES measures longer); the same traffic always",
    "  gives the same figures, so a change to the dashboard or the engine compares exactly.",
    `- Opening the dashboard ran ${n(firstRuns.runs)} queries that read ${n(firstRuns.bytesRead / 1e3, 1)} kB (not in the figures above).`,
    `- The site has ${HISTORY_DAYS} days of history before this traffic, as the worker leaves them once rolled up (seedHistory: a day, week`,
    "  and month bucket per page and for the site, a day and month bucket per property value, every value on every day; figures",
    "  and histograms a ceiling's, not a recount's), so the 30-day range reads what it would on a site a month old at this pace.",
    "",
  ].join("\n");
}
