// The dashboard's filters as the URL names them: repeated `filter` parameters, each `property:value` (is),
// `property!:value` (is not) or `property~:value` (contains), the value as it is (it may hold colons;
// URLSearchParams escapes what a URL cannot hold). The text form is shared/filterText.ts's, which the
// export reads too; the legacy single `?filter=source:Google` is one `is`.
import { EVENT_PROP_PREFIX, EVENT_PROPERTY, FILTER_OPS, GOAL_PROPERTY, isStepProperty, MAX_FILTERS, type BreakdownProperty, type FilterOp, type FilterProperty } from "../../shared/config.js";
import { formatFilterText, parseFilterText, type FilterText } from "../../shared/filterText.js";
import { describeValue } from "./statsFormat.js";

/** One of what every Stats API query takes as `filters` (ANDed): what has, has not, or has in its text this value of this property. */
export type StatsFilter = FilterText;

export const FILTER_PARAM = "filter";

/** Why a breakdown's row was not added to the filters. */
export const MAX_FILTERS_NOTICE = `At most ${MAX_FILTERS} filters: remove one to add another.`;

/** Each operator in a sentence: "Source is not Google". */
export const OP_LABEL: Record<FilterOp, string> = { is: "is", isNot: "is not", contains: "contains" };

/** The operators a filter on `property` takes: a goal's only `is` (the Stats API refuses the others), every other property's all three. */
export const filterOps = (property: FilterProperty): readonly FilterOp[] => (property === GOAL_PROPERTY ? ["is"] : FILTER_OPS);

/** Each property's name in a sentence ("Source is Google") and as a column's header. */
export const PROPERTY_LABEL: Record<BreakdownProperty, string> = {
  page: "Page",
  entryPage: "Entry page",
  exitPage: "Exit page",
  source: "Source",
  referrer: "Referrer",
  utmSource: "UTM source",
  utmMedium: "UTM medium",
  utmCampaign: "UTM campaign",
  browser: "Browser",
  os: "Operating system",
  device: "Device",
  country: "Country",
  language: "Language",
  screen: "Screen size",
};

/** Any filter's property in a sentence: a visit property's label, "Goal", "Event", or an event property's key ("Property plan"). */
export function filterPropertyLabel(property: FilterProperty): string {
  if (property === GOAL_PROPERTY) return "Goal";
  if (property === EVENT_PROPERTY) return "Event";
  if (property.startsWith(EVENT_PROP_PREFIX)) return `Property ${property.slice(EVENT_PROP_PREFIX.length)}`;
  return PROPERTY_LABEL[property as BreakdownProperty];
}

/**
 * A property as a sentence names one of its values: "an entry page", "a UTM source", "an operating
 * system", "a goal", "a value of plan" (an event property). The label keeps an acronym's capitals and
 * loses the capital of a word; "an" goes before a vowel (a label starting with "U" is an acronym, "UTM",
 * said "you": "a").
 */
export function propertyNoun(property: FilterProperty): string {
  if (property.startsWith(EVENT_PROP_PREFIX)) return `a value of ${property.slice(EVENT_PROP_PREFIX.length)}`;
  const label = filterPropertyLabel(property);
  const phrase = /^[A-Z][a-z]/.test(label) ? label.charAt(0).toLowerCase() + label.slice(1) : label;
  return `${/^[aeio]/.test(phrase) ? "an" : "a"} ${phrase}`;
}

/** The URL's filters, in order: unreadable ones and repeats left out, at most MAX_FILTERS (what the Stats API takes). */
export function readFilters(params: URLSearchParams): StatsFilter[] {
  const filters: StatsFilter[] = [];
  for (const text of params.getAll(FILTER_PARAM)) {
    const filter = parseFilterText(text);
    if (filter !== null && !filters.some((kept) => sameFilter(kept, filter)) && filters.length < MAX_FILTERS) filters.push(filter);
  }
  return filters;
}

/** `params` with `filters` in place of the ones it had; the other parameters as they were. */
export function withFilters(params: URLSearchParams, filters: readonly StatsFilter[]): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete(FILTER_PARAM);
  for (const filter of filters) next.append(FILTER_PARAM, formatFilterText(filter));
  return next;
}

const sameFilter = (a: StatsFilter, b: StatsFilter) => a.property === b.property && a.op === b.op && a.value === b.value;

