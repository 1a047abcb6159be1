import { writeFileSync } from "node:fs";
import { test, vi } from "vitest";
import { HEARTBEAT_INTERVAL_MS, RAW_RETENTION_MIN_DAYS, VISIT_SETTLE_GRACE_MS, VISIT_TIMEOUT_MS, WORKER_UNWATCHED_DEBOUNCE_MS, WORKER_UNWATCHED_FOLD_MS } from "../../src/shared/config";
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
 * without the next day (the first span's I/O, calls and writes, then a day with
 * no visitor) and with it; what the second stores more is what a day adds once
 * the site is running (see `report`). Writes cost.results.md; about a minute on 2 cores.
 */

// The real clock, taken before any timer is faked, to print how long each simulation took.
const realNow = performance.now.bind(performance);
const OUTPUT = new URL("./cost.results.md", import.meta.url);
const FULL_DAY = process.env.COST_BENCH_FULL_DAY === "1";
/** The demo's model plans this many days of traffic before the first span (its growth and returning visitors in their stride); of them, only the second day's returners' visits are sent. */
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

/** Calls sent from `from` until the next part's `from` (the last part's: until every visit has settled after its `to`). */
type Part = Span & { calls: TrackerCall[] };

/**
 * The model's calls for a site: its first span's and the next day's, and, so that the deployment has met every visitor
 * of the second day the model has, those visitors' earlier visits on days not simulated (the model's history days, the
 * busy site's night between its spans once the first span has settled). `unmet`: second-day visitors the model has met
 * only in calls left out (none, or a few on the busy site, whose visits ran into the first span's settling).
 */
type SiteTraffic = { earlier: Part; first: Part; between?: Part; second: Part; secondVisitors: number; unmet: Set<string> };

const sessionsViewing = (calls: TrackerCall[]) => new Set(calls.filter((call) => call.kind === "view").map((call) => call.sessionId));

function siteTraffic(site: Site): SiteTraffic {
  const secondSpan = nextDay(site);
  // One plan for both days (drawn once: session ids are random), so the second day's returning visitors include the first's.
  const calls = trackerTraffic({ from: site.from, to: secondSpan.to, viewsPerDay: site.viewsPerDay, pages: PAGES, seed: 19, historyDays: HISTORY_DAYS, events: true, withHistory: true });
  const part = (span: Span, sessions?: ReadonlySet<string>): Part => ({ ...span, calls: calls.filter((call) => within(span)(call) && (sessions?.has(call.sessionId) ?? true)) });
  const first = part(site);
  const second = part(secondSpan);
  const metOnTheFirst = sessionsViewing(first.calls);
  const returners = new Set([...sessionsViewing(second.calls)].filter((session) => !metOnTheFirst.has(session)));
  const earlier = part({ from: calls[0]?.at ?? site.from, to: site.from }, returners);
  const gap = { from: site.to + SETTLE_TAIL_MS, to: secondSpan.from };
  const between = gap.from < gap.to ? part(gap, returners) : undefined;
  const met = sessionsViewing([...earlier.calls, ...first.calls, ...(between?.calls ?? [])]);
  const plannedBefore = sessionsViewing(calls.filter((call) => call.at < secondSpan.from));
  const unmet = new Set([...returners].filter((session) => plannedBefore.has(session) && !met.has(session)));
  return { earlier, first, between, second, secondVisitors: sessionsViewing(second.calls).size, unmet };
}

/** A site's tables as they stand once every visit has settled, once the minute window has passed, and once the hour window has (each rollup run by the cron and the worker). */
type Stages = { settled: TableStorage[]; minutesRolledUp: TableStorage[]; hoursRolledUp: TableStorage[] };

/** What a part's calls did: views counted, heartbeats and events sent, visits stored, and what every function cost meanwhile. */
type PartResult = { views: number; heartbeats: number; events: number; visits: number; flow: Flow };

/** What one deployment did and stored. */
type Run = {
  parts: PartResult[];
  idle?: Flow;
  /** From `stagesFrom` on: the tables, and the time buckets by level. */
  stages: Stages;
  levelStages: Stages;
};

type SiteResult = {
  site: Site;
  /** The second day's returners' earlier visits and the first span (parts[FIRST]): its I/O, calls and writes, and its idle day. */
  first: Run;
  /** The same, then the next day (its last part). */
  both: Run;
  /** What the second day added, table by table and time buckets by level, at each stage (`both` less `first`, at the same moments). */
  growth: Stages;
  levelGrowth: Stages;
  /** A day's share of a new week's and month's time buckets, by level. */
  calendar: TableStorage[];
  /** What a day adds after STEADY_DAYS days, by table and time buckets by level: the growth mixed over the windows, and the calendar's share. */
  steady: TableStorage[];
  steadyLevels: TableStorage[];
  traffic: SiteTraffic;
};

