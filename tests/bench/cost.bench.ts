import { writeFileSync } from "node:fs";
import { test, vi } from "vitest";
import { HEARTBEAT_INTERVAL_MS, VISIT_SETTLE_GRACE_MS, VISIT_TIMEOUT_MS, WORKER_UNWATCHED_DEBOUNCE_MS, WORKER_UNWATCHED_FOLD_MS } from "../../src/shared/config";
import { DAY, MINUTE, T0 } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { STATS_COMPONENT } from "../support/convexBackend";
import {
  CostMeter,
  SYSTEM_INDEXES_PER_DOCUMENT,
  committedRows,
  documentJsonBytes,
  indexesPerDocument,
  siteCrons,
  storedTables,
  type CallSource,
  type CallTotals,
  type Flow,
  type TableStorage,
} from "../support/costMeter";
import { blogPages, trackerTraffic } from "../support/trackerTraffic";
import { detailWindows } from "../../src/component/derive/rollup";

/**
 * `npm run bench`: what a page view costs a site, end to end (issue 19's
 * "before"; README, "Cost per view"). A site's traffic goes through the blog's
 * public calls as its visitors' trackers send it (tests/support/trackerTraffic.ts:
 * the demo's visits, with referrers, UTM tags, browsers, places and screens,
 * and every heartbeat: one with each view, one every HEARTBEAT_INTERVAL_MS, and one as a visit's reader leaves);
 * the stats worker and every other scheduled job run at their due times, and the
 * site's cron at its own cadence (tests/support/costMeter.ts). Every function's
 * cost is read from Convex's transaction counters (tests/support/transactionObserver.ts).
 *
 * Two paces: a small site (500 views a day, a whole day simulated) and a busy
 * one (5,000 a day, the 12 hours that carry half of a day's views, or the whole
 * day with COST_BENCH_FULL_DAY=1, about 3 minutes more). Then a day of the small
 * site with no visitors. Writes cost.results.md; about 2 minutes on 2 cores.
 */

// The real clock, taken before any timer is faked, to print how long each simulation took.
const realNow = performance.now.bind(performance);
const OUTPUT = new URL("./cost.results.md", import.meta.url);
const FULL_DAY = process.env.COST_BENCH_FULL_DAY === "1";
const HOUR = 60 * MINUTE;
/** The demo's model plans this many days of traffic before the simulated span (its growth and returning visitors in their stride); they are not simulated. */
const HISTORY_DAYS = 3;
/** The simulated day starts here (a Thursday, UTC; the site's zone is UTC). */
const DAY_START = T0 + HISTORY_DAYS * DAY;
/** After the last call: every visit has ended, settled (timeout and grace), and the last views have waited to be folded (unwatched) and been folded. */
const SETTLE_TAIL_MS = Math.max(VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS, WORKER_UNWATCHED_FOLD_MS) + WORKER_UNWATCHED_DEBOUNCE_MS + 5 * MINUTE;
const PAGES = blogPages(40);
/** The steady state the storage budget is measured in: every detail window has passed (prds/rollup.md). */
const STEADY_DAYS = 90;
const WINDOWS = detailWindows();

/** Issue 19's budgets, per view (storage after 90 days; I/O of everything but dashboards) and per idle day. */
const BUDGET = { jsonBytes: 600, indexEntries: 15, ioBytes: 12 * 1024, scheduledRuns: 1, documentsWritten: 15, idleCallsPerDay: 300 };

type Site = { name: string; viewsPerDay: number; from: number; to: number; span: string; events?: boolean };

const SITES: Site[] = [
  { name: "small site", viewsPerDay: 500, from: DAY_START, to: DAY_START + DAY, span: "a whole day, 00:00 to 24:00" },
  FULL_DAY
    ? { name: "busy site", viewsPerDay: 5_000, from: DAY_START, to: DAY_START + DAY, span: "a whole day, 00:00 to 24:00" }
    : {
        name: "busy site",
        viewsPerDay: 5_000,
        from: DAY_START + 15 * HOUR,
        to: DAY_START + 27 * HOUR,
        span: "12 hours, 15:00 to 03:00 (the afternoon peak to the night's lull: half of the model's daily views)",
      },
];

