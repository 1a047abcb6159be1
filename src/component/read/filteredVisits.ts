import { ConvexError, v } from "convex/values";
import type { Doc } from "../_generated/dataModel.js";
import type { QueryCtx } from "../_generated/server.js";
import {
  BREAKDOWN_PROPERTIES,
  EVENT_PROP_KEY_MAX_BYTES,
  EVENT_PROP_PREFIX,
  EVENT_PROP_VALUE_MAX_BYTES,
  EVENT_PROPERTY,
  FILTER_OPS,
  GOAL_PROPERTY,
  FILTER_SCAN_MAX_BYTES,
  FILTER_SCAN_MAX_DOCS,
  MAX_FILTERS,
  MAX_VISIT_FIELD_BYTES,
  OPEN_VISITS_READ_MAX,
  PAGE_PROPERTIES,
  STEPS_SCAN_MAX_BYTES,
  STEPS_SCAN_MAX_DOCS,
  isStepProperty,
  type BreakdownProperty,
  type FilterOp,
  type FilterProperty,
  type StepProperty,
  type VisitProperty,
} from "../../shared/config.js";
import type { TimeRange } from "../../shared/timeRanges.js";
import { canonicalPath, type InvalidArgument } from "../../shared/validation.js";
import { getSettlementCursor } from "../derive/settleVisits.js";
import { forEachBlockVisit, groupOfProperty, type BlockDoc, type BlockGroup, type ScannedVisit } from "../derive/visitBlocks.js";
import type { Step } from "../derive/visitSteps.js";
import { goalMatcher, goalNamed } from "../operate/goalDefinitions.js";
import { noFigures, type Figures } from "./figures.js";
import type { RangeTooBusy } from "./openVisits.js";

/**
 * Figures under filters the time buckets cannot answer: several at once, "is not", "contains", or a breakdown under
 * a filter of another property. The visits of the range are scanned: those settled from their packed blocks
 * (derive/visitBlocks.ts), those in progress from the snapshot of them the worker publishes with each settling, at
 * most every FILTER_SNAPSHOT_MS (derive/openVisitSnapshot.ts), so every figure is exact, in-progress visits included,
 * and a scan's subscription re-runs once a minute, not with every worker batch. A scan reads at most
 * FILTER_SCAN_MAX_BYTES and FILTER_SCAN_MAX_DOCS (half of Convex's read limits, less room for the rest), one of steps
 * STEPS_SCAN_MAX_BYTES and STEPS_SCAN_MAX_DOCS (goals' and funnels' calls keep to 4 MiB and 8,000 documents); past
 * them the range is refused with `availableFrom`, the earliest start it could answer.
 *
 * What a filter matches (prds/filters.md): a visit property's filter tests the visit's value (`isNot` matches a
 * visit with none, `contains` ignores case); page filters test each view's page, and a visit matches when one of its
 * views passes them all. A matching visit counts with its start in the range: its visit figures, its session as a
 * visitor, and as page views its views that pass the page filters (all of them with none).
 *
 * Step filters (a goal, an event's name, `prop:<key>`: prds/events.md) test each of a visit's steps, its views and
 * custom events in order, all of them the same step: a visit converts when one of its steps passes them all, and its
 * passing steps are its conversions (events) with their revenue. Every visit that passes the other filters is passed
 * on with its conversion (none: 0 events), so callers count the visitors a conversion rate divides by.
 */

export const vFilters = v.array(v.object({ property: v.string(), op: v.string(), value: v.string() }));
export type Filter = { property: FilterProperty; op: FilterOp; value: string };
/** A visit's conversions under step filters: its passing steps and their revenue (minor units). */
export type Conversion = { events: number; revenue: number };
export type FilterTooBroad = { code: "FILTER_TOO_BROAD"; field: "filters"; message: string; availableFrom?: number };
export type RangeTooEarly = { code: "RANGE_TOO_EARLY"; field: "from"; message: string; availableFrom: number };

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function invalid(field: string, message: string): never {
  throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field, message });
}

const quoted = (value: unknown) => JSON.stringify(String(value).slice(0, 40));

