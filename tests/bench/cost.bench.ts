import { writeFileSync } from "node:fs";
import { test, vi } from "vitest";
import { HEARTBEAT_INTERVAL_MS, VISIT_SETTLE_GRACE_MS, VISIT_TIMEOUT_MS, WORKER_UNWATCHED_DEBOUNCE_MS, WORKER_UNWATCHED_FOLD_MS } from "../../src/shared/config";
import { DAY, HOUR, MINUTE, T0 } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
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
import { blogPages, trackerTraffic, type TrackerCall } from "../support/trackerTraffic";
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
 * day with COST_BENCH_FULL_DAY=1). Each is simulated twice with the same calls:
 * its first span alone (its I/O, calls and writes, then a day with no visitor),
 * and its first span followed by the same hours the next day, whose storage less
 * the first's is what a day adds once the site is running (see `report`). Writes
 * cost.results.md; about a minute on 2 cores.
 */

// The real clock, taken before any timer is faked, to print how long each simulation took.
const realNow = performance.now.bind(performance);
const OUTPUT = new URL("./cost.results.md", import.meta.url);
const FULL_DAY = process.env.COST_BENCH_FULL_DAY === "1";
/** The demo's model plans this many days of traffic before the first span (its growth and returning visitors in their stride); they are not simulated. */
const HISTORY_DAYS = 3;
/** The first simulated day starts here (a Thursday, UTC; the site's zone is UTC); the second is the Friday after it, in the same week and month. */
const DAY_START = T0 + HISTORY_DAYS * DAY;
/** After the last call: every visit has ended, settled (timeout and grace), and the last views have waited to be folded (unwatched) and been folded. */
const SETTLE_TAIL_MS = Math.max(VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS, WORKER_UNWATCHED_FOLD_MS) + WORKER_UNWATCHED_DEBOUNCE_MS + 5 * MINUTE;
const PAGES = blogPages(40);
/** The steady state the storage budget is measured in: every detail window has passed (prds/rollup.md). */
const STEADY_DAYS = 90;
const WINDOWS = detailWindows();
/** A new week and a new month write their own row for every value active in them: each day bears its share (fewest days a month but February's). */
const CALENDAR_DAYS: Record<string, number> = { week: 7, month: 30 };
/** The stats component's tables of one row per session: a visitor back from a day before holds them already. */
const SESSION_TABLES = ["visitors", "visitScopes"];

/** Issue 19's budgets, per view (storage after 90 days; I/O of everything but dashboards) and per idle day. */
const BUDGET = { jsonBytes: 600, indexEntries: 15, ioBytes: 12 * 1024, scheduledRuns: 1, documentsWritten: 15, idleCallsPerDay: 300 };

type Span = { from: number; to: number };
type Site = Span & { name: string; viewsPerDay: number; span: string; events?: boolean };

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

/** The same hours a day later. */
const nextDay = ({ from, to }: Span): Span => ({ from: from + DAY, to: to + DAY });
const within = ({ from, to }: Span) => (call: TrackerCall) => call.at >= from && call.at < to;

/** The model's calls for a site: its first span's, the next day's, and those it plans before the second but that are not simulated (its history days, the busy site's night between its spans). */
type SiteTraffic = { first: TrackerCall[]; second: TrackerCall[]; unsimulated: TrackerCall[] };

function siteTraffic(site: Site): SiteTraffic {
  const second = nextDay(site);
  // One plan for both days (drawn once: session ids are random), so the second day's returning visitors include the first's.
  const calls = trackerTraffic({ from: site.from, to: second.to, viewsPerDay: site.viewsPerDay, pages: PAGES, seed: 19, historyDays: HISTORY_DAYS, events: true, withHistory: true });
  return { first: calls.filter(within(site)), second: calls.filter(within(second)), unsimulated: calls.filter((call) => call.at < second.from && !within(site)(call)) };
}

const sessionsViewing = (calls: TrackerCall[]) => new Set(calls.filter((call) => call.kind === "view").map((call) => call.sessionId));

/** The second day's visitors the deployment has not seen but the model has: back from days that are not simulated, they count as new. */
function backFromUnsimulated(traffic: SiteTraffic): Set<string> {
  const seen = sessionsViewing(traffic.first);
  const planned = sessionsViewing(traffic.unsimulated);
  return new Set([...sessionsViewing(traffic.second)].filter((session) => !seen.has(session) && planned.has(session)));
}

/** A site's tables as they stand once every visit has settled, once the minute window has passed, and once the hour window has (each rollup run by the cron and the worker). */
type Stages = { settled: TableStorage[]; minutesRolledUp: TableStorage[]; hoursRolledUp: TableStorage[] };
type LevelStorage = { level: string; documents: number; jsonBytes: number };

