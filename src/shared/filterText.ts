import { BREAKDOWN_PROPERTIES, EVENT_PROP_PREFIX, EVENT_PROPERTY, GOAL_PROPERTY, type FilterOp, type FilterProperty } from "./config.js";

/**
 * A filter as a URL writes it (the dashboard's `?filter=`, the export's): `property:value` for `is`,
 * `property!:value` for `isNot`, `property~:value` for `contains`; the value as it is (it may hold colons).
 * An event property's filter names its key after `prop:` (`prop:plan:pro`; a key with a colon cannot be written so).
 * Repeated `filter` parameters combine (AND).
 */

export type FilterText = { property: FilterProperty; op: FilterOp; value: string };

/** Every property a URL's filter may name, but an event property's (`prop:<key>`). */
const NAMED = [...BREAKDOWN_PROPERTIES, GOAL_PROPERTY, EVENT_PROPERTY] as readonly string[];

const MARKS: Record<FilterOp, string> = { is: "", isNot: "!", contains: "~" };

/** "source!:Google" → { property: "source", op: "isNot", value: "Google" }; null for anything else (an unknown property, no value). */
export function parseFilterText(text: string): FilterText | null {
  const colon = text.indexOf(":", text.startsWith(EVENT_PROP_PREFIX) ? EVENT_PROP_PREFIX.length : 0);
  if (colon <= 0) return null;
  const head = text.slice(0, colon);
  const value = text.slice(colon + 1);
  const op = (Object.keys(MARKS) as FilterOp[]).find((each) => MARKS[each] !== "" && head.endsWith(MARKS[each])) ?? "is";
  const property = head.slice(0, head.length - MARKS[op].length);
  const known = NAMED.includes(property) || (property.startsWith(EVENT_PROP_PREFIX) && property.length > EVENT_PROP_PREFIX.length);
  if (!known || value.trim() === "") return null;
  return { property: property as FilterProperty, op, value };
}

/** What `parseFilterText` reads back. */
export const formatFilterText = ({ property, op, value }: FilterText): string => `${property}${MARKS[op]}:${value}`;
