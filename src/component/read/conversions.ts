import { ConvexError } from "convex/values";
import type { QueryCtx } from "../_generated/server.js";
import { EVENT_PROPERTY, GOAL_PROPERTY, isStepProperty } from "../../shared/config.js";
import { assertValidRange, type TimeRange } from "../../shared/timeRanges.js";
import type { InvalidArgument } from "../../shared/validation.js";
import type { Step } from "../derive/visitSteps.js";
import { funnelGoals } from "../operate/funnels.js";
import { goalMatcher, type Goal } from "../operate/goalDefinitions.js";
import { siteCurrency } from "../record/customEvents.js";
import type { Figures } from "./figures.js";
import { parseFilters, scanFiltered, Tally, type Conversion, type MatchedVisit } from "./filteredVisits.js";

/**
 * Conversions counted in a scan of visits' steps (prds/events.md): by event name, by goal, or by one event
 * property's values, under any filters; and funnels, step by step. The time buckets answer events and simple goals
 * without filters (read/timeStats.ts); everything else is counted here from the steps each visit kept in its block.
 */

/** A range's conversion figures as the API reports them: conversions, the share of `baseVisitors` who converted, revenue in the site's currency. */
export function conversionMetrics(visitors: number, events: number, baseVisitors: number, revenue: number) {
  const unit = 10 ** siteCurrency().digits;
  return {
    events,
    conversionRate: baseVisitors === 0 ? 0 : visitors / baseVisitors,
    ...(revenue === 0 ? {} : { revenue: revenue / unit, averageRevenue: events === 0 ? 0 : revenue / events / unit }),
  };
}

/** What a conversions breakdown groups steps by: event names, goals, the values of one event property, or property keys. */
export type ConversionKey = { by: typeof EVENT_PROPERTY } | { by: typeof GOAL_PROPERTY; goals: Goal[] } | { by: "prop"; key: string } | { by: "propKey" };

/** The values a step counts for under the key. */
function valuesOfStep(key: ConversionKey): (step: Step) => string[] {
  if (key.by === EVENT_PROPERTY) return (step) => ("event" in step ? [step.event] : []);
  if (key.by === "propKey") return (step) => ("event" in step ? step.props.map((prop) => prop.key) : []);
  if (key.by === "prop") {
    return (step) => {
      const prop = "event" in step ? step.props.find(({ key: each }) => each === key.key) : undefined;
      return prop === undefined ? [] : [prop.value];
    };
  }
  const goals = key.goals.map((goal) => ({ name: goal.name, matches: goalMatcher(goal) }));
  return (step) => goals.filter(({ matches }) => matches(step)).map(({ name }) => name);
}

/**
 * Tallies of conversions by value: each scanned visit adds its steps that pass the step filters (`stepTest`) to the
 * values they count for, and its session to the visitors a rate divides by (`baseVisitors`).
 */
export class ConversionTallies {
  private readonly tallies = new Map<string, Tally>();
  private readonly base = new Set<number | string>();
  private readonly valuesOf: (step: Step) => string[];
  constructor(
    key: ConversionKey,
    private readonly stepTest: ((step: Step) => boolean) | null,
  ) {
    this.valuesOf = valuesOfStep(key);
  }
  readonly add: MatchedVisit = (visit, pageviews) => {
    this.base.add(visit.session);
    const found = new Map<string, Conversion>();
    for (const step of visit.steps) {
      if (this.stepTest !== null && !this.stepTest(step)) continue;
      for (const value of this.valuesOf(step)) {
        let conversion = found.get(value);
        if (conversion === undefined) found.set(value, (conversion = { events: 0, revenue: 0 }));
        conversion.events++;
        if ("event" in step) conversion.revenue += step.revenue;
      }
    }
    for (const [value, conversion] of found) {
      let tally = this.tallies.get(value);
      if (tally === undefined) this.tallies.set(value, (tally = new Tally()));
      tally.add(visit, pageviews, conversion);
    }
  };
  get baseVisitors(): number {
    return this.base.size;
  }
  /** Each value's figures as a conversions row reads them: its events in `pageviews` (as an event's buckets hold them). */
  ranked(): { value: string; figures: Figures }[] {
    return [...this.tallies].map(([value, tally]) => ({ value, figures: { ...tally.figures, pageviews: tally.events } }));
  }
}

/** A funnel counted over visits: each reaches the steps its own steps match in order (the earliest match of each, so as many as it can). */
export class FunnelTally {
  readonly reached: number[];
  private readonly matchers: ((step: Step) => boolean)[];
  constructor(goals: Goal[]) {
    this.matchers = goals.map(goalMatcher);
    this.reached = goals.map(() => 0);
  }
  readonly add: MatchedVisit = (visit) => {
    let next = 0;
    for (const step of visit.steps) {
      if (next === this.matchers.length) break;
      if (this.matchers[next](step)) next++;
    }
    for (let i = 0; i < next; i++) this.reached[i]++;
  };
}

/**
 * `funnel`: for each step of the named funnel, the visits that started in the range (under the filters: visit
 * properties and pages) and reached it, in order, within the visit. Throws INVALID_ARGUMENT for an unknown funnel or
 * a step filter (its steps are its goals), and the scan's refusals (FILTER_TOO_BROAD, RANGE_TOO_EARLY, RANGE_TOO_BUSY).
 */
export async function funnel(ctx: QueryCtx, args: TimeRange & { funnel: string; filters?: { property: string; op: string; value: string }[] }): Promise<{ goal: string; visits: number }[]> {
  const range = { from: args.from, to: args.to };
  assertValidRange(range);
  const filters = parseFilters({ filters: args.filters });
  if (filters.some((filter) => isStepProperty(filter.property))) {
    throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field: "filters", message: "a funnel's steps are its goals: filter it by pages and visit properties only" });
  }
  const { funnel: found, goals } = await funnelGoals(ctx, args.funnel);
  const tally = new FunnelTally(goals);
  await scanFiltered(ctx, range, filters, ["steps"], tally.add);
  return found.steps.map((goal, i) => ({ goal, visits: tally.reached[i] }));
}