/** Index of the first span among a run's parts (after the returners' earlier visits). */
const FIRST = 1;

async function simulate(parts: Part[], options: { stagesFrom: number; idleDay?: boolean }): Promise<Run> {
  vi.setSystemTime(parts[0].from);
  const t = createTestConvex();
  const meter = new CostMeter(t);
  const visitCount = () => committedRows(t, STATS_COMPONENT, "visits").length;
  try {
    const crons = siteCrons(STATS_COMPONENT);
    const settled = parts[parts.length - 1].to + SETTLE_TAIL_MS;
    const results: PartResult[] = [];
    for (const [i, { calls }] of parts.entries()) {
      const before = meter.reading();
      const visitsBefore = visitCount();
      const { views, heartbeats } = await meter.replay(calls, { crons, until: parts[i + 1]?.from ?? settled });
      results.push({ views, heartbeats, events: calls.filter((call) => call.kind === "event").length, visits: visitCount() - visitsBefore, flow: meter.since(before) });
    }
    const views = results.reduce((sum, part) => sum + part.views, 0);
    const counted = committedRows(t, STATS_COMPONENT, "counters").find((row) => row.name === "pageViews")?.value;
    if (counted !== views) throw new Error(`${counted} of ${views} views folded by the end of the span`);
    if (committedRows(t, STATS_COMPONENT, "visitFolds").length > 0) throw new Error("visits still open at the end of the span");
    let idle: Flow | undefined;
    if (options.idleDay) {
      const before = meter.reading();
      await meter.replay([], { crons, until: settled + DAY });
      idle = meter.since(before);
    }
    // No visitor comes back while each window passes.
    const { stagesFrom } = options;
    const snapshots: { tables: TableStorage[]; levels: TableStorage[] }[] = [];
    for (const days of [0, WINDOWS.minuteDays + 1, WINDOWS.hourDays + 1]) {
      await meter.replay([], { crons, until: stagesFrom + days * DAY });
      snapshots.push({ tables: storedTables(t), levels: bucketLevels(t) });
    }
    const [settledAt, minutesAt, hoursAt] = snapshots;
    return {
      parts: results,
      idle,
      stages: { settled: settledAt.tables, minutesRolledUp: minutesAt.tables, hoursRolledUp: hoursAt.tables },
      levelStages: { settled: settledAt.levels, minutesRolledUp: minutesAt.levels, hoursRolledUp: hoursAt.levels },
    };
  } finally {
    meter.dispose();
  }
}

/**
 * A site simulated twice with the same calls (events left out unless the site has them): without the next day and
 * with it. Both deployments' stages are read at the same moments, from the second's settling on, so that every row
 * they share is at the same stage of its rollup in both.
 */
async function measure(site: Site, traffic: SiteTraffic, idleDay: boolean): Promise<SiteResult> {
  const sent = (part: Part): Part => (site.events ? part : { ...part, calls: part.calls.filter((call) => call.kind !== "event") });
  const firstParts = [traffic.earlier, traffic.first, ...(traffic.between === undefined ? [] : [traffic.between])].map(sent);
  const stagesFrom = traffic.second.to + SETTLE_TAIL_MS;
  let started = realNow();
  const first = await simulate(firstParts, { stagesFrom, idleDay });
  const firstSeconds = (realNow() - started) / 1000;
  started = realNow();
  const both = await simulate([...firstParts, sent(traffic.second)], { stagesFrom });
  console.log(`${site.name}${site.events ? " with events" : ""}: simulated in ${n(firstSeconds)} s (without the next day) and ${n((realNow() - started) / 1000)} s (with it) of real time`);
  // The second deployment's parts before the next day must be the first's for their difference to be the next day's.
  first.parts.forEach((part, i) => {
    if (both.parts[i].views !== part.views) throw new Error(`${site.name}: part ${i} counted ${both.parts[i].views} views before the next day, ${part.views} without it`);
  });
  const minus = (a: Stages, b: Stages): Stages => ({
    settled: added(a.settled, scaled(b.settled, -1)),
    minutesRolledUp: added(a.minutesRolledUp, scaled(b.minutesRolledUp, -1)),
    hoursRolledUp: added(a.hoursRolledUp, scaled(b.hoursRolledUp, -1)),
  });
  const growth = minus(both.stages, first.stages);
  const levelGrowth = minus(both.levelStages, first.levelStages);
  const calendar = freshCalendarRows(first.levelStages.settled);
  const { documents, jsonBytes, schemaIndexEntries } = totals(calendar);
  const steady = added(mixed(growth), [{ component: STATS_COMPONENT, table: "timeBuckets", documents, jsonBytes, indexEntries: schemaIndexEntries }]);
  return { site, first, both, growth, levelGrowth, calendar, steady, steadyLevels: added(mixed(levelGrowth), calendar), traffic };
}

