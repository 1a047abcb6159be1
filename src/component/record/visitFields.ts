import { v } from "convex/values";
import { vVisitAttributes } from "./visitAttributes.js";

// A visit as stored (record/visits.ts), apart from the code that writes it: the schema reads only these.

export const vVisitFields = {
  sessionId: v.string(),
  start: v.number(),
  // The latest view or heartbeat: the visit lasts from `start` to here.
  lastActivity: v.number(),
  // Counted (not deduplicated) views.
  views: v.number(),
  entryPage: v.string(),
  // The page of the latest view.
  exitPage: v.string(),
  // Derived from the first view's context (component/record/visitAttributes.ts); the raw user agent is never stored.
  ...vVisitAttributes.fields,
  // The deepest scroll (0–100) heartbeats reported on each page, at most VISIT_SCROLL_PAGES_MAX pages; absent when none did.
  scrollDepths: v.optional(v.array(v.object({ path: v.string(), depth: v.number() }))),
};