type SiteResult = {
  site: Site;
  views: number;
  heartbeats: number;
  visits: number;
  flow: Flow;
  /** As stored once every visit has settled, every detail still there. */
  storage: TableStorage[];
  /** The span's rows once the minute window has passed, then once the hour window has (each rollup run by the cron and the worker). */
  minutesRolledUp: TableStorage[];
  hoursRolledUp: TableStorage[];
  bucketLevels: { level: string; documents: number; jsonBytes: number }[];
  idle?: Flow;
  events: number;
};

async function simulate(site: Site, withIdleDay: boolean): Promise<SiteResult> {
  vi.setSystemTime(site.from);
  const t = createTestConvex();
  const meter = new CostMeter(t);
  try {
    const calls = trackerTraffic({ from: site.from, to: site.to, viewsPerDay: site.viewsPerDay, pages: PAGES, seed: 19, historyDays: HISTORY_DAYS, events: site.events });
    const events = calls.filter((call) => call.kind === "event").length;
    const crons = siteCrons(STATS_COMPONENT);
    const until = site.to + SETTLE_TAIL_MS;
    const { views, heartbeats } = await meter.replay(calls, { crons, until });
    const flow = meter.since();
    // The span's cost is all of it: every view counted, every visit settled.
    const counted = committedRows(t, STATS_COMPONENT, "counters").find((row) => row.name === "pageViews")?.value;
    if (counted !== views) throw new Error(`${site.name}: ${counted} of ${views} views folded by the end of the span`);
    if (committedRows(t, STATS_COMPONENT, "visitFolds").length > 0) throw new Error(`${site.name}: visits still open at the end of the span`);
    const storage = storedTables(t);
    const visits = storage.find((table) => table.component === STATS_COMPONENT && table.table === "visits")?.documents ?? 0;
    const levels = bucketLevels(t);
    let idle: Flow | undefined;
    if (withIdleDay) {
      const before = meter.reading();
      await meter.replay([], { crons, until: until + DAY });
      idle = meter.since(before);
    }
    // No visitor comes back while each window passes: what stays of the span's rows is what every day leaves behind.
    await meter.replay([], { crons, until: until + (WINDOWS.minuteDays + 1) * DAY });
    const minutesRolledUp = storedTables(t);
    await meter.replay([], { crons, until: until + (WINDOWS.hourDays + 1) * DAY });
    const hoursRolledUp = storedTables(t);
    return { site, views, heartbeats, visits, flow, storage, minutesRolledUp, hoursRolledUp, bucketLevels: levels, idle, events };
  } finally {
    meter.dispose();
  }
}

/** The stats component's time buckets by level: how much of their storage is shared by many views (week, month, all time) rather than made anew every day. */
function bucketLevels(t: ReturnType<typeof createTestConvex>) {
  const levels = new Map<string, { level: string; documents: number; jsonBytes: number }>();
  for (const row of committedRows(t, STATS_COMPONENT, "timeBuckets")) {
    const level = String(row.level);
    const entry = levels.get(level) ?? { level, documents: 0, jsonBytes: 0 };
    entry.documents++;
    entry.jsonBytes += documentJsonBytes(row);
    levels.set(level, entry);
  }
  return [...levels.values()];
}

// ---------------------------------------------------------------------------------------------
// Report

const n = (x: number, digits = 0) => x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const kib = (bytes: number) => `${n(bytes / 1024, 1)} KiB`;
const mb = (bytes: number) => `${n(bytes / 1e6, 1)} MB`;
const PER = 100_000;
const isHistory = (table: TableStorage) => table.table === "_scheduled_functions";
const tableName = (table: TableStorage) => `${table.component}/${table.table}`;
const indexEntries = (table: TableStorage) => table.indexEntries + SYSTEM_INDEXES_PER_DOCUMENT * table.documents;
const io = (totals: CallTotals) => totals.bytesRead + totals.bytesWritten;
const COARSE_LEVELS = ["week", "month", "all"];

/**
 * A day's rows as they stand after STEADY_DAYS days of the same traffic: each day's detail lives its window, so the
 * tables hold `minuteDays` days as stored, `hourDays - minuteDays` days without minutes, and the rest without hours.
 */