/** The stats component's time buckets by level (as tables named "liveStats/timeBuckets/<level>"): how much of their storage is shared by many views (week, month, all time) rather than made anew every day. */
function bucketLevels(t: TestConvex): TableStorage[] {
  const levels = new Map<string, TableStorage>();
  const indexes = indexesPerDocument(STATS_COMPONENT, "timeBuckets");
  for (const row of committedRows(t, STATS_COMPONENT, "timeBuckets")) {
    const level = String(row.level);
    const entry = levels.get(level) ?? { component: `${STATS_COMPONENT}/timeBuckets`, table: level, documents: 0, jsonBytes: 0, indexEntries: 0 };
    entry.documents++;
    entry.jsonBytes += documentJsonBytes(row);
    entry.indexEntries += indexes;
    levels.set(level, entry);
  }
  return [...levels.values()];
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

/** The raw tables raw retention deletes from (operate/retention.ts): a day's rows of them stay `days` of the STEADY_DAYS. */
const RAW_TABLES = ["pageViews", "visits", "customEvents"];
/** Retention settings shown beside the headline: the least the setting allows, and a month. */
const RETENTION_DAYS = [RAW_RETENTION_MIN_DAYS, 30];
const withRawRetention = (tables: TableStorage[], days: number): TableStorage[] =>
  tables.map((table) => (table.component === STATS_COMPONENT && RAW_TABLES.includes(table.table) ? scaled([table], days / STEADY_DAYS)[0] : table));

/** A day's share of a new week's and month's own rows: the first deployment's week-level time buckets / 7, month-level / 30 (what a week's or month's first day writes). */
const freshCalendarRows = (levels: TableStorage[]): TableStorage[] => levels.flatMap((level) => (level.table in CALENDAR_DAYS ? scaled([level], 1 / CALENDAR_DAYS[level.table]) : []));

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
const firstSpan = (r: SiteResult) => r.first.parts[FIRST];
const secondDay = (r: SiteResult) => r.both.parts[r.both.parts.length - 1];
const firstViews = (r: SiteResult) => firstSpan(r).views;
const secondViews = (r: SiteResult) => secondDay(r).views;

/** Summed over tables, the scheduled-function history left out. */
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
    ...RETENTION_DAYS.map((days) =>
      row(`&nbsp;&nbsp;with raw retention at ${days} days (\`STATS_RAW_RETENTION_DAYS\`; computed: the raw tables' rows ${days} days of ${STEADY_DAYS})`, "", (r) => `${stored(r, (s) => s.jsonBytes, withRawRetention(r.steady, days), 0)} / ${stored(r, (s) => s.indexEntries, withRawRetention(r.steady, days))}`),
    ),
    row(`index entries after ${STEADY_DAYS} days (schema indexes + by_id and by_creation_time)`, `≤ ${BUDGET.indexEntries}`, (r) => stored(r, (s) => s.indexEntries)),
    row("&nbsp;&nbsp;on the day itself", "", (r) => stored(r, (s) => s.indexEntries, r.growth.settled)),
    row("&nbsp;&nbsp;of which the schemas' own indexes", "", (r) => stored(r, (s) => s.schemaIndexEntries)),
    row("documents stored", "", (r) => stored(r, (s) => s.documents)),
    row("database I/O (bytes read + written, every function)", `≤ ${kib(BUDGET.ioBytes)}`, (r) => kib(io(firstSpan(r).flow.total) / firstViews(r))),
    row("&nbsp;&nbsp;bytes read", "", (r) => kib(firstSpan(r).flow.total.bytesRead / firstViews(r))),
    row("&nbsp;&nbsp;bytes written", "", (r) => kib(firstSpan(r).flow.total.bytesWritten / firstViews(r))),
    row("function calls (visitor + cron + scheduled runs)", "", (r) => per(r, firstSpan(r).flow.total.calls)),
    row("functions scheduled: scheduled runs", `≤ ${BUDGET.scheduledRuns}`, (r) => per(r, firstSpan(r).flow.bySource.scheduled.calls)),
    row("&nbsp;&nbsp;jobs scheduled (canceled ones included)", "", (r) => per(r, firstSpan(r).flow.total.functionsScheduled)),
    row("documents written (visitor + cron + scheduled)", `≤ ${BUDGET.documentsWritten}`, (r) => per(r, firstSpan(r).flow.total.documentsWritten)),
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
    row("database I/O", (r) => `${n(flowed(r, io(firstSpan(r).flow.total)) / 1e9, 2)} GB`),
    row("function calls", (r) => n(flowed(r, firstSpan(r).flow.total.calls))),
    row("scheduled runs", (r) => n(flowed(r, firstSpan(r).flow.bySource.scheduled.calls))),
    row("documents written", (r) => n(flowed(r, firstSpan(r).flow.total.documentsWritten))),
  ];
}

