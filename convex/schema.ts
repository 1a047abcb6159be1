import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  // One row per counted page view: the source of truth every statistic derives from.
  pageViews: defineTable({
    path: v.string(),
    pageType: v.string(),
    sessionId: v.string(),
    timestamp: v.number(),
  })
    .index("by_session_path_timestamp", ["sessionId", "path", "timestamp"])
    .index("by_timestamp", ["timestamp"]),

  // One row per browser that sent a heartbeat in the last few minutes.
  activeSessions: defineTable({
    sessionId: v.string(),
    currentPath: v.string(),
    lastSeen: v.number(),
  })
    .index("by_sessionId", ["sessionId"])
    .index("by_lastSeen", ["lastSeen"]),

  posts: defineTable({
    slug: v.string(),
    title: v.string(),
    published: v.boolean(),
    date: v.optional(v.string()),
    description: v.optional(v.string()),
    content: v.optional(v.string()),
    tags: v.optional(v.array(v.string())),
    contentHash: v.optional(v.string()),
  })
    .index("by_published", ["published"])
    .index("by_slug", ["slug"]),

  pages: defineTable({
    slug: v.string(),
    title: v.string(),
    published: v.boolean(),
    content: v.optional(v.string()),
    order: v.optional(v.number()),
    contentHash: v.optional(v.string()),
  })
    .index("by_published", ["published"])
    .index("by_slug", ["slug"]),

  // Derived: one row per session that ever viewed a page (unique visitors).
  visitors: defineTable({
    sessionId: v.string(),
    firstSeen: v.number(),
  }).index("by_sessionId", ["sessionId"]),

  // Derived: one row per path ever viewed, with its exact all-time view count.
  pathStats: defineTable({
    path: v.string(),
    pageType: v.string(),
    views: v.number(),
  })
    .index("by_path", ["path"])
    .index("by_views", ["views"]),

  // Derived: one row per path that some active session is on (or was, until the next cleanup).
  activePaths: defineTable({
    path: v.string(),
  }).index("by_path", ["path"]),

  // Progress of the backfill that rebuilds derived data from pageViews (a single row).
  backfillStatus: defineTable({
    state: v.union(v.literal("running"), v.literal("done")),
    runId: v.number(),
    // Tables are walked in this order; the cursor is an index key within the current one.
    phase: v.union(v.literal("pageViews"), v.literal("activeSessions"), v.literal("posts"), v.literal("pages")),
    cursor: v.union(v.null(), v.array(v.any())),
    processed: v.number(),
    chunks: v.number(),
    startedAt: v.number(),
    updatedAt: v.number(),
    finishedAt: v.optional(v.number()),
    scheduledChunk: v.optional(v.id("_scheduled_functions")),
  }),
});
