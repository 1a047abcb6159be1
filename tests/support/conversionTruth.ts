import type { Doc } from "../../src/component/_generated/dataModel";
import type { BreakdownProperty, FilterOp, VisitProperty } from "../../src/shared/config";
import type { TimeRange } from "../../src/shared/timeRanges";
import type { TestConvex } from "./convex";
import type { Truth } from "./timeTruth";
import { propPairs } from "../../src/component/record/eventFields";

/**
 * Brute-force conversions from raw rows, to check goals, events, event properties and funnels against (prds/events.md):
 * a visit's steps are its views and its session's events between its start and last activity, in time order (an
 * event at a view's millisecond after it); step filters test one step for all of them; a visit converts when a step
 * passes; funnels reach their goals in order within one visit. Written apart from the code it checks.
 */

export type Events = readonly Pick<Doc<"customEvents">, "sessionId" | "name" | "timestamp" | "props" | "revenue">[];
export type GoalDefinition = { name: string; event?: string; page?: string; props?: { key: string; value: string }[] };
export type AnyFilter = { property: string; op: FilterOp; value: string };
type Visit = Truth["visits"][number];
type Step = { page: string; at: number } | { event: string; at: number; props: { key: string; value: string }[]; revenue: number };

export const readEvents = async (t: TestConvex): Promise<Events> => await t.runInStats((ctx) => ctx.db.query("customEvents").collect());

const inRange = (at: number, range: TimeRange) => at >= range.from && at < range.to;

/** Each visit with its steps in time order. */
export function visitsWithSteps(truth: Truth, events: Events): { visit: Visit; steps: Step[] }[] {
  return truth.visits.map((visit) => {
    const during = (sessionId: string, at: number) => sessionId === visit.sessionId && at >= visit.start && at <= visit.lastActivity;
    const views: Step[] = truth.views.filter((view) => during(view.sessionId, view.timestamp)).map((view) => ({ page: view.path, at: view.timestamp }));
    const sent: Step[] = events
      .filter((event) => during(event.sessionId, event.timestamp))
      .map((event) => ({ event: event.name, at: event.timestamp, props: propPairs(event.props), revenue: event.revenue?.minorUnits ?? 0 }));
    // Stable: views first at one millisecond.
    const steps = [...views, ...sent].sort((a, b) => a.at - b.at || ("page" in a ? 0 : 1) - ("page" in b ? 0 : 1));
    return { visit, steps };
  });
}

function passes({ op, value }: AnyFilter, candidate: string | undefined): boolean {
  if (op === "is") return candidate === value;
  if (op === "isNot") return candidate !== value;
  return candidate !== undefined && candidate.toLowerCase().includes(value.toLowerCase());
}

/** Whether a page matches a goal's pattern: `*` within a segment, `**` across them. */
export function matchesPattern(pattern: string, path: string): boolean {
  const match = (p: number, s: number): boolean => {
    if (p === pattern.length) return s === path.length;
    if (pattern.startsWith("**", p)) return Array.from({ length: path.length - s + 1 }, (_, k) => s + k).some((end) => match(p + 2, end));
    if (pattern[p] === "*") {
      for (let end = s; end <= path.length; end++) {
        if (match(p + 1, end)) return true;
        if (path[end] === "/") break;
      }
      return false;
    }
    return s < path.length && pattern[p] === path[s] && match(p + 1, s + 1);
  };
  return match(0, 0);
}

export function reachesGoal(goal: GoalDefinition, step: Step): boolean {
  if (goal.page !== undefined) return "page" in step && matchesPattern(goal.page, step.page);
  return "event" in step && step.event === goal.event && (goal.props ?? []).every(({ key, value }) => step.props.some((prop) => prop.key === key && prop.value === value));
}

const isStepFilter = ({ property }: AnyFilter) => property === "goal" || property === "event" || property.startsWith("prop:");

function stepPasses(filters: AnyFilter[], goals: GoalDefinition[], step: Step): boolean {
  return filters.filter(isStepFilter).every((filter) => {
    if (filter.property === "goal") return reachesGoal(goals.find(({ name }) => name === filter.value)!, step);
    if (!("event" in step)) return false;
    if (filter.property === "event") return passes(filter, step.event);
    return passes(filter, step.props.find(({ key }) => key === filter.property.slice("prop:".length))?.value);
  });
}

