import type { QueryCtx } from "../_generated/server";

/** Routes that are not content rows but still deserve a human title. */
const FIXED_TITLES: Record<string, string> = { "/": "Home", "/stats": "Stats" };

/** The slug a content path points at: "/hello-world/" → "hello-world". */
export function slugFromPath(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}

/**
 * A page's display title: fixed routes, then a published post or page with
 * that slug, else the path itself. The dashboard is public, so a draft's
 * title must not appear there even when someone requests its URL.
 */
export async function resolveTitle(ctx: QueryCtx, path: string): Promise<string> {
  const fixed = FIXED_TITLES[path];
  if (fixed !== undefined) return fixed;
  const slug = slugFromPath(path);
  const post = await ctx.db
    .query("posts")
    .withIndex("by_slug", (q) => q.eq("slug", slug))
    .first();
  if (post?.published) return post.title;
  const page = await ctx.db
    .query("pages")
    .withIndex("by_slug", (q) => q.eq("slug", slug))
    .first();
  return page?.published ? page.title : path;
}