/** What one deployment did and stored. */
type Run = {
  /** Per span: views counted, heartbeats and events sent. */
  spans: { views: number; heartbeats: number; events: number }[];
  /** Everything its functions cost, from the first call until every visit settled. */
  flow: Flow;
  stages: Stages;
  /** Time buckets by level, once every visit has settled. */
  levels: LevelStorage[];
  idle?: Flow;
  /** The own rows (SESSION_TABLES) of `sessions`, once every window has passed. */
  sessionRows: TableStorage[];
};

type SiteResult = {
  site: Site;
  /** The first span alone: its I/O, calls and writes, and its idle day. */
  first: Run;
  /** The first span, then the next day's. */
  both: Run;
  /** What the second day added, table by table, at each stage (`both` less `first`). */
  growth: Stages;
  /** What a day adds after STEADY_DAYS days: the growth mixed over the windows, and the calendar's fresh rows. */
  steady: TableStorage[];
  /** The second day's visitors, and how many of them come back from days that are not simulated. */
  secondVisitors: number;
  backFromUnsimulated: number;
};

async function simulate(spans: { span: Span; calls: TrackerCall[] }[], options: { idleDay?: boolean; sessions?: ReadonlySet<string> } = {}): Promise<Run> {
  vi.setSystemTime(spans[0].span.from);
  const t = createTestConvex();
  const meter = new CostMeter(t);
  try {
    const crons = siteCrons(STATS_COMPONENT);
    const settled = spans[spans.length - 1].span.to + SETTLE_TAIL_MS;
    const sent: Run["spans"] = [];
    for (const [i, { calls }] of spans.entries()) {
      // Up to the next span's first moment; the last span until every view is folded and every visit settled.
      const { views, heartbeats } = await meter.replay(calls, { crons, until: spans[i + 1]?.span.from ?? settled });
      sent.push({ views, heartbeats, events: calls.filter((call) => call.kind === "event").length });
    }
    const flow = meter.since();
    const views = sent.reduce((sum, span) => sum + span.views, 0);
    const counted = committedRows(t, STATS_COMPONENT, "counters").find((row) => row.name === "pageViews")?.value;
    if (counted !== views) throw new Error(`${counted} of ${views} views folded by the end of the span`);
    if (committedRows(t, STATS_COMPONENT, "visitFolds").length > 0) throw new Error("visits still open at the end of the span");
    const settledTables = storedTables(t);
    const levels = bucketLevels(t);
    let idle: Flow | undefined;
    if (options.idleDay) {
      const before = meter.reading();
      await meter.replay([], { crons, until: settled + DAY });
      idle = meter.since(before);
    }
    // No visitor comes back while each window passes.
    await meter.replay([], { crons, until: settled + (WINDOWS.minuteDays + 1) * DAY });
    const minutesRolledUp = storedTables(t);
    await meter.replay([], { crons, until: settled + (WINDOWS.hourDays + 1) * DAY });
    const stages = { settled: settledTables, minutesRolledUp, hoursRolledUp: storedTables(t) };
    return { spans: sent, flow, stages, levels, idle, sessionRows: sessionRows(t, options.sessions ?? new Set()) };
  } finally {
    meter.dispose();
  }
}

/** A site simulated twice with the same calls (events left out unless the site has them): its first span alone, and followed by the next day's. */
async function measure(site: Site, traffic: SiteTraffic, idleDay: boolean): Promise<SiteResult> {
  const sent = (calls: TrackerCall[]) => (site.events ? calls : calls.filter((call) => call.kind !== "event"));
  const firstSpan = { span: site, calls: sent(traffic.first) };
  let started = realNow();
  const first = await simulate([firstSpan], { idleDay });
  const firstSeconds = (realNow() - started) / 1000;
  started = realNow();
  const returning = backFromUnsimulated(traffic);
  const both = await simulate([firstSpan, { span: nextDay(site), calls: sent(traffic.second) }], { sessions: returning });
  console.log(`${site.name}${site.events ? " with events" : ""}: simulated in ${n(firstSeconds)} s (first span) and ${n((realNow() - started) / 1000)} s (both days) of real time`);
  // The second deployment's first day must be the first's for their difference to be the second day's.
  if (both.spans[0].views !== first.spans[0].views) throw new Error(`${site.name}: ${both.spans[0].views} views counted on the first day of two, ${first.spans[0].views} alone`);
  const growth: Stages = {
    settled: added(both.stages.settled, scaled(first.stages.settled, -1)),
    minutesRolledUp: added(both.stages.minutesRolledUp, scaled(first.stages.minutesRolledUp, -1)),
    hoursRolledUp: added(both.stages.hoursRolledUp, scaled(first.stages.hoursRolledUp, -1)),
  };
  return {
    site,
    first,
    both,
    growth,
    steady: added(mixed(growth), [freshCalendarRows(first.levels)]),
    secondVisitors: sessionsViewing(traffic.second).size,
    backFromUnsimulated: returning.size,
  };
}