function steadyTables(result: SiteResult): TableStorage[] {
  const { minuteDays, hourDays } = WINDOWS;
  const key = (table: TableStorage) => tableName(table);
  const find = (tables: TableStorage[], table: TableStorage) => tables.find((each) => key(each) === key(table));
  const names = new Map([...result.storage, ...result.minutesRolledUp, ...result.hoursRolledUp].map((table) => [key(table), table]));
  return [...names.values()].map((table) => {
    const mix = (field: "documents" | "jsonBytes" | "indexEntries") =>
      (minuteDays * (find(result.storage, table)?.[field] ?? 0) +
        (hourDays - minuteDays) * (find(result.minutesRolledUp, table)?.[field] ?? 0) +
        (STEADY_DAYS - hourDays) * (find(result.hoursRolledUp, table)?.[field] ?? 0)) /
      STEADY_DAYS;
    return { ...table, documents: mix("documents"), jsonBytes: mix("jsonBytes"), indexEntries: mix("indexEntries") };
  });
}

function stored(result: SiteResult, tables = steadyTables(result)) {
  const counted = tables.filter((table) => !isHistory(table));
  const sum = (f: (table: TableStorage) => number) => counted.reduce((total, table) => total + f(table), 0);
  const coarse = result.bucketLevels.filter(({ level }) => COARSE_LEVELS.includes(level));
  return {
    documents: sum((table) => table.documents),
    jsonBytes: sum((table) => table.jsonBytes),
    schemaIndexEntries: sum((table) => table.indexEntries),
    indexEntries: sum(indexEntries),
    coarseBytes: coarse.reduce((total, level) => total + level.jsonBytes, 0),
    coarseIndexEntries: coarse.reduce((total, level) => total + level.documents, 0) * (indexesPerDocument(STATS_COMPONENT, "timeBuckets") + SYSTEM_INDEXES_PER_DOCUMENT),
  };
}

function headline(results: SiteResult[]): string[] {
  const row = (label: string, budget: string, f: (result: SiteResult) => string) => `| ${label} | ${results.map(f).join(" | ")} | ${budget} |`;
  const per = (result: SiteResult, x: number, digits = 1) => n(x / result.views, digits);
  return [
    `| per page view | ${results.map((r) => `${r.site.name} (${n(r.site.viewsPerDay)} views a day)`).join(" | ")} | issue 19's budget |`,
    `|---|${results.map(() => "---:").join("|")}|---:|`,
    row(`JSON bytes stored after ${STEADY_DAYS} days (every table of every component)`, `≤ ${BUDGET.jsonBytes}`, (r) => per(r, stored(r).jsonBytes, 0)),
    row("&nbsp;&nbsp;on the day itself, every detail still kept", "", (r) => per(r, stored(r, r.storage).jsonBytes, 0)),
    row(`index entries after ${STEADY_DAYS} days (schema indexes + by_id and by_creation_time)`, `≤ ${BUDGET.indexEntries}`, (r) => per(r, stored(r).indexEntries)),
    row("&nbsp;&nbsp;on the day itself", "", (r) => per(r, stored(r, r.storage).indexEntries)),
    row("&nbsp;&nbsp;of which the schemas' own indexes", "", (r) => per(r, stored(r).schemaIndexEntries)),
    row("documents stored", "", (r) => per(r, stored(r).documents)),
    row("database I/O (bytes read + written, every function)", `≤ ${kib(BUDGET.ioBytes)}`, (r) => kib(io(r.flow.total) / r.views)),
    row("&nbsp;&nbsp;bytes read", "", (r) => kib(r.flow.total.bytesRead / r.views)),
    row("&nbsp;&nbsp;bytes written", "", (r) => kib(r.flow.total.bytesWritten / r.views)),
    row("function calls (visitor + cron + scheduled runs)", "", (r) => per(r, r.flow.total.calls)),
    row("functions scheduled: scheduled runs", `≤ ${BUDGET.scheduledRuns}`, (r) => per(r, r.flow.bySource.scheduled.calls)),
    row("&nbsp;&nbsp;jobs scheduled (canceled ones included)", "", (r) => per(r, r.flow.total.functionsScheduled)),
    row("documents written (visitor + cron + scheduled)", `≤ ${BUDGET.documentsWritten}`, (r) => per(r, r.flow.total.documentsWritten)),
  ];
}