/**
 * `filters` with `filter` added: an `is` replaces the `is` on its property (a visit has one value of it), any other
 * is added beside the rest. Null when that would be more than MAX_FILTERS; the same filter twice is kept once.
 */
export function addFilter(filters: readonly StatsFilter[], filter: StatsFilter): StatsFilter[] | null {
  if (filters.some((kept) => sameFilter(kept, filter))) return [...filters];
  const replaced = filter.op === "is" ? filters.findIndex((kept) => kept.property === filter.property && kept.op === "is") : -1;
  if (replaced >= 0) return filters.map((kept, index) => (index === replaced ? filter : kept));
  return filters.length < MAX_FILTERS ? [...filters, filter] : null;
}

/** A breakdown row's choice: its `is` filter added (addFilter), or removed when it is on. */
export function toggleIsFilter(filters: readonly StatsFilter[], property: FilterProperty, value: string): StatsFilter[] | null {
  const row: StatsFilter = { property, op: "is", value };
  return filters.some((kept) => sameFilter(kept, row)) ? filters.filter((kept) => !sameFilter(kept, row)) : addFilter(filters, row);
}

/** Whether `property` has `value` among the `is` filters: its breakdown row is marked. */
export const isFilteredBy = (filters: readonly StatsFilter[], property: FilterProperty, value: string) =>
  filters.some((filter) => filter.op === "is" && filter.property === property && filter.value === value);

/** "Source is Google", "Country is not France", "Page contains /blog". */
export function describeFilter(filter: StatsFilter): { property: string; op: string; value: string; sentence: string } {
  const property = filterPropertyLabel(filter.property);
  const op = OP_LABEL[filter.op];
  // A part of a value is shown as typed; a whole one as the dashboard writes it (a country's name, a path decoded).
  const value = filter.op === "contains" ? filter.value : describeValue(filter.property, filter.value).text;
  return { property, op, value, sentence: `${property} ${op} ${value}` };
}

/** The filters of pages and visit properties: what a funnel, which counts its own goals, takes. */
export const visitFilters = (filters: readonly StatsFilter[]) => filters.filter((filter) => !isStepProperty(filter.property));

/** Whether a goal, event or event property filter is on: the figures are then its conversions'. */
export const hasStepFilter = (filters: readonly StatsFilter[]) => filters.some((filter) => isStepProperty(filter.property));

/** The goal or event the dashboard is filtered to (its first `is` filter of either), whose events' properties can be broken down; null when none. */
export const convertedStep = (filters: readonly StatsFilter[]): StatsFilter | null =>
  filters.find((filter) => filter.op === "is" && (filter.property === GOAL_PROPERTY || filter.property === EVENT_PROPERTY)) ?? null;

/** A query's arguments with the filters, when there are any (no `filters: []` key, so equal questions stay equal). */
export function withFiltersArg<Args extends object>(args: Args, filters: readonly StatsFilter[]): Args & { filters?: StatsFilter[] } {
  return filters.length === 0 ? args : { ...args, filters: [...filters] };
}

/** The filters as the URL writes them, joined: a key that changes when, and only when, they do. */
export const filtersKey = (filters: readonly StatsFilter[]) => filters.map(formatFilterText).join("&");

/**
 * The property whose buckets answer the filters, when they are a single `is` on a visit property: its figures keep
 * whole hours and days only (prds/timeranges.md). Any other filters are answered from the visits themselves
 * (component/read/timeStats.ts, `lensOf`), a page's buckets keep minutes.
 */
export function bucketedProperty(filters: readonly StatsFilter[]): BreakdownProperty | undefined {
  return filters.length === 1 && filters[0].op === "is" && !isStepProperty(filters[0].property) ? filters[0].property : undefined;
}

/**
 * What "active now" can show under the dashboard's filters: it counts visitors by the page they read,
 * so a page filter alone applies (`page`: that page's live count), and no other does (`notFiltered`:
 * it shows all traffic, and says so).
 */
export type LiveScope = { kind: "all" } | { kind: "page"; page: string } | { kind: "notFiltered" };

export function liveScope(filters: readonly StatsFilter[]): LiveScope {
  if (filters.length === 0) return { kind: "all" };
  const [only] = filters;
  return filters.length === 1 && only.property === "page" && only.op === "is" ? { kind: "page", page: only.value } : { kind: "notFiltered" };
}