/** The visits starting in the range that pass the filters of pages and visit properties, with their views that count. */
function scannedVisits(all: { visit: Visit; steps: Step[] }[], range: TimeRange, filters: AnyFilter[]) {
  const pageFilters = filters.filter(({ property }) => property === "page");
  const visitFilters = filters.filter((filter) => filter.property !== "page" && !isStepFilter(filter));
  return all.flatMap(({ visit, steps }) => {
    if (!inRange(visit.start, range) || !visitFilters.every((filter) => passes(filter, visit[filter.property as VisitProperty]))) return [];
    const views = steps.filter((step) => "page" in step && pageFilters.every((filter) => passes(filter, step.page)));
    if (views.length === 0) return [];
    return [{ visit, steps, pageviews: views.length, pages: new Map(views.map((view) => [(view as { page: string }).page, views.filter((each) => (each as { page: string }).page === (view as { page: string }).page).length])) }];
  });
}

type Tally = { sessions: Set<string>; visits: number; bounces: number; durationMs: number; pageviews: number; events: number; revenue: number; base: Set<string> };
const newTally = (): Tally => ({ sessions: new Set(), visits: 0, bounces: 0, durationMs: 0, pageviews: 0, events: 0, revenue: 0, base: new Set() });

function conversionFigures(visitors: number, events: number, base: number, revenue: number) {
  return { events, conversionRate: base === 0 ? 0 : visitors / base, ...(revenue === 0 ? {} : { revenue: revenue / 100, averageRevenue: events === 0 ? 0 : revenue / events / 100 }) };
}

function visitFigures(tally: Tally) {
  const per = (total: number) => (tally.visits === 0 ? 0 : total / tally.visits);
  return { visits: tally.visits, viewsPerVisit: per(tally.pageviews), bounceRate: per(tally.bounces), visitDurationMs: per(tally.durationMs) };
}

/** Adds a scanned visit to a tally: to its base visitors, and when it converts (or no step filter applies), to its figures. */
function addScanned(tally: Tally, scanned: ReturnType<typeof scannedVisits>[number], pageviews: number, filters: AnyFilter[], goals: GoalDefinition[]): void {
  tally.base.add(scanned.visit.sessionId);
  const converting = scanned.steps.filter((step) => stepPasses(filters, goals, step));
  if (filters.some(isStepFilter) && converting.length === 0) return;
  tally.events += converting.length;
  tally.revenue += converting.reduce((sum, step) => sum + ("event" in step ? step.revenue : 0), 0);
  tally.sessions.add(scanned.visit.sessionId);
  tally.visits++;
  if (scanned.visit.views === 1) tally.bounces++;
  tally.durationMs += scanned.visit.lastActivity - scanned.visit.start;
  tally.pageviews += pageviews;
}

/** `summary` under filters with step filters among them. */
export function expectedConversionSummary(all: { visit: Visit; steps: Step[] }[], goals: GoalDefinition[], range: TimeRange, filters: AnyFilter[]) {
  const tally = newTally();
  for (const scanned of scannedVisits(all, range, filters)) addScanned(tally, scanned, scanned.pageviews, filters, goals);
  return { ...range, pageviews: tally.pageviews, visitors: tally.sessions.size, ...visitFigures(tally), ...conversionFigures(tally.sessions.size, tally.events, tally.base.size, tally.revenue) };
}

/** `breakdown` by a visit property or pages under filters with step filters among them: every row, ranked. */
export function expectedConversionPropertyBreakdown(all: { visit: Visit; steps: Step[] }[], goals: GoalDefinition[], property: BreakdownProperty, range: TimeRange, filters: AnyFilter[]) {
  const tallies = new Map<string, Tally>();
  const tallyOf = (value: string) => tallies.get(value) ?? tallies.set(value, newTally()).get(value)!;
  for (const scanned of scannedVisits(all, range, filters)) {
    if (property === "page") for (const [path, views] of scanned.pages) addScanned(tallyOf(path), scanned, views, filters, goals);
    else if (scanned.visit[property] !== undefined) addScanned(tallyOf(scanned.visit[property]), scanned, scanned.pageviews, filters, goals);
  }
  const metric = property === "page" ? "pageviews" : "visits";
  return [...tallies]
    .filter(([, tally]) => tally.visits > 0)
    .sort(([a, x], [b, y]) => y[metric] - x[metric] || y.sessions.size - x.sessions.size || (a < b ? -1 : 1))
    .map(([value, tally]) => {
      const { visits, bounceRate, visitDurationMs } = visitFigures(tally);
      return {
        value,
        pageviews: tally.pageviews,
        visitors: tally.sessions.size,
        ...(property === "page" ? {} : { visits, bounceRate, visitDurationMs }),
        ...conversionFigures(tally.sessions.size, tally.events, tally.base.size, tally.revenue),
      };
    });
}