function per100k(results: SiteResult[]): string[] {
  const row = (label: string, f: (result: SiteResult) => string) => `| ${label} | ${results.map(f).join(" | ")} |`;
  const scale = (r: SiteResult, x: number) => (x / r.views) * PER;
  return [
    `| per ${n(PER)} page views | ${results.map((r) => r.site.name).join(" | ")} |`,
    `|---|${results.map(() => "---:").join("|")}|`,
    row("storage (JSON bytes)", (r) => mb(scale(r, stored(r).jsonBytes))),
    row("index entries", (r) => n(scale(r, stored(r).indexEntries))),
    row("database I/O", (r) => `${n(scale(r, io(r.flow.total)) / 1e9, 2)} GB`),
    row("function calls", (r) => n(scale(r, r.flow.total.calls))),
    row("scheduled runs", (r) => n(scale(r, r.flow.bySource.scheduled.calls))),
    row("documents written", (r) => n(scale(r, r.flow.total.documentsWritten))),
  ];
}

function workload(results: SiteResult[]): string[] {
  return [
    "| site | simulated | views counted | heartbeats sent | visits | cron runs | scheduled runs |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...results.map(
      (r) =>
        `| ${r.site.name}, ${n(r.site.viewsPerDay)} views a day | ${r.site.span}, then ${n(SETTLE_TAIL_MS / MINUTE)} minutes until every view is folded and every visit has settled | ${n(r.views)} | ${n(r.heartbeats)} | ${n(r.visits)} | ${n(r.flow.bySource.cron.calls)} | ${n(r.flow.bySource.scheduled.calls)} |`,
    ),
  ];
}

function storageTable(result: SiteResult): string[] {
  const tables = steadyTables(result)
    .filter((table) => !isHistory(table))
    .sort((a, b) => b.jsonBytes - a.jsonBytes);
  const total = stored(result);
  const per = (x: number, digits = 1) => n(x / result.views, digits);
  return [
    `${result.site.name} (${n(result.views)} views), after ${STEADY_DAYS} days:`,
    "",
    "| table | documents per view | JSON bytes per view | share | index entries per view (schema + system) | per 100,000 views |",
    "|---|---:|---:|---:|---:|---:|",
    ...tables.map(
      (table) =>
        `| ${tableName(table)} | ${per(table.documents, 2)} | ${per(table.jsonBytes, 0)} | ${n((100 * table.jsonBytes) / total.jsonBytes, 1)}% | ${per(table.indexEntries, 2)} + ${per(SYSTEM_INDEXES_PER_DOCUMENT * table.documents, 2)} | ${mb((table.jsonBytes / result.views) * PER)} |`,
    ),
    `| **every table** | ${per(total.documents, 2)} | ${per(total.jsonBytes, 0)} | 100% | ${per(total.schemaIndexEntries, 2)} + ${per(total.indexEntries - total.schemaIndexEntries, 2)} | ${mb((total.jsonBytes / result.views) * PER)} |`,
  ];
}

function levelsTable(results: SiteResult[]): string[] {
  const levels = [...new Set(results.flatMap((r) => r.bucketLevels.map(({ level }) => level)))];
  const cell = (r: SiteResult, level: string) => {
    const entry = r.bucketLevels.find((each) => each.level === level);
    return entry === undefined ? "0" : `${n(entry.documents / r.views, 2)} / ${n(entry.jsonBytes / r.views, 0)}`;
  };
  return [
    `| time-bucket level | ${results.map((r) => `${r.site.name}: rows / JSON bytes per view`).join(" | ")} |`,
    `|---|${results.map(() => "---:").join("|")}|`,
    ...levels.map((level) => `| ${level} | ${results.map((r) => cell(r, level)).join(" | ")} |`),
  ];
}