/** The call's filters, checked: `filters`, or the older `filter` as one `is`; a page's value made canonical for `is` and `isNot`. */
export function parseFilters(args: { filter?: { property: string; value: string }; filters?: { property: string; op: string; value: string }[] }): Filter[] {
  if (args.filter !== undefined && args.filters !== undefined) invalid("filter", "give filters or filter, not both");
  const given = args.filters ?? (args.filter === undefined ? [] : [{ ...args.filter, op: "is" }]);
  const field = args.filters === undefined ? "filter" : "filters";
  if (given.length > MAX_FILTERS) invalid(field, `${field} takes at most ${MAX_FILTERS}; got ${given.length}`);
  return given.map(({ property, op, value }, i) => {
    const at = args.filters === undefined ? "filter" : `filters[${i}]`;
    if (!(FILTER_OPS as readonly string[]).includes(op)) invalid(`${at}.op`, `${at}.op must be one of ${FILTER_OPS.join(", ")}; got ${quoted(op)}`);
    if (isStepProperty(property)) return stepFilter(at, property, op as FilterOp, value);
    if (!(BREAKDOWN_PROPERTIES as readonly string[]).includes(property)) {
      invalid(`${at}.property`, `${at}.property must be ${GOAL_PROPERTY}, ${EVENT_PROPERTY}, ${EVENT_PROP_PREFIX}<key> or one of ${BREAKDOWN_PROPERTIES.join(", ")}; got ${quoted(property)}`);
    }
    const isPage = PAGE_PROPERTIES.includes(property as BreakdownProperty);
    if (isPage && op !== "contains") return { property: property as BreakdownProperty, op: op as FilterOp, value: canonicalPath(value, `${at}.value`) };
    if (value === "" || new TextEncoder().encode(value).length > MAX_VISIT_FIELD_BYTES) invalid(`${at}.value`, `${at}.value must be 1 to ${MAX_VISIT_FIELD_BYTES} bytes`);
    return { property: property as BreakdownProperty, op: op as FilterOp, value };
  });
}

/** A step filter, checked: a goal takes `is`; a property's key and value are within an event's limits. */
function stepFilter(at: string, property: StepProperty, op: FilterOp, value: string): Filter {
  if (property === GOAL_PROPERTY && op !== "is") invalid(`${at}.op`, `a ${GOAL_PROPERTY} filter takes "is"; got ${quoted(op)}`);
  const key = property.startsWith(EVENT_PROP_PREFIX) ? property.slice(EVENT_PROP_PREFIX.length) : null;
  if (key !== null && (key === "" || new TextEncoder().encode(key).length > EVENT_PROP_KEY_MAX_BYTES)) {
    invalid(`${at}.property`, `${at}.property names a property key of 1 to ${EVENT_PROP_KEY_MAX_BYTES} bytes, e.g. ${EVENT_PROP_PREFIX}plan`);
  }
  if (value === "" || new TextEncoder().encode(value).length > EVENT_PROP_VALUE_MAX_BYTES) invalid(`${at}.value`, `${at}.value must be 1 to ${EVENT_PROP_VALUE_MAX_BYTES} bytes`);
  return { property, op, value };
}

/** One test of a step for all the step filters (null: none), a goal's read from its definition. */
export async function stepTestOf(ctx: QueryCtx, filters: Filter[]): Promise<((step: Step) => boolean) | null> {
  const tests: ((step: Step) => boolean)[] = [];
  for (const [i, filter] of filters.entries()) {
    if (filter.property === GOAL_PROPERTY) {
      const goal = await goalNamed(ctx, filter.value);
      if (goal === null) invalid(`filters[${i}].value`, `no goal is named ${quoted(filter.value)}`);
      tests.push(goalMatcher(goal));
    } else if (filter.property === EVENT_PROPERTY) {
      const test = testOf(filter);
      tests.push((step) => "event" in step && test(step.event));
    } else if (filter.property.startsWith(EVENT_PROP_PREFIX)) {
      const key = filter.property.slice(EVENT_PROP_PREFIX.length);
      const test = testOf(filter);
      tests.push((step) => "event" in step && test(step.props.find((prop) => prop.key === key)?.value));
    }
  }
  return tests.length === 0 ? null : (step) => tests.every((test) => test(step));
}

/** A value test for one filter, its answers kept per value (a scan meets the same few values again and again). */
function testOf({ op, value }: Filter): (candidate: string | undefined) => boolean {
  if (op === "is") return (candidate) => candidate === value;
  if (op === "isNot") return (candidate) => candidate !== value;
  const part = value.toLowerCase();
  const known = new Map<string, boolean>();
  return (candidate) => {
    if (candidate === undefined) return false;
    let found = known.get(candidate);
    if (found === undefined) known.set(candidate, (found = candidate.toLowerCase().includes(part)));
    return found;
  };
}

/**
 * What a scan passes on for each matching visit: the visit, its views that count (those that pass the page filters),
 * and under step filters its conversion (every visit that passes the other filters, converting or not).
 */
