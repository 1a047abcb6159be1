// The dashboard's filter as the URL names it: `?filter=source:Google`, the property, a colon, the
// value as it is (a value may hold colons itself; URLSearchParams escapes what a URL cannot hold).
import { BREAKDOWN_PROPERTIES, type BreakdownProperty } from "../../shared/config.js";
import { describeValue } from "./statsFormat.js";

/** What every Stats API query takes as `filter`: the figures of what has this value of this property. */
export type StatsFilter = { property: BreakdownProperty; value: string };

export const FILTER_PARAM = "filter";

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

/**
 * A property as a sentence names one of its values: "an entry page", "a UTM source", "an operating
 * system". The label keeps an acronym's capitals and loses the capital of a word; "an" goes before a
 * vowel (a label starting with "U" is an acronym, "UTM", said "you": "a").
 */
export function propertyNoun(property: BreakdownProperty): string {
  const label = PROPERTY_LABEL[property];
  const phrase = /^[A-Z][a-z]/.test(label) ? label.charAt(0).toLowerCase() + label.slice(1) : label;
  return `${/^[aeio]/.test(phrase) ? "an" : "a"} ${phrase}`;
}

/** "source:Google" → { property: "source", value: "Google" }; null for anything else (an unknown property, no value). */
export function parseFilter(text: string | null): StatsFilter | null {
  if (text === null) return null;
  const colon = text.indexOf(":");
  if (colon <= 0) return null;
  const property = text.slice(0, colon);
  const value = text.slice(colon + 1);
  if (!(BREAKDOWN_PROPERTIES as readonly string[]).includes(property) || value.trim() === "") return null;
  return { property: property as BreakdownProperty, value };
}

/** What `parseFilter` reads back. */
export function formatFilter(filter: StatsFilter): string {
  return `${filter.property}:${filter.value}`;
}

/** The URL's filter, or null. */
export function readFilter(params: URLSearchParams): StatsFilter | null {
  return parseFilter(params.get(FILTER_PARAM));
}

/** `params` with `filter` in place of the filter it had (none when null); the other parameters as they were. */
export function withFilter(params: URLSearchParams, filter: StatsFilter | null): URLSearchParams {
  const next = new URLSearchParams(params);
  if (filter === null) next.delete(FILTER_PARAM);
  else next.set(FILTER_PARAM, formatFilter(filter));
  return next;
}

/** "Source is Google", "Country is France", "Page is /café". */
export function describeFilter(filter: StatsFilter): { property: string; value: string; sentence: string } {
  const property = PROPERTY_LABEL[filter.property];
  const value = describeValue(filter.property, filter.value).text;
  return { property, value, sentence: `${property} is ${value}` };
}

/** A query's arguments with the filter, when there is one (no `filter: undefined` key, so equal questions stay equal). */
export function withFilterArg<Args extends object>(args: Args, filter: StatsFilter | null): Args & { filter?: StatsFilter } {
  return filter === null ? args : { ...args, filter };
}

/**
 * What "active now" can show under the dashboard's filter: it counts visitors by the page they read,
 * so a page filter applies (`page`: that page's live count), and no other does (`notFiltered`: it
 * shows all traffic, and says so).
 */
export type LiveScope = { kind: "all" } | { kind: "page"; page: string } | { kind: "notFiltered" };

export function liveScope(filter: StatsFilter | null): LiveScope {
  if (filter === null) return { kind: "all" };
  return filter.property === "page" ? { kind: "page", page: filter.value } : { kind: "notFiltered" };
}