/** The stats component's time buckets by level: how much of their storage is shared by many views (week, month, all time) rather than made anew every day. */
function bucketLevels(t: TestConvex): LevelStorage[] {
  const levels = new Map<string, LevelStorage>();
  for (const row of committedRows(t, STATS_COMPONENT, "timeBuckets")) {
    const level = String(row.level);
    const entry = levels.get(level) ?? { level, documents: 0, jsonBytes: 0 };
    entry.documents++;
    entry.jsonBytes += documentJsonBytes(row);
    levels.set(level, entry);
  }
  return [...levels.values()];
}

/** What some sessions' own rows store, table by table. */
function sessionRows(t: TestConvex, sessions: ReadonlySet<string>): TableStorage[] {
  return SESSION_TABLES.map((table) => {
    const rows = committedRows(t, STATS_COMPONENT, table).filter((row) => sessions.has(String(row.sessionId)));
    const jsonBytes = rows.reduce((sum, row) => sum + documentJsonBytes(row), 0);
    return { component: STATS_COMPONENT, table, documents: rows.length, jsonBytes, indexEntries: rows.length * indexesPerDocument(STATS_COMPONENT, table) };
  });
}

/** Table by table, `a + b` (a table in either). */
function added(a: TableStorage[], b: TableStorage[]): TableStorage[] {
  const sums = new Map(a.map((table) => [tableName(table), { ...table }]));
  for (const table of b) {
    const sum = sums.get(tableName(table));
    if (sum === undefined) sums.set(tableName(table), { ...table });
    else Object.assign(sum, { documents: sum.documents + table.documents, jsonBytes: sum.jsonBytes + table.jsonBytes, indexEntries: sum.indexEntries + table.indexEntries });
  }
  return [...sums.values()];
}

const scaled = (tables: TableStorage[], factor: number): TableStorage[] =>
  tables.map((table) => ({ ...table, documents: factor * table.documents, jsonBytes: factor * table.jsonBytes, indexEntries: factor * table.indexEntries }));

/**
 * A day's rows as they stand after STEADY_DAYS days of the same traffic: each day's detail lives its window, so the
 * tables hold `minuteDays` days as settled, `hourDays - minuteDays` days without minutes, and the rest without hours.
 */
function mixed({ settled, minutesRolledUp, hoursRolledUp }: Stages): TableStorage[] {
  const { minuteDays, hourDays } = WINDOWS;
  const days: [TableStorage[], number][] = [
    [settled, minuteDays],
    [minutesRolledUp, hourDays - minuteDays],
    [hoursRolledUp, STEADY_DAYS - hourDays],
  ];
  return days.reduce<TableStorage[]>((sum, [tables, count]) => added(sum, scaled(tables, count / STEADY_DAYS)), []);
}

