import { v } from "convex/values";

// A custom event as stored (record/customEvents.ts), apart from the code that checks it: the schema reads only these.

/** A property of an event (or of a goal's narrowing): its key and its value written as a string. */
export type PropPair = { key: string; value: string };
/** ... as the fold and the worker's batches carry them. */
export const vPropPairs = v.array(v.object({ key: v.string(), value: v.string() }));
/** An event's properties as stored: keys and values alternating, in the order sent (an object a pair spends 16 bytes a property on field names); rows from before 2026-12-08 hold pairs. */
export const vStoredProps = v.union(v.array(v.string()), vPropPairs);

/** Properties as stored. */
export const flatProps = (pairs: PropPair[]): string[] => pairs.flatMap(({ key, value }) => [key, value]);

/** Stored properties as pairs, either way they were stored. */
export function propPairs(stored: string[] | PropPair[] | undefined): PropPair[] {
  if (stored === undefined) return [];
  const pairs: PropPair[] = [];
  for (let i = 0; i < stored.length; i++) {
    const item = stored[i];
    pairs.push(typeof item === "string" ? { key: item, value: stored[++i] as string } : item);
  }
  return pairs;
}
/** Revenue as stored: whole minor units of the currency (cents for EUR, yen for JPY), so sums stay exact. */
export const vStoredRevenue = v.object({ minorUnits: v.number(), currency: v.string() });