const visitsStored = (tables: TableStorage[]) => tables.find((table) => table.component === STATS_COMPONENT && table.table === "visits")?.documents ?? 0;

function workload(results: SiteResult[]): string[] {
  const tail = `then ${n(SETTLE_TAIL_MS / MINUTE)} minutes until every view is folded and every visit has settled`;
  type Counts = Pick<PartResult, "views" | "heartbeats" | "visits">;
  const row = (site: string, simulated: string, { views, heartbeats, visits }: Counts, flow?: Flow) =>
    `| ${site} | ${simulated} | ${n(views)} | ${n(heartbeats)} | ${n(visits)} | ${flow ? n(flow.bySource.cron.calls) : ""} | ${flow ? n(flow.bySource.scheduled.calls) : ""} |`;
  return [
    "| site | simulated | views counted | heartbeats sent | visits | cron runs | scheduled runs |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...results.flatMap((r) => {
      const earlier = r.first.parts.filter((_, i) => i !== FIRST);
      const sum = (f: (part: PartResult) => number) => earlier.reduce((total, part) => total + f(part), 0);
      return [
        row(`${r.site.name}, ${n(r.site.viewsPerDay)} views a day`, `first span: ${r.site.span}, ${tail}`, firstSpan(r), firstSpan(r).flow),
        row("", "the next day, the same hours (what the deployment with it did more)", { ...secondDay(r), visits: visitsStored(r.growth.settled) }, secondDay(r).flow),
        row("", "in both deployments: the next day's returning visitors' earlier visits, on days not simulated otherwise", {
          views: sum((part) => part.views),
          heartbeats: sum((part) => part.heartbeats),
          visits: sum((part) => part.visits),
        }),
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
  const levels = [...new Set(results.flatMap((r) => r.levelGrowth.settled.map((level) => level.table)))];
  const cell = (r: SiteResult, levels: TableStorage[], level: string) => {
    const entry = levels.find((each) => each.table === level);
    return entry === undefined ? "0" : `${n(entry.documents / secondViews(r), 2)} / ${n(entry.jsonBytes / secondViews(r), 0)}`;
  };
  return [
    `| time-bucket level: rows / JSON bytes per view | ${results.map((r) => `${r.site.name}: settled | after ${STEADY_DAYS} days`).join(" | ")} |`,
    `|---|${results.map(() => "---:|---:").join("|")}|`,
    ...levels.map((level) => `| ${level} | ${results.map((r) => `${cell(r, r.levelGrowth.settled, level)} | ${cell(r, r.steadyLevels, level)}`).join(" | ")} |`),
  ];
}

function stagesTable(results: SiteResult[]): string[] {
  const row = (label: string, f: (r: SiteResult) => string) => `| ${label} | ${results.map(f).join(" | ")} |`;
  const second = (tables: (r: SiteResult) => TableStorage[]) => (r: SiteResult) => bytesAndEntries(tables(r), secondViews(r));
  return [
    `| the second day's rows, per view | ${results.map((r) => `${r.site.name}: JSON bytes / index entries`).join(" | ")} |`,
    `|---|${results.map(() => "---:").join("|")}|`,
    row("once every visit has settled", second((r) => r.growth.settled)),
    row(`after the minute window (${WINDOWS.minuteDays} days)`, second((r) => r.growth.minutesRolledUp)),
    row(`after the hour window (${WINDOWS.hourDays} days)`, second((r) => r.growth.hoursRolledUp)),
    row(`mixed over ${STEADY_DAYS} days`, second((r) => mixed(r.growth))),
    row("plus a day's share of a new week's and month's rows", second((r) => r.calendar)),
    row(`**after ${STEADY_DAYS} days** (the headline)`, second((r) => r.steady)),
  ];
}

function sourcesTable(result: SiteResult): string[] {
  const { flow } = firstSpan(result);
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
      r.growth.settled
        .filter(isHistory)
        .map((table) => `| ${r.site.name} | ${table.component} | ${n(table.documents)} | ${n(table.jsonBytes / secondViews(r))} | ${mb((table.jsonBytes / secondViews(r)) * PER)} |`),
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
  const calendar = (r: SiteResult) => `${bytesAndEntries(r.calendar, secondViews(r))} on the ${r.site.name}`;
  const unmet = results.filter((r) => r.traffic.unmet.size > 0);
  return [
    "What a page view costs a site, end to end: storage, database I/O, function calls, scheduled runs and documents written,",
    "in Convex's own units (the transaction counters of every function: visitors' calls, the cron, every scheduled run).",
    "",
    ...headline(results),
    "",
    "Storage: what a day adds once the site is running, measured on a second day, per view counted that day (below). The rest: the first span, per view counted in it.",
    "",
    ...per100k(results),
    "",
    "## What was simulated",
    "",
    `The blog's public calls, as its visitors' trackers send them (tests/support/trackerTraffic.ts): the demo's visits (tools/demo/traffic.ts:`,
    `a day's rhythm, 30% returning visits, referrers, UTM campaigns, browsers, places and screens, pages read for seconds to minutes)`,
    `on a blog of ${PAGES.length} pages, each view with its heartbeat, one every ${HEARTBEAT_INTERVAL_MS / 1000} s while the page stays open and one as`,
    `a visit's reader leaves its last page (\`api.stats.recordPageView\`, \`api.stats.heartbeat\`). Every scheduled job (the stats worker's loop and monitor, the cleanup's`,
    `follow-ups) runs at its due time, and the site's cron (${crons.map((cron) => `\`${cron.udfPath}\` every ${cron.everyMs / 1000} s`).join(", ")}) at its cadence, from an empty deployment (UTC).`,
    "Each site twice with the same calls: without the next day and with it (the model's visits going on, its returning visitors the",
    "first span's among them). In both, the next day's returning visitors' earlier visits on the model's days not simulated otherwise",
    "are sent too, before the first span and after it has settled, so that the deployment has met every visitor of the next day the model has:",
    "",
    ...workload(results),
    "",
    "Per view means per view counted (a repeat within the dedup window is not one). The figures cover everything the span cost,",
    "from the first call until every view was folded and every visit settled (checked): the visitors' calls, every cron run, every scheduled run. A function call",
    "is one top-level execution (the app's re-exported mutation calling into the component in the same transaction is one call).",
    "",
    `## Storage after ${STEADY_DAYS} days: what a day adds, measured on the second`,
    "",
    "- **Measured**: what the deployment with the next day stores more than the one without it, table by table, read at the same",
    "  moments: once the next day's visits have settled, once its minute window has passed and once its hour window has (prds/rollup.md:",
    `  minute and quarter-hour buckets go after ${WINDOWS.minuteDays} days, hour buckets after ${WINDOWS.hourDays}; no visitor meanwhile, the cron and the worker running). That is`,
    "  what a day adds to a site that has met its returning visitors and holds its week's, month's and all-time buckets already. Two",
    "  deployments, not one: the small site's days meet at midnight, with visits across it and views folded after it, so no moment",
    "  of one deployment separates the two days' rows; read at the same moments, every older row is at the same stage of its rollup in both.",
    `  After ${STEADY_DAYS} days a site holds ${WINDOWS.minuteDays} days as settled, ${WINDOWS.hourDays - WINDOWS.minuteDays} without minutes and the rest without hours: per view,`,
    `  (${WINDOWS.minuteDays} × settled + ${WINDOWS.hourDays - WINDOWS.minuteDays} × minutes gone + ${STEADY_DAYS - WINDOWS.hourDays} × hours gone) / ${STEADY_DAYS}.`,
    "- **Added for the calendar**: the next day is in the first's week and month (Thursday and Friday, 4 and 5 January 2024), but each",
    "  new week and month writes a row of its own for every value active in it. Each day is charged a seventh of the first deployment's",
    "  week rows and a thirtieth of its month rows (what a week's and a month's first day write, and the few values only the returners'",
    `  earlier visits had), in JSON bytes / index entries a view: ${results.map(calendar).join(", ")}. A little low: those rows'`,
    "  histograms count the first span's visitors back from days not sent as new (one shared entry, not one per previous minute).",
    "- **Still approximate, too high**: a later day finds more of its values and visitors there already than the second did, so it",
    "  adds less to the shared buckets and the visitors' rows.",
    ...unmet.map(
      (r) =>
        `  On the ${r.site.name}, ${n(r.traffic.unmet.size)} of the next day's ${n(r.traffic.secondVisitors)} visitors were met by the model only in visits left out (they ran into the first span's settling): they count as new.`,
    ),
    "",
    ...stagesTable(results),
    "",
    "## Everything else: the first span",
    "",
    "- **Database I/O, calls, scheduled runs and writes**: the first span's, from its first call until it settled, in the deployment",
    "  without the next day (after the returners' earlier visits). Per view they do not depend on the table sizes in the current design (a call and a",
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
    `Time buckets by level: what the second day adds, once its visits have settled and after ${STEADY_DAYS} days (minutes, quarter-hours and hours roll up;`,
    "week, month and all time are shared by many days' views, and bear the calendar's share):",
    "",
    ...levelsTable(results),
    "",
    "Scheduled-function history of the second day (not counted above; Convex keeps it a week):",
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
  const firstEvents = firstSpan(withEvents).events;
  const secondEvents = secondDay(withEvents).events;
  const flowed = (x: number, y: number, digits = 1) => n((y - x) / firstEvents, digits);
  const stored = (x: (tables: TableStorage[]) => number, digits: number) => n((x(withEvents.steady) - x(without.steady)) / secondEvents, digits);
  const row = (label: string, budget: string, value: string) => `| ${label} | ${value} | ${budget} |`;
  const writes = (r: SiteResult) => firstSpan(r).flow.writesByTable.reduce((sum, [, count]) => sum + count, 0);
  const byTable = new Map(firstSpan(without).flow.writesByTable);
  const steadyBefore = new Map(without.steady.map((table) => [tableName(table), table]));
  return [
    `${n(firstEvents)} events sent with the small site's first ${n(firstViews(withEvents))} views, ${n(secondEvents)} with its second day's ${n(secondViews(withEvents))} (the same views as without them).`,
    "",
    "| per custom event | small site | issue 19's budget (per view) |",
    "|---|---:|---:|",
    row(`JSON bytes stored after ${STEADY_DAYS} days`, `≤ ${BUDGET.jsonBytes}`, stored((tables) => totals(tables).jsonBytes, 0)),
    row(`index entries after ${STEADY_DAYS} days`, `≤ ${BUDGET.indexEntries}`, stored((tables) => totals(tables).indexEntries, 1)),
    row("database I/O (bytes read + written)", `≤ ${kib(BUDGET.ioBytes)}`, kib((io(firstSpan(withEvents).flow.total) - io(firstSpan(without).flow.total)) / firstEvents)),
    row("function calls", "", flowed(firstSpan(without).flow.total.calls, firstSpan(withEvents).flow.total.calls)),
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
    ...firstSpan(withEvents).flow.writesByTable
      .map(([table, count]) => [table, (count - (byTable.get(table) ?? 0)) / firstEvents] as const)
      .filter(([, added]) => Math.abs(added) >= 0.005)
      .map(([table, added]) => `| ${table} | ${added.toFixed(2)} |`),
  ];
}

/** Documents written per view in the first span, by table, at each pace (the small site's order). */
function writesTable(results: SiteResult[]): string[] {
  const flows = results.map((r) => firstSpan(r).flow);
  const perView = results.map((r) => new Map(firstSpan(r).flow.writesByTable.map(([table, count]) => [table, count / firstViews(r)])));
  const tables = [...new Set(flows.flatMap((flow) => flow.writesByTable.map(([table]) => table)))];
  return [
    `| table | ${results.map((r) => r.site.name).join(" | ")} |`,
    `|---|${results.map(() => "---:").join("|")}|`,
    ...tables.map((table) => `| ${table} | ${perView.map((counts) => (counts.get(table) ?? 0).toFixed(2)).join(" | ")} |`),
    `| **every table** | ${results.map((r) => (firstSpan(r).flow.writesByTable.reduce((sum, [, count]) => sum + count, 0) / firstViews(r)).toFixed(2)).join(" | ")} |`,
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
