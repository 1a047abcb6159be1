import { v } from "convex/values";
import { internalQuery } from "../../convex/_generated/server";
import * as Recount from "./operate/recount";

// The reads behind POST /api/admin/recount (convex/http.ts → model/adminEndpoints.ts → model/recount.ts), each bounded.

/** Up to `limit` pages' derived view counts (clamped to 1..ADMIN_RECOUNT_MAX_PAGES), the site's totals and the worker's cursor, in one transaction. */
export const recountSample = internalQuery({
  args: { limit: v.number() },
  returns: Recount.vRecountSample,
  handler: async (ctx, { limit }) => await Recount.recountSample(ctx, limit),
});

/** One bounded page of a path's views from `cursor`, and how many of them the worker had folded by `foldedUpTo`. */
export const countFoldedViews = internalQuery({
  args: { path: v.string(), foldedUpTo: v.union(v.int64(), v.null()), cursor: v.union(v.string(), v.null()) },
  returns: Recount.vRowCount,
  handler: async (ctx, { path, foldedUpTo, cursor }) => await Recount.countFoldedViews(ctx, path, foldedUpTo, cursor),
});