export type MatchedVisit = (visit: ScannedVisit, pageviews: number, passes: (path: string) => boolean, conversion?: Conversion) => void;

/**
 * Figures of matching visits, each session counted once as a visitor; under step filters, of converting visits, with
 * their conversions (`events`, and revenue in the figures) and every visitor of the visits scanned (`baseVisitors`).
 */
export class Tally {
  readonly figures: Figures = noFigures();
  events = 0;
  baseVisitors = 0;
  private readonly sessions = new Set<number | string>();
  private readonly baseSessions = new Set<number | string>();
  add(visit: ScannedVisit, pageviews: number, conversion?: Conversion): void {
    if (conversion !== undefined) {
      if (!this.baseSessions.has(visit.session)) {
        this.baseSessions.add(visit.session);
        this.baseVisitors++;
      }
      if (conversion.events === 0) return;
      this.events += conversion.events;
      this.figures.revenue += conversion.revenue;
    }
    this.figures.pageviews += pageviews;
    this.figures.visits++;
    if (visit.views === 1) this.figures.bounces++;
    // Views per visit are the counted views per visit: under a page filter, that page's views.
    this.figures.visitViews += pageviews;
    this.figures.durationMs += visit.durationMs;
    if (!this.sessions.has(visit.session)) {
      this.sessions.add(visit.session);
      this.figures.visitors++;
    }
  }
}

/** Tallies by value, for a breakdown: each visit adds to its value of the property, or, for pages, to each page it viewed that passes. */
export class ValueTallies {
  private readonly tallies = new Map<string, Tally>();
  constructor(readonly property: BreakdownProperty) {}
  private of(value: string): Tally {
    let tally = this.tallies.get(value);
    if (tally === undefined) this.tallies.set(value, (tally = new Tally()));
    return tally;
  }
  readonly add: MatchedVisit = (visit, pageviews, passes, conversion) => {
    if (this.property !== "page") {
      const value = visit.values[this.property];
      if (value !== undefined) this.of(value).add(visit, pageviews, conversion);
      return;
    }
    for (const page of visit.pages) if (passes(page.path)) this.of(page.path).add(visit, page.views, conversion);
  };
  /** Each value with its tally, those with no matching visit (every visit of it scanned for a rate, none converting) left out. */
  ranked(): { value: string; figures: Figures; tally: Tally }[] {
    return [...this.tallies].filter(([, tally]) => tally.figures.visits > 0).map(([value, tally]) => ({ value, figures: tally.figures, tally }));
  }
}

/**
 * Where filtered figures can start: visits that started before the first settling with blocks may be in none, and
 * with `steps`, those before blocks kept steps have none.
 */
async function blocksFrom(ctx: QueryCtx, steps: boolean): Promise<number> {
  const cursor = await getSettlementCursor(ctx);
  const blocks = cursor === null ? 0 : (cursor.blocksFrom ?? cursor.lastActivity);
  const from = steps && cursor !== null ? Math.max(blocks, cursor.stepsFrom ?? blocks) : blocks;
  return from === 0 ? 0 : Math.floor(from / MINUTE) * MINUTE + MINUTE;
}

/** What the scan may still read: bytes and documents. */
type Budget = { bytes: number; docs: number };

function tooBroad(range: TimeRange, availableFrom: number | null): never {
  const can = availableFrom !== null && availableFrom > range.from && availableFrom < range.to;
  throw new ConvexError<FilterTooBroad>({
    code: "FILTER_TOO_BROAD",
    field: "filters",
    message:
      `These filters match more visits in the range than one call can read exactly` +
      (can ? `: from ${new Date(availableFrom).toISOString()} on it can, or choose fewer properties to filter by` : ": choose a shorter range"),
    ...(can ? { availableFrom } : {}),
  });
}

/**
 * Scans the range's visits under the filters, calling `each` with every matching one; `properties` are those the
 * callers read besides the filters' (a breakdown's, or "steps" for goals and funnels), whose block columns are read
 * too. Refuses a range it cannot read whole.
 */