/** A day's share of the week's and the month's own rows: the first day's week-level time buckets / 7, month-level / 30 (what a week's or month's first day writes). */
function freshCalendarRows(levels: LevelStorage[]): TableStorage {
  const share = ({ level }: LevelStorage) => (level in CALENDAR_DAYS ? 1 / CALENDAR_DAYS[level] : 0);
  const documents = levels.reduce((sum, level) => sum + share(level) * level.documents, 0);
  const jsonBytes = levels.reduce((sum, level) => sum + share(level) * level.jsonBytes, 0);
  return { component: STATS_COMPONENT, table: "timeBuckets", documents, jsonBytes, indexEntries: documents * indexesPerDocument(STATS_COMPONENT, "timeBuckets") };
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
/** Storage is per view counted on the second day (what it added); I/O, calls and writes per view counted in the first span. */
const secondViews = (r: SiteResult) => r.both.spans[1].views;
const firstViews = (r: SiteResult) => r.first.spans[0].views;

function totals(tables: TableStorage[]) {
  const counted = tables.filter((table) => !isHistory(table));
  const sum = (f: (table: TableStorage) => number) => counted.reduce((total, table) => total + f(table), 0);
  return { documents: sum((table) => table.documents), jsonBytes: sum((table) => table.jsonBytes), schemaIndexEntries: sum((table) => table.indexEntries), indexEntries: sum(indexEntries) };
}

/** "JSON bytes / index entries" per view. */
const bytesAndEntries = (tables: TableStorage[], views: number) => {
  const { jsonBytes, indexEntries } = totals(tables);
  return `${n(jsonBytes / views)} / ${n(indexEntries / views, 1)}`;
};

function headline(results: SiteResult[]): string[] {
  const row = (label: string, budget: string, f: (result: SiteResult) => string) => `| ${label} | ${results.map(f).join(" | ")} | ${budget} |`;
  const stored = (r: SiteResult, x: (stored: ReturnType<typeof totals>) => number, tables = r.steady, digits = 1) => n(x(totals(tables)) / secondViews(r), digits);
  const per = (r: SiteResult, x: number, digits = 1) => n(x / firstViews(r), digits);
  return [
    `| per page view | ${results.map((r) => `${r.site.name} (${n(r.site.viewsPerDay)} views a day)`).join(" | ")} | issue 19's budget |`,
    `|---|${results.map(() => "---:").join("|")}|---:|`,
    row(`JSON bytes stored after ${STEADY_DAYS} days (every table of every component)`, `≤ ${BUDGET.jsonBytes}`, (r) => stored(r, (s) => s.jsonBytes, r.steady, 0)),
    row("&nbsp;&nbsp;on the day itself, every detail still kept", "", (r) => stored(r, (s) => s.jsonBytes, r.growth.settled, 0)),
    row(`index entries after ${STEADY_DAYS} days (schema indexes + by_id and by_creation_time)`, `≤ ${BUDGET.indexEntries}`, (r) => stored(r, (s) => s.indexEntries)),
    row("&nbsp;&nbsp;on the day itself", "", (r) => stored(r, (s) => s.indexEntries, r.growth.settled)),
    row("&nbsp;&nbsp;of which the schemas' own indexes", "", (r) => stored(r, (s) => s.schemaIndexEntries)),
    row("documents stored", "", (r) => stored(r, (s) => s.documents)),
    row("database I/O (bytes read + written, every function)", `≤ ${kib(BUDGET.ioBytes)}`, (r) => kib(io(r.first.flow.total) / firstViews(r))),
    row("&nbsp;&nbsp;bytes read", "", (r) => kib(r.first.flow.total.bytesRead / firstViews(r))),
    row("&nbsp;&nbsp;bytes written", "", (r) => kib(r.first.flow.total.bytesWritten / firstViews(r))),
    row("function calls (visitor + cron + scheduled runs)", "", (r) => per(r, r.first.flow.total.calls)),
    row("functions scheduled: scheduled runs", `≤ ${BUDGET.scheduledRuns}`, (r) => per(r, r.first.flow.bySource.scheduled.calls)),
    row("&nbsp;&nbsp;jobs scheduled (canceled ones included)", "", (r) => per(r, r.first.flow.total.functionsScheduled)),
    row("documents written (visitor + cron + scheduled)", `≤ ${BUDGET.documentsWritten}`, (r) => per(r, r.first.flow.total.documentsWritten)),
  ];
}

function per100k(results: SiteResult[]): string[] {
  const row = (label: string, f: (result: SiteResult) => string) => `| ${label} | ${results.map(f).join(" | ")} |`;
  const stored = (r: SiteResult, x: number) => (x / secondViews(r)) * PER;
  const flowed = (r: SiteResult, x: number) => (x / firstViews(r)) * PER;
  return [
    `| per ${n(PER)} page views | ${results.map((r) => r.site.name).join(" | ")} |`,
    `|---|${results.map(() => "---:").join("|")}|`,
    row("storage (JSON bytes)", (r) => mb(stored(r, totals(r.steady).jsonBytes))),
    row("index entries", (r) => n(stored(r, totals(r.steady).indexEntries))),
    row("database I/O", (r) => `${n(flowed(r, io(r.first.flow.total)) / 1e9, 2)} GB`),
    row("function calls", (r) => n(flowed(r, r.first.flow.total.calls))),
    row("scheduled runs", (r) => n(flowed(r, r.first.flow.bySource.scheduled.calls))),
    row("documents written", (r) => n(flowed(r, r.first.flow.total.documentsWritten))),
  ];
}

const visitsStored = (tables: TableStorage[]) => tables.find((table) => table.component === STATS_COMPONENT && table.table === "visits")?.documents ?? 0;

function workload(results: SiteResult[]): string[] {
  const tail = `then ${n(SETTLE_TAIL_MS / MINUTE)} minutes until every view is folded and every visit has settled`;
  return [
    "| site | simulated | views counted | heartbeats sent | visits | cron runs | scheduled runs |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...results.flatMap((r) => {
      const [first, second] = r.both.spans;
      const more = (source: CallSource) => n(r.both.flow.bySource[source].calls - r.first.flow.bySource[source].calls);
      return [
        `| ${r.site.name}, ${n(r.site.viewsPerDay)} views a day | first span: ${r.site.span}, ${tail} | ${n(first.views)} | ${n(first.heartbeats)} | ${n(visitsStored(r.first.stages.settled))} | ${n(r.first.flow.bySource.cron.calls)} | ${n(r.first.flow.bySource.scheduled.calls)} |`,
        `| | the next day, the same hours (after the first span, in a deployment of its own: counted as the second has more) | ${n(second.views)} | ${n(second.heartbeats)} | ${n(visitsStored(r.growth.settled))} | ${more("cron")} | ${more("scheduled")} |`,
      ];
    }),
  ];
}