function extrapolation(results: SiteResult[]): string[] {
  const stages: [string, (r: SiteResult) => TableStorage[]][] = [
    ["once every visit has settled", (r) => r.storage],
    [`after the minute window (${WINDOWS.minuteDays} days)`, (r) => r.minutesRolledUp],
    [`after the hour window (${WINDOWS.hourDays} days)`, (r) => r.hoursRolledUp],
    [`after ${STEADY_DAYS} days of the same traffic`, (r) => steadyTables(r)],
  ];
  return [
    "| the span's rows, per view | " + results.map((r) => `${r.site.name}: JSON bytes / index entries`).join(" | ") + " |",
    `|---|${results.map(() => "---:").join("|")}|`,
    ...stages.map(([label, tables]) => `| ${label} | ${results.map((r) => { const s = stored(r, tables(r)); return `${n(s.jsonBytes / r.views)} / ${n(s.indexEntries / r.views, 1)}`; }).join(" | ")} |`),
    `| of which week, month and all-time buckets (shared by more days' views after ${STEADY_DAYS} days) | ${results.map((r) => { const s = stored(r); return `${n(s.coarseBytes / r.views)} / ${n(s.coarseIndexEntries / r.views, 1)}`; }).join(" | ")} |`,
  ];
}

function sourcesTable(result: SiteResult): string[] {
  const sources: [CallSource, string][] = [
    ["visitor", "visitors' calls (recordPageView, heartbeat)"],
    ["cron", "the cron (cleanupStaleSessions)"],
    ["scheduled", "scheduled runs (the worker's loop, …)"],
  ];
  const row = (label: string, totals: CallTotals) =>
    `| ${label} | ${n(totals.calls / result.views, 2)} | ${kib(totals.bytesRead / result.views)} | ${kib(totals.bytesWritten / result.views)} | ${n(totals.documentsRead / result.views, 1)} | ${n(totals.documentsWritten / result.views, 2)} | ${n(totals.functionsScheduled / result.views, 2)} |`;
  return [
    `${result.site.name}, per view:`,
    "",
    "| who | calls | bytes read | bytes written | documents read | documents written | jobs scheduled |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...sources.map(([source, label]) => row(label, result.flow.bySource[source])),
    row("**all**", result.flow.total),
    "",
    "| function | calls | bytes read | bytes written | documents written |",
    "|---|---:|---:|---:|---:|",
    ...result.flow.byFunction.map(
      ([name, totals]) =>
        `| ${name} | ${n(totals.calls / result.views, 2)} | ${kib(totals.bytesRead / result.views)} | ${kib(totals.bytesWritten / result.views)} | ${n(totals.documentsWritten / result.views, 2)} |`,
    ),
  ];
}

function historyTable(results: SiteResult[]): string[] {
  return [
    "| site | component | jobs kept | JSON bytes per view | per 100,000 views |",
    "|---|---|---:|---:|---:|",
    ...results.flatMap((r) =>
      r.storage.filter(isHistory).map((table) => `| ${r.site.name} | ${table.component} | ${n(table.documents)} | ${n(table.jsonBytes / r.views)} | ${mb((table.jsonBytes / r.views) * PER)} |`),
    ),
  ];
}

function idleTable(result: SiteResult): string[] {
  const idle = result.idle!;
  return [
    `| function | calls a day | bytes read + written a day |`,
    "|---|---:|---:|",
    ...idle.byFunction.map(([name, totals]) => `| ${name} | ${n(totals.calls)} | ${mb(io(totals))} |`),
    `| **every function** (budget: ≤ ${BUDGET.idleCallsPerDay} calls a day) | ${n(idle.total.calls)} | ${mb(io(idle.total))} |`,
  ];
}