/** `breakdown` by `event`, `goal`, `props` (keys) or `prop:<key>` answered by a scan (under filters): every row, ranked by unique conversions. */
export function expectedConversionsBreakdown(all: { visit: Visit; steps: Step[] }[], goals: GoalDefinition[], target: string, range: TimeRange, filters: AnyFilter[]) {
  const base = new Set<string>();
  const tallies = new Map<string, { sessions: Set<string>; events: number; revenue: number }>();
  for (const { visit, steps } of scannedVisits(all, range, filters)) {
    base.add(visit.sessionId);
    for (const step of steps) {
      if (!stepPasses(filters, goals, step)) continue;
      const values =
        target === "goal"
          ? goals.filter((goal) => reachesGoal(goal, step)).map(({ name }) => name)
          : !("event" in step)
            ? []
            : target === "event"
              ? [step.event]
              : target === "props"
                ? step.props.map(({ key }) => key)
                : step.props.filter(({ key }) => key === target.slice("prop:".length)).map(({ value }) => value);
      for (const value of values) {
        const tally = tallies.get(value) ?? tallies.set(value, { sessions: new Set(), events: 0, revenue: 0 }).get(value)!;
        tally.sessions.add(visit.sessionId);
        tally.events++;
        tally.revenue += "event" in step ? step.revenue : 0;
      }
    }
  }
  return [...tallies]
    .sort(([a, x], [b, y]) => y.sessions.size - x.sessions.size || y.events - x.events || (a < b ? -1 : 1))
    .map(([value, tally]) => ({ value, visitors: tally.sessions.size, ...conversionFigures(tally.sessions.size, tally.events, base.size, tally.revenue) }));
}

/** A funnel's steps with the visits starting in the range (under the filters) that reached each in order. */
export function expectedFunnel(all: { visit: Visit; steps: Step[] }[], goals: GoalDefinition[], funnel: string[], range: TimeRange, filters: AnyFilter[]) {
  const reached = funnel.map(() => 0);
  for (const { steps } of scannedVisits(all, range, filters)) {
    let next = 0;
    for (const step of steps) if (next < funnel.length && reachesGoal(goals.find(({ name }) => name === funnel[next])!, step)) next++;
    for (let i = 0; i < next; i++) reached[i]++;
  }
  return funnel.map((goal, i) => ({ goal, visits: reached[i] }));
}

/**
 * `breakdown` by goal without filters, from time buckets: each goal's matching views or events by their own time
 * (an event goal of at most one property value reads its event's buckets, any other its own); each rate of the
 * range's visitors. `scanned`: goals whose own buckets are not whole yet, counted from the steps of visits starting
 * in the range instead.
 */
export function expectedGoalsBreakdown(
  all: { visit: Visit; steps: Step[] }[],
  truth: Truth,
  events: Events,
  goals: GoalDefinition[],
  range: TimeRange,
  siteVisitors: number,
  scanned: readonly string[] = [],
) {
  const fromScan = expectedConversionsBreakdown(all, goals.filter((goal) => scanned.includes(goal.name)), "goal", range, []);
  const rows = goals
    .filter((goal) => !scanned.includes(goal.name))
    .flatMap((goal) => {
      const steps: { sessionId: string; revenue: number }[] =
        goal.page !== undefined
          ? truth.views.filter((view) => inRange(view.timestamp, range) && matchesPattern(goal.page!, view.path)).map((view) => ({ sessionId: view.sessionId, revenue: 0 }))
          : events
              .filter((event) => inRange(event.timestamp, range) && reachesGoal(goal, { event: event.name, at: event.timestamp, props: propPairs(event.props), revenue: 0 }))
              .map((event) => ({ sessionId: event.sessionId, revenue: event.revenue?.minorUnits ?? 0 }));
      const revenue = steps.reduce((sum, step) => sum + step.revenue, 0);
      const visitors = new Set(steps.map((step) => step.sessionId)).size;
      return steps.length === 0 ? [] : [{ value: goal.name, visitors, ...conversionFigures(visitors, steps.length, siteVisitors, revenue) }];
    });
  return [...rows, ...fromScan.map((row) => ({ ...row, ...conversionFigures(row.visitors, row.events, siteVisitors, Math.round((row.revenue ?? 0) * 100)) }))].sort(
    (a, b) => b.visitors - a.visitors || b.events - a.events || (a.value < b.value ? -1 : 1),
  );
}