function storageTable(result: SiteResult): string[] {
  const views = secondViews(result);
  const per = (x: number, digits = 1) => n(x / views, digits);
  const total = totals(result.steady);
  // A table a day leaves unchanged (a site's single rows) differs by a few bytes between the two deployments.
  const tables = result.steady.filter((table) => !isHistory(table) && Math.abs(table.jsonBytes / views) >= 0.5).sort((a, b) => b.jsonBytes - a.jsonBytes);
  return [
    `${result.site.name}, what its second day (${n(views)} views) adds, after ${STEADY_DAYS} days:`,
    "",
    "| table | documents per view | JSON bytes per view | share | index entries per view (schema + system) | per 100,000 views |",
    "|---|---:|---:|---:|---:|---:|",
    ...tables.map(
      (table) =>
        `| ${tableName(table)} | ${per(table.documents, 2)} | ${per(table.jsonBytes, 0)} | ${n((100 * table.jsonBytes) / total.jsonBytes, 1)}% | ${per(table.indexEntries, 2)} + ${per(SYSTEM_INDEXES_PER_DOCUMENT * table.documents, 2)} | ${mb((table.jsonBytes / views) * PER)} |`,
    ),
    `| **every table** | ${per(total.documents, 2)} | ${per(total.jsonBytes, 0)} | 100% | ${per(total.schemaIndexEntries, 2)} + ${per(total.indexEntries - total.schemaIndexEntries, 2)} | ${mb((total.jsonBytes / views) * PER)} |`,
  ];
}

function levelsTable(results: SiteResult[]): string[] {
  const levels = [...new Set(results.flatMap((r) => r.first.levels.map(({ level }) => level)))];
  const cell = (levels: LevelStorage[], level: string, views: number) => {
    const entry = levels.find((each) => each.level === level);
    return entry === undefined ? "0" : `${n(entry.documents / views, 2)} / ${n(entry.jsonBytes / views, 0)}`;
  };
  const secondDay = (r: SiteResult): LevelStorage[] =>
    r.both.levels.map((entry) => {
      const first = r.first.levels.find((each) => each.level === entry.level);
      return { level: entry.level, documents: entry.documents - (first?.documents ?? 0), jsonBytes: entry.jsonBytes - (first?.jsonBytes ?? 0) };
    });
  return [
    `| time-bucket level: rows / JSON bytes per view | ${results.map((r) => `${r.site.name}: the first span | the second day`).join(" | ")} |`,
    `|---|${results.map(() => "---:|---:").join("|")}|`,
    ...levels.map((level) => `| ${level} | ${results.map((r) => `${cell(r.first.levels, level, firstViews(r))} | ${cell(secondDay(r), level, secondViews(r))}`).join(" | ")} |`),
  ];
}

function stagesTable(results: SiteResult[]): string[] {
  const row = (label: string, f: (r: SiteResult) => string) => `| ${label} | ${results.map(f).join(" | ")} |`;
  const second = (tables: (r: SiteResult) => TableStorage[]) => (r: SiteResult) => bytesAndEntries(tables(r), secondViews(r));
  return [
    `| per view | ${results.map((r) => `${r.site.name}: JSON bytes / index entries`).join(" | ")} |`,
    `|---|${results.map(() => "---:").join("|")}|`,
    row(`the first span, from an empty deployment, mixed the same way (what this bench printed before)`, (r) => bytesAndEntries(mixed(r.first.stages), firstViews(r))),
    row("the second day's rows, once every visit has settled", second((r) => r.growth.settled)),
    row(`&nbsp;&nbsp;after the minute window (${WINDOWS.minuteDays} days)`, second((r) => r.growth.minutesRolledUp)),
    row(`&nbsp;&nbsp;after the hour window (${WINDOWS.hourDays} days)`, second((r) => r.growth.hoursRolledUp)),
    row(`&nbsp;&nbsp;mixed over ${STEADY_DAYS} days`, second((r) => mixed(r.growth))),
    row("&nbsp;&nbsp;plus a day's share of a new week's and month's rows (the first day's / 7 and / 30)", second((r) => [freshCalendarRows(r.first.levels)])),
    row(`**after ${STEADY_DAYS} days** (the headline)`, second((r) => r.steady)),
    row("&nbsp;&nbsp;of which the own rows of visitors back from days not simulated (counted as new)", second((r) => r.both.sessionRows)),
  ];
}

