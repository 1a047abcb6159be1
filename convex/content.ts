import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import schema from "./schema";
import * as Content from "./model/content";

const posts = schema.tables.posts.validator;
const pages = schema.tables.pages.validator;
const vContentTable = v.union(v.literal("posts"), v.literal("pages"));
const vSyncCounts = v.object({ created: v.number(), updated: v.number(), unchanged: v.number(), unpublished: v.number() });

const vPostSummary = v.object({
  slug: v.string(),
  title: v.string(),
  date: posts.fields.date,
  description: posts.fields.description,
  tags: posts.fields.tags,
});

/** Published posts, newest first, for the home page. */
export const listPosts = query({
  args: {},
  returns: v.array(vPostSummary),
  handler: async (ctx) => await Content.listPublishedPosts(ctx),
});

/** Published static pages in navigation order. */
export const listPages = query({
  args: {},
  returns: v.array(v.object({ slug: v.string(), title: v.string() })),
  handler: async (ctx) => await Content.listPublishedPages(ctx),
});

/** The published post or page at a slug, or null (the not-found page). */
export const getBySlug = query({
  args: { slug: v.string() },
  returns: v.union(
    v.object({ kind: v.literal("post"), ...vPostSummary.fields, content: v.string() }),
    v.object({ kind: v.literal("page"), slug: v.string(), title: v.string(), content: v.string() }),
    v.null(),
  ),
  handler: async (ctx, { slug }) => await Content.getPublishedBySlug(ctx, slug),
});

/** Upserts a batch of synced files (`npm run sync`); any invalid document rejects the whole batch. */
export const syncBatch = mutation({
  args: { secret: v.string(), posts: v.array(posts), pages: v.array(pages) },
  returns: vSyncCounts,
  handler: async (ctx, args) => {
    await Content.assertSyncSecret(args.secret);
    const counts = { created: 0, updated: 0, unchanged: 0, unpublished: 0 };
    for (const post of args.posts) counts[await Content.syncContent(ctx, "posts", post)]++;
    for (const page of args.pages) counts[await Content.syncContent(ctx, "pages", page)]++;
    return counts;
  },
});

/** Unpublishes one page of published rows whose file is gone; call again with continueCursor until isDone. */
export const unpublishMissing = mutation({
  args: { secret: v.string(), table: vContentTable, keepSlugs: v.array(v.string()), paginationOpts: paginationOptsValidator },
  returns: v.object({ unpublished: v.number(), continueCursor: v.string(), isDone: v.boolean() }),
  handler: async (ctx, { secret, table, keepSlugs, paginationOpts }) => {
    await Content.assertSyncSecret(secret);
    return await Content.unpublishMissing(ctx, table, keepSlugs, paginationOpts);
  },
});

/** How many posts and pages are published: the blog's own cards on /stats. */
export const publishedCounts = query({
  args: {},
  returns: v.object({ publishedPosts: v.number(), publishedPages: v.number() }),
  handler: async (ctx) => await Content.publishedCounts(ctx),
});
