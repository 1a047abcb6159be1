import type { QueryCtx } from "../_generated/server";

/** Routes that are not content rows but still deserve a human title. */
const FIXED_TITLES: Record<string, string> = { "/": "Home", "/stats": "Stats" };

/** The slug a content path points at: "/hello-world/" → "hello-world". */
export function slugFromPath(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}

/** A page's display title: fixed routes, then a post or page with that slug, else the path itself. */
export async function resolveTitle(ctx: QueryCtx, path: string): Promise<string> {
  const fixed = FIXED_TITLES[path];
  if (fixed !== undefined) return fixed;
  const slug = slugFromPath(path);
  const post = await ctx.db
    .query("posts")
    .withIndex("by_slug", (q) => q.eq("slug", slug))
    .first();
  if (post !== null) return post.title;
  const page = await ctx.db
    .query("pages")
    .withIndex("by_slug", (q) => q.eq("slug", slug))
    .first();
  return page?.title ?? path;
}