function sourcesTable(result: SiteResult): string[] {
  const { flow } = result.first;
  const views = firstViews(result);
  const sources: [CallSource, string][] = [
    ["visitor", "visitors' calls (recordPageView, heartbeat)"],
    ["cron", "the cron (cleanupStaleSessions)"],
    ["scheduled", "scheduled runs (the worker's loop, …)"],
  ];
  const row = (label: string, totals: CallTotals) =>
    `| ${label} | ${n(totals.calls / views, 2)} | ${kib(totals.bytesRead / views)} | ${kib(totals.bytesWritten / views)} | ${n(totals.documentsRead / views, 1)} | ${n(totals.documentsWritten / views, 2)} | ${n(totals.functionsScheduled / views, 2)} |`;
  return [
    `${result.site.name}, per view:`,
    "",
    "| who | calls | bytes read | bytes written | documents read | documents written | jobs scheduled |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...sources.map(([source, label]) => row(label, flow.bySource[source])),
    row("**all**", flow.total),
    "",
    "| function | calls | bytes read | bytes written | documents written |",
    "|---|---:|---:|---:|---:|",
    ...flow.byFunction.map(
      ([name, totals]) => `| ${name} | ${n(totals.calls / views, 2)} | ${kib(totals.bytesRead / views)} | ${kib(totals.bytesWritten / views)} | ${n(totals.documentsWritten / views, 2)} |`,
    ),
  ];
}

function historyTable(results: SiteResult[]): string[] {
  return [
    "| site | component | jobs kept | JSON bytes per view | per 100,000 views |",
    "|---|---|---:|---:|---:|",
    ...results.flatMap((r) =>
      r.first.stages.settled
        .filter(isHistory)
        .map((table) => `| ${r.site.name} | ${table.component} | ${n(table.documents)} | ${n(table.jsonBytes / firstViews(r))} | ${mb((table.jsonBytes / firstViews(r)) * PER)} |`),
    ),
  ];
}

