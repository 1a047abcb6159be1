import { BREAKDOWN_PROPERTIES, EVENT_PROP_PREFIX, EVENT_PROPERTY, GOAL_PROPERTY, type FilterOp, type FilterProperty } from "./config.js";

/**
 * A filter as a URL writes it (the dashboard's `?filter=`, the export's): `property:value` for `is`,
 * `property!:value` for `isNot`, `property~:value` for `contains`; the value as it is (it may hold colons).
 * An event property's filter names its key after `prop:` (`prop:plan:pro`), a colon or percent sign in the key
 * escaped (`%3A`, `%25`) so the key ends at the first colon. A goal takes `is` only. Repeated `filter` parameters
 * combine (AND).
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
  const written = head.slice(0, head.length - MARKS[op].length);
  const isProp = written.startsWith(EVENT_PROP_PREFIX) && written.length > EVENT_PROP_PREFIX.length;
  if (!(NAMED.includes(written) || isProp) || value.trim() === "" || (written === GOAL_PROPERTY && op !== "is")) return null;
  const key = isProp ? decodedKey(written.slice(EVENT_PROP_PREFIX.length)) : null;
  if (isProp && key === null) return null;
  return { property: (key === null ? written : EVENT_PROP_PREFIX + key) as FilterProperty, op, value };
}

/** An event property's key as written, its escapes decoded; null for a broken escape. */
function decodedKey(written: string): string | null {
  try {
    return decodeURIComponent(written);
  } catch {
    return null;
  }
}

/** An event property's key as a URL's filter writes it: its colons and percent signs escaped. */
const writtenProperty = (property: string) =>
  property.startsWith(EVENT_PROP_PREFIX) ? EVENT_PROP_PREFIX + property.slice(EVENT_PROP_PREFIX.length).replace(/%/g, "%25").replace(/:/g, "%3A") : property;

/** What `parseFilterText` reads back. */
export const formatFilterText = ({ property, op, value }: FilterText): string => `${writtenProperty(property)}${MARKS[op]}:${value}`;
