import { BREAKDOWN_PROPERTIES, type BreakdownProperty, type FilterOp } from "./config.js";

/**
 * A filter as a URL writes it (the dashboard's `?filter=`, the export's): `property:value` for `is`,
 * `property!:value` for `isNot`, `property~:value` for `contains`; the value as it is (it may hold colons).
 * Repeated `filter` parameters combine (AND).
 */

export type FilterText = { property: BreakdownProperty; op: FilterOp; value: string };

const MARKS: Record<FilterOp, string> = { is: "", isNot: "!", contains: "~" };

/** "source!:Google" → { property: "source", op: "isNot", value: "Google" }; null for anything else (an unknown property, no value). */
export function parseFilterText(text: string): FilterText | null {
  const colon = text.indexOf(":");
  if (colon <= 0) return null;
  const head = text.slice(0, colon);
  const value = text.slice(colon + 1);
  const op = (Object.keys(MARKS) as FilterOp[]).find((each) => MARKS[each] !== "" && head.endsWith(MARKS[each])) ?? "is";
  const property = head.slice(0, head.length - MARKS[op].length);
  if (!(BREAKDOWN_PROPERTIES as readonly string[]).includes(property) || value.trim() === "") return null;
  return { property: property as BreakdownProperty, op, value };
}

/** What `parseFilterText` reads back. */
export const formatFilterText = ({ property, op, value }: FilterText): string => `${property}${MARKS[op]}:${value}`;