function idleTable(result: SiteResult): string[] {
  const idle = result.first.idle!;
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
  const calendar = (r: SiteResult) => bytesAndEntries([freshCalendarRows(r.first.levels)], secondViews(r));
  const returning = (r: SiteResult) =>
    `${r.site.name}: ${n(r.backFromUnsimulated)} of the second day's ${n(r.secondVisitors)} visitors, their rows ${bytesAndEntries(r.both.sessionRows, secondViews(r))} a view`;
  return [
    "What a page view costs a site, end to end: storage, database I/O, function calls, scheduled runs and documents written,",
    "in Convex's own units (the transaction counters of every function: visitors' calls, the cron, every scheduled run).",
    "",
    ...headline(results),
    "",
    "Storage: what a second day of the same traffic adds, per view counted that day (below). The rest: the first span, per view counted in it.",
    "",
    ...per100k(results),
    "",
    "## What was simulated",
    "",
    `The blog's public calls, as its visitors' trackers send them (tests/support/trackerTraffic.ts): the demo's visits (tools/demo/traffic.ts:`,
    `a day's rhythm, 30% returning visits, referrers, UTM campaigns, browsers, places and screens, pages read for seconds to minutes)`,
    `on a blog of ${PAGES.length} pages, each view with its heartbeat, one every ${HEARTBEAT_INTERVAL_MS / 1000} s while the page stays open and one as`,
    `a visit's reader leaves its last page (\`api.stats.recordPageView\`, \`api.stats.heartbeat\`). Every scheduled job (the stats worker's loop and monitor, the cleanup's`,
    `follow-ups) runs at its due time, and the site's cron (${crons.map((cron) => `\`${cron.udfPath}\` every ${cron.everyMs / 1000} s`).join(", ")}) at its cadence. Each site twice, from an empty deployment (UTC),`,
    "with the same calls: its first span (a Thursday) alone, and followed by the same hours the next day (the model's visits going on):",
    "",
    ...workload(results),
    "",
    "Per view means per view counted (a repeat within the dedup window is not one). The figures cover everything the span cost,",
    "from the first call until every view was folded and every visit settled (checked): the visitors' calls, every cron run, every scheduled run. A function call",
    "is one top-level execution (the app's re-exported mutation calling into the component in the same transaction is one call).",
    "",
    `## Storage after ${STEADY_DAYS} days: what a day adds, measured on the second`,
    "",
    "- **Measured**: both deployments are left without visitors while the detail windows pass (prds/rollup.md: minute and",
    `  quarter-hour buckets go after ${WINDOWS.minuteDays} days, hour buckets after ${WINDOWS.hourDays}), the cron and the worker running. What the second stores more, table`,
    "  by table, once every visit has settled, once the minute window has passed and once the hour window has, is what the second day",
    "  added: it found the first day's visitors' rows and the week, month and all-time buckets already there. (Two deployments, not",
    "  one: the small site's days meet at midnight, with visits across it and views folded after it, so no moment of one deployment",
    "  separates the two days' rows.) After 90 days a site holds",
    `  ${WINDOWS.minuteDays} days as settled, ${WINDOWS.hourDays - WINDOWS.minuteDays} without minutes and the rest without hours: per view, (${WINDOWS.minuteDays} × settled + ${WINDOWS.hourDays - WINDOWS.minuteDays} × minutes gone + ${STEADY_DAYS - WINDOWS.hourDays} × hours gone) / ${STEADY_DAYS}.`,
    "- **Added for the calendar**: the second day is in the first's week and month, but every new week and month writes a row of its",
    "  own for each value active in it. Each day is charged a seventh of the first day's week rows and a thirtieth of its month rows",
    `  (what a week's and a month's first day write): ${results.map((r) => `${calendar(r)} JSON bytes / index entries a view on the ${r.site.name}`).join(", ")}.`,
    "- **Still approximate**: a later day finds more of its values and visitors there already than the second did, so it adds less",
    "  to the shared buckets and visitors' rows (too high). Some of the second day's visitors come back from days the model plans but",
    `  that are not simulated (its ${HISTORY_DAYS} history days before the first span${FULL_DAY ? "" : ", and the busy site's night between its spans"}): ${results.map(returning).join("; ")}.`,
    "  Counted as new, their own rows (`visitors`, `visitScopes`) are charged to the day in full, where a returning visitor's are",
    "  there already (too high by at most that), and their views count in buckets' histograms as having no previous view, an entry",
    "  shared with new visitors, rather than one for their previous view's minute (too low by an entry per such visitor and bucket).",
    "",
    ...stagesTable(results),
    "",
    "## Everything else: the first span",
    "",
    `- **Database I/O, calls, scheduled runs and writes** per view do not depend on the table sizes in the current design (a call and a`,
    `  worker batch read their own session's rows and the buckets they touch), so the first span's figures are every day's. The busy site's`,
    `  ${FULL_DAY ? "whole day was simulated" : "12 hours have the day's average pace (COST_BENCH_FULL_DAY=1 simulates the whole day instead)"}.`,
    "- **Per 100,000 views** is the per-view figure times 100,000.",
    "- Scheduled-function history (`_scheduled_functions`) is printed separately and not counted: Convex clears it after a week.",
    "",
    "## Storage per table",
    "",
    `Index entries: each document counts once in each index its table's schema defines, plus Convex's two system indexes of`,
    `every table (\`by_id\`, \`by_creation_time\`), which Convex stores and bills like any index. Tables a day leaves unchanged (under half a byte a view) are left out.`,
    "",
    ...results.flatMap((r) => [...storageTable(r), ""]),
    "Time buckets by level, once every visit has settled: the first span's (from an empty deployment) and what the second day adds (minutes, quarter-hours",
    "and hours then roll up; week, month and all time are shared by many days' views):",
    "",
    ...levelsTable(results),
    "",
    "Scheduled-function history of the first span (not counted above; Convex keeps it a week):",
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
    `The small site for the 24 hours after its first span has settled, with no visitor: what the cron and whatever it schedules cost.`,
    "",
    ...idleTable(small),
    "",
  ].join("\n");
}

/**
 * What a custom event costs: the small site's days again with the demo's events (sign-ups, downloads, outbound clicks,
 * checkouts with revenue: tools/demo/traffic.ts), less the days without them: storage per event sent on the second day,
 * the rest per event sent in the first span. Issue 21 holds events to issue 19's budget per view.
 */