function report(results: SiteResult[], withEvents: SiteResult): string {
  const small = results[0];
  const crons = siteCrons(STATS_COMPONENT);
  return [
    "What a page view costs a site, end to end: storage, database I/O, function calls, scheduled runs and documents written,",
    "in Convex's own units (the transaction counters of every function: visitors' calls, the cron, every scheduled run).",
    "",
    ...headline(results),
    "",
    ...per100k(results),
    "",
    "## What was simulated",
    "",
    `The blog's public calls, as its visitors' trackers send them (tests/support/trackerTraffic.ts): the demo's visits (tools/demo/traffic.ts:`,
    `a day's rhythm, 30% returning visits, referrers, UTM campaigns, browsers, places and screens, pages read for seconds to minutes)`,
    `on a blog of ${PAGES.length} pages, each view with its heartbeat, one every ${HEARTBEAT_INTERVAL_MS / 1000} s while the page stays open and one as`,
    `a visit's reader leaves its last page (\`api.stats.recordPageView\`, \`api.stats.heartbeat\`). Every scheduled job (the stats worker's loop and monitor, the cleanup's`,
    `follow-ups) runs at its due time, and the site's cron (${crons.map((cron) => `\`${cron.udfPath}\` every ${cron.everyMs / 1000} s`).join(", ")}) at its cadence, from an empty deployment (UTC):`,
    "",
    ...workload(results),
    "",
    "Per view means per view counted (a repeat within the dedup window is not one). The figures cover everything the span cost,",
    "from the first call until every view was folded and every visit settled (checked): the visitors' calls, every cron run, every scheduled run. A function call",
    "is one top-level execution (the app's re-exported mutation calling into the component in the same transaction is one call).",
    "",
    "## What is extrapolated, and why it holds for the current design",
    "",
    "- **Per 100,000 views** is the per-view figure times 100,000.",
    `- **After ${STEADY_DAYS} days**: old detail rolls up (prds/rollup.md): minute and quarter-hour buckets after ${WINDOWS.minuteDays} days, hour`,
    `  buckets after ${WINDOWS.hourDays} (the default windows). The bench lets each window pass with the cron and the worker running, and`,
    "  measures what the span's rows are then. Every day stores the same kinds of rows for its own views, so after 90 days the tables",
    `  hold ${WINDOWS.minuteDays} days as stored, ${WINDOWS.hourDays - WINDOWS.minuteDays} without minutes and the rest without hours:`,
    `  per view, (${WINDOWS.minuteDays} × settled + ${WINDOWS.hourDays - WINDOWS.minuteDays} × minutes gone + ${STEADY_DAYS - WINDOWS.hourDays} × hours gone) / ${STEADY_DAYS}, the headline's figure.`,
    "  Two things differ, in opposite directions: week, month and all-time buckets are shared by more days' views (at most their",
    "  bytes come off), and visitors who come back from before the span (the deployment starts empty) count here as first views,",
    "  so buckets' histograms of previous views hold fewer distinct minutes than after 90 days (a few more entries of about 20",
    "  bytes each per such visit and bucket).",
    "",
    ...extrapolation(results),
    "",
    `- **Database I/O, calls, scheduled runs and writes** per view do not depend on the table sizes in the current design (a call and a`,
    `  worker batch read their own session's rows and the buckets they touch), so a day's figures are every day's. The busy site's`,
    `  ${FULL_DAY ? "whole day was simulated" : "12 hours have the day's average pace (COST_BENCH_FULL_DAY=1 simulates the whole day instead)"}.`,
    "- Scheduled-function history (`_scheduled_functions`) is printed separately and not counted: Convex clears it after a week.",
    "",
    "## Storage per table",
    "",
    `Index entries: each document counts once in each index its table's schema defines, plus Convex's two system indexes of`,
    `every table (\`by_id\`, \`by_creation_time\`), which Convex stores and bills like any index.`,
    "",
    ...results.flatMap((r) => [...storageTable(r), ""]),
    "Time buckets by level, on the day itself (minutes, quarter-hours and hours then roll up; week, month and all time are shared by many days' views):",
    "",
    ...levelsTable(results),
    "",
    "Scheduled-function history (not counted above; Convex keeps it a week):",
    "",
    ...historyTable(results),
    "",
    "## Database I/O, calls and writes, by who made them",
    "",
    ...results.flatMap((r) => [...sourcesTable(r), ""]),
    "## Documents written, by table",
    "",
    "Each document a committed call changed, once per call (a time bucket also by its scope's group), per view:",
    "",
    ...writesTable(results),
    "",
    "## A custom event",
    "",
    ...eventsTable(small, withEvents),
    "",
    "## An idle site",
    "",
    `The small site for the 24 hours after its traffic has settled, with no visitor: what the cron and whatever it schedules cost.`,
    "",
    ...idleTable(small),
    "",
  ].join("\n");
}

/**
 * What a custom event costs: the small site's day again with the demo's events (sign-ups, downloads, outbound clicks,
 * checkouts with revenue: tools/demo/traffic.ts), less the day without them, per event. Issue 21 holds events to
 * issue 19's budget per view.
 */