export async function scanFiltered(ctx: QueryCtx, range: TimeRange, filters: Filter[], properties: (FilterProperty | "steps")[], each: MatchedVisit): Promise<void> {
  const groups = new Set<BlockGroup>(["core"]);
  for (const property of [...filters.map((filter) => filter.property), ...properties]) {
    groups.add(property === "page" ? "pages" : property === "steps" || isStepProperty(property) ? "steps" : groupOfProperty(property));
  }
  const from = await blocksFrom(ctx, groups.has("steps"));
  if (range.from < from) {
    throw new ConvexError<RangeTooEarly>({
      code: "RANGE_TOO_EARLY",
      field: "from",
      availableFrom: from,
      message: groups.has("steps")
        ? `Goals, events and funnels under filters start at ${new Date(from).toISOString()}, when this site began keeping each visit's steps: choose a range from then, or run the backfill to include older visits`
        : `Filtered figures start at ${new Date(from).toISOString()}, when this site began packing visits for filters: choose a range from then, or run the backfill to include older visits`,
    });
  }
  const visitTests = filters.filter((filter) => !isStepProperty(filter.property) && filter.property !== "page").map((filter) => ({ property: filter.property as VisitProperty, test: testOf(filter) }));
  const pageTests = filters.filter((filter) => filter.property === "page").map(testOf);
  const stepTest = await stepTestOf(ctx, filters);
  const passes = (path: string) => pageTests.every((test) => test(path));
  const visit = (scanned: ScannedVisit) => {
    if (scanned.start < range.from || scanned.start >= range.to) return;
    for (const { property, test } of visitTests) if (!test(scanned.values[property])) return;
    let pageviews = scanned.views;
    if (pageTests.length > 0) {
      pageviews = 0;
      for (const page of scanned.pages) if (passes(page.path)) pageviews += page.views;
      if (pageviews === 0) return;
    }
    if (stepTest === null) return each(scanned, pageviews, passes);
    const conversion: Conversion = { events: 0, revenue: 0 };
    for (const step of scanned.steps) {
      if (!stepTest(step)) continue;
      conversion.events++;
      if ("event" in step) conversion.revenue += step.revenue;
    }
    each(scanned, pageviews, passes, conversion);
  };
  const budget: Budget = groups.has("steps") ? { bytes: STEPS_SCAN_MAX_BYTES, docs: STEPS_SCAN_MAX_DOCS } : { bytes: FILTER_SCAN_MAX_BYTES, docs: FILTER_SCAN_MAX_DOCS };
  await scanOpenVisits(ctx, [...groups], budget, visit);
  await scanBlocks(ctx, range, [...groups], budget, visit);
}

/** The visits in progress, as the worker last published them (derive/openVisitSnapshot.ts): never more than OPEN_VISITS_READ_MAX. */
async function scanOpenVisits(ctx: QueryCtx, groups: BlockGroup[], budget: Budget, each: (visit: ScannedVisit) => void): Promise<void> {
  const docs: Partial<Record<BlockGroup, Doc<"openVisitBlocks">>> = {};
  for (const group of groups) {
    const doc = await ctx.db
      .query("openVisitBlocks")
      .withIndex("by_group", (q) => q.eq("group", group))
      .unique();
    if (doc === null) return;
    docs[group] = doc;
    budget.bytes -= doc.bytes;
    budget.docs--;
  }
  if (!docs.core!.complete) {
    throw new ConvexError<RangeTooBusy>({
      code: "RANGE_TOO_BUSY",
      field: "from",
      message: `More than ${OPEN_VISITS_READ_MAX.toLocaleString("en-US")} visits are in progress: filtered figures wait until fewer are open`,
    });
  }
  forEachBlockVisit(docs, each);
}

/** Reads the blocks of the range's days, newest first, one index range per group read in step; refuses past the budget. */
async function scanBlocks(ctx: QueryCtx, range: TimeRange, groups: BlockGroup[], budget: Budget, each: (visit: ScannedVisit) => void): Promise<void> {
  const firstDay = Math.floor(range.from / DAY) * DAY;
  const lastDay = Math.floor((range.to - 1) / DAY) * DAY;
  const lists = groups.map((group) =>
    ctx.db
      .query("visitBlocks")
      .withIndex("by_group_day_part", (q) => q.eq("group", group).gte("day", firstDay).lte("day", lastDay))
      .order("desc")
      [Symbol.asyncIterator](),
  );
  for (;;) {
    const docs: Partial<Record<BlockGroup, BlockDoc>> = {};
    for (const [i, list] of lists.entries()) {
      const next = await list.next();
      if (next.done) return;
      docs[groups[i]] = next.value;
      budget.bytes -= next.value.bytes;
      budget.docs--;
    }
    const core = docs.core!;
    if (groups.some((group) => docs[group]!.day !== core.day || docs[group]!.part !== core.part)) throw new Error(`visit block ${core.day}/${core.part} lacks a group`);
    // Everything from the next day on has been read whole.
    if (budget.bytes < 0 || budget.docs < 0) tooBroad(range, core.day + DAY);
    forEachBlockVisit(docs, each);
  }
}