function eventsTable(without: SiteResult, withEvents: SiteResult): string[] {
  const [firstEvents, secondEvents] = withEvents.both.spans.map((span) => span.events);
  const flowed = (x: number, y: number, digits = 1) => n((y - x) / firstEvents, digits);
  const stored = (x: (tables: TableStorage[]) => number, digits: number) => n((x(withEvents.steady) - x(without.steady)) / secondEvents, digits);
  const row = (label: string, budget: string, value: string) => `| ${label} | ${value} | ${budget} |`;
  const writes = (r: SiteResult) => r.first.flow.writesByTable.reduce((sum, [, count]) => sum + count, 0);
  const byTable = new Map(without.first.flow.writesByTable);
  const steadyBefore = new Map(without.steady.map((table) => [tableName(table), table]));
  return [
    `${n(firstEvents)} events sent with the small site's first ${n(firstViews(withEvents))} views, ${n(secondEvents)} with its second day's ${n(secondViews(withEvents))} (the same views as without them).`,
    "",
    "| per custom event | small site | issue 19's budget (per view) |",
    "|---|---:|---:|",
    row(`JSON bytes stored after ${STEADY_DAYS} days`, `≤ ${BUDGET.jsonBytes}`, stored((tables) => totals(tables).jsonBytes, 0)),
    row(`index entries after ${STEADY_DAYS} days`, `≤ ${BUDGET.indexEntries}`, stored((tables) => totals(tables).indexEntries, 1)),
    row("database I/O (bytes read + written)", `≤ ${kib(BUDGET.ioBytes)}`, kib((io(withEvents.first.flow.total) - io(without.first.flow.total)) / firstEvents)),
    row("function calls", "", flowed(without.first.flow.total.calls, withEvents.first.flow.total.calls)),
    row("documents written", `≤ ${BUDGET.documentsWritten}`, flowed(writes(without), writes(withEvents))),
    "",
    `JSON bytes stored per event after ${STEADY_DAYS} days, by table (what the events added to the second day):`,
    "",
    "| table | bytes per event | documents per event |",
    "|---|---:|---:|",
    ...withEvents.steady
      .filter((table) => !isHistory(table))
      .map((table) => {
        const before = steadyBefore.get(tableName(table));
        return [tableName(table), (table.jsonBytes - (before?.jsonBytes ?? 0)) / secondEvents, (table.documents - (before?.documents ?? 0)) / secondEvents] as const;
      })
      .filter(([, bytes]) => Math.abs(bytes) >= 1)
      .sort((a, b) => b[1] - a[1])
      .map(([table, bytes, documents]) => `| ${table} | ${n(bytes)} | ${n(documents, 2)} |`),
    "",
    "Documents written per event in the first span, by table (what the events added):",
    "",
    "| table | per event |",
    "|---|---:|",
    ...withEvents.first.flow.writesByTable
      .map(([table, count]) => [table, (count - (byTable.get(table) ?? 0)) / firstEvents] as const)
      .filter(([, added]) => Math.abs(added) >= 0.005)
      .map(([table, added]) => `| ${table} | ${added.toFixed(2)} |`),
  ];
}

/** Documents written per view in the first span, by table, at each pace (the small site's order). */
function writesTable(results: SiteResult[]): string[] {
  const flows = results.map((r) => r.first.flow);
  const perView = results.map((r) => new Map(r.first.flow.writesByTable.map(([table, count]) => [table, count / firstViews(r)])));
  const tables = [...new Set(flows.flatMap((flow) => flow.writesByTable.map(([table]) => table)))];
  return [
    `| table | ${results.map((r) => r.site.name).join(" | ")} |`,
    `|---|${results.map(() => "---:").join("|")}|`,
    ...tables.map((table) => `| ${table} | ${perView.map((counts) => (counts.get(table) ?? 0).toFixed(2)).join(" | ")} |`),
    `| **every table** | ${results.map((r) => (r.first.flow.writesByTable.reduce((sum, [, count]) => sum + count, 0) / firstViews(r)).toFixed(2)).join(" | ")} |`,
  ];
}

test("what a page view costs, at a small site's pace and a busy one's", async () => {
  vi.useFakeTimers();
  try {
    const started = realNow();
    const traffic = SITES.map(siteTraffic);
    const results: SiteResult[] = [];
    for (const [i, site] of SITES.entries()) results.push(await measure(site, traffic[i], i === 0));
    const withEvents = await measure({ ...SITES[0], events: true }, traffic[0], false);
    console.log(`every simulation: ${n((realNow() - started) / 1000)} s of real time`);
    const text = report(results, withEvents);
    console.log(text);
    writeFileSync(OUTPUT, `<!-- Generated by \`npm run bench\` (tests/bench/cost.bench.ts). -->\n\n${text}`);
  } finally {
    vi.useRealTimers();
  }
});