function eventsTable(without: SiteResult, withEvents: SiteResult): string[] {
  const per = (x: number, y: number, digits = 1) => n((y - x) / withEvents.events, digits);
  const row = (label: string, budget: string, value: string) => `| ${label} | ${value} | ${budget} |`;
  const writes = (r: SiteResult) => r.flow.writesByTable.reduce((sum, [, count]) => sum + count, 0);
  const byTable = new Map(without.flow.writesByTable);
  return [
    `${n(withEvents.events)} events sent with the small site's ${n(withEvents.views)} views (the same views: ${n(without.views)} without them).`,
    "",
    "| per custom event | small site | issue 19's budget (per view) |",
    "|---|---:|---:|",
    row(`JSON bytes stored after ${STEADY_DAYS} days`, `≤ ${BUDGET.jsonBytes}`, per(stored(without).jsonBytes, stored(withEvents).jsonBytes, 0)),
    row(`index entries after ${STEADY_DAYS} days`, `≤ ${BUDGET.indexEntries}`, per(stored(without).indexEntries, stored(withEvents).indexEntries)),
    row("database I/O (bytes read + written)", `≤ ${kib(BUDGET.ioBytes)}`, kib((io(withEvents.flow.total) - io(without.flow.total)) / withEvents.events)),
    row("function calls", "", per(without.flow.total.calls, withEvents.flow.total.calls)),
    row("documents written", `≤ ${BUDGET.documentsWritten}`, per(writes(without), writes(withEvents))),
    "",
    `JSON bytes stored per event after ${STEADY_DAYS} days, by table (what the events added):`,
    "",
    "| table | bytes per event | documents per event |",
    "|---|---:|---:|",
    ...steadyTables(withEvents)
      .filter((table) => !isHistory(table))
      .map((table) => {
        const before = steadyTables(without).find((each) => tableName(each) === tableName(table));
        return [tableName(table), (table.jsonBytes - (before?.jsonBytes ?? 0)) / withEvents.events, (table.documents - (before?.documents ?? 0)) / withEvents.events] as const;
      })
      .filter(([, bytes]) => Math.abs(bytes) >= 1)
      .sort((a, b) => b[1] - a[1])
      .map(([table, bytes, documents]) => `| ${table} | ${n(bytes)} | ${n(documents, 2)} |`),
    "",
    "Documents written per event, by table (what the events added):",
    "",
    "| table | per event |",
    "|---|---:|",
    ...withEvents.flow.writesByTable
      .map(([table, count]) => [table, (count - (byTable.get(table) ?? 0)) / withEvents.events] as const)
      .filter(([, added]) => Math.abs(added) >= 0.005)
      .map(([table, added]) => `| ${table} | ${added.toFixed(2)} |`),
  ];
}

/** Documents written per view, by table, at each pace (the small site's order). */
function writesTable(results: SiteResult[]): string[] {
  const perView = results.map((r) => new Map(r.flow.writesByTable.map(([table, count]) => [table, count / r.views])));
  const tables = [...new Set(results.flatMap((r) => r.flow.writesByTable.map(([table]) => table)))];
  return [
    `| table | ${results.map((r) => r.site.name).join(" | ")} |`,
    `|---|${results.map(() => "---:").join("|")}|`,
    ...tables.map((table) => `| ${table} | ${perView.map((counts) => (counts.get(table) ?? 0).toFixed(2)).join(" | ")} |`),
    `| **every table** | ${results.map((r) => (r.flow.writesByTable.reduce((sum, [, count]) => sum + count, 0) / r.views).toFixed(2)).join(" | ")} |`,
  ];
}

test("what a page view costs, at a small site's pace and a busy one's", async () => {
  vi.useFakeTimers();
  try {
    const results: SiteResult[] = [];
    for (const [i, site] of SITES.entries()) {
      const started = realNow();
      results.push(await simulate(site, i === 0));
      console.log(`${site.name}: simulated in ${n((realNow() - started) / 1000)} s of real time`);
    }
    const started = realNow();
    const withEvents = await simulate({ ...SITES[0], events: true }, false);
    console.log(`small site with events: simulated in ${n((realNow() - started) / 1000)} s of real time`);
    const text = report(results, withEvents);
    console.log(text);
    writeFileSync(OUTPUT, `<!-- Generated by \`npm run bench\` (tests/bench/cost.bench.ts). -->\n\n${text}`);
  } finally {
    vi.useRealTimers();
  }
});
