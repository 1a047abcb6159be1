import { v } from "convex/values";

// A custom event as stored (record/customEvents.ts), apart from the code that checks it: the schema reads only these.

/** An event's properties as stored: keys with their values written as strings, in the order sent. */
export const vStoredProps = v.array(v.object({ key: v.string(), value: v.string() }));
/** Revenue as stored: whole minor units of the currency (cents for EUR, yen for JPY), so sums stay exact. */
export const vStoredRevenue = v.object({ minorUnits: v.number(), currency: v.string() });
