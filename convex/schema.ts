import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

// The blog's content. Its analytics live in the liveStats component's own tables (src/component/schema.ts).
export default defineSchema({
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

  // Rows written by versions before the component (model/upgrade.ts moves them into it, then deletes them).
  // Their fields as those versions wrote them; nothing writes these tables any more.
  pageViews: defineTable({
    path: v.string(),
    pageType: v.string(),
    sessionId: v.string(),
    timestamp: v.number(),
    committedAt: v.optional(v.commitTs()),
  }),
  visits: defineTable({
    sessionId: v.string(),
    start: v.number(),
    lastActivity: v.number(),
    views: v.number(),
    entryPage: v.string(),
    exitPage: v.string(),
    source: v.string(),
    referrer: v.optional(v.string()),
    utmSource: v.optional(v.string()),
    utmMedium: v.optional(v.string()),
    utmCampaign: v.optional(v.string()),
    browser: v.string(),
    browserVersion: v.string(),
    os: v.string(),
    device: v.string(),
    country: v.string(),
    language: v.string(),
    screen: v.string(),
  }),
  activeSessions: defineTable({ sessionId: v.string(), currentPath: v.string(), lastSeen: v.number(), committedAt: v.optional(v.commitTs()) }),
  shareLinks: defineTable({ label: v.string(), tokenHash: v.string(), createdAt: v.number() }),
});
