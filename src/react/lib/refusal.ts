// Why the Stats API refuses a filtered question (not a failure: the question is answerable another way), as the
// dashboard shows it: the server's message, and from when it could answer exactly (prds/dashboard-figures.md).
import { ConvexError } from "convex/values";

/** A refused question: its code, the server's message, and the earliest range start it could answer exactly, when it said. */
export type Refusal = { code: string; message: string; availableFrom?: number };

// What the server refuses a filtered question for, with what to do instead when it gives no message: too much matches
// within one call's reads, a range before the site's filter data begins (component/read/filteredVisits.ts), or more
// visits in progress than a call reads (a visit property off whole hours: prds/timeranges.md).
const REFUSAL_ADVICE: Record<string, string> = {
  FILTER_TOO_BROAD: "Too much matches these filters in this range: choose a shorter range.",
  RANGE_TOO_EARLY: "Filtered figures do not reach back this far: choose a later start.",
  RANGE_TOO_BUSY: "Too many visits in progress to break this range down: choose whole hours.",
};

/**
 * The refusal in a thrown ConvexError or an answer given in place (`dashboardStats`' `range.error`, a breakdown's
 * `refused`); null for anything else (a bad argument, a failure).
 */
export function refusalOf(reason: unknown): Refusal | null {
  const data = reason instanceof ConvexError ? reason.data : reason;
  if (typeof data !== "object" || data === null) return null;
  const { code, message, availableFrom } = data as { code?: unknown; message?: unknown; availableFrom?: unknown };
  if (typeof code !== "string" || !(code in REFUSAL_ADVICE)) return null;
  return {
    code,
    message: typeof message === "string" && message !== "" ? message : REFUSAL_ADVICE[code],
    ...(typeof availableFrom === "number" ? { availableFrom } : {}),
  };
}
