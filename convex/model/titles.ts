import type { QueryCtx } from "../_generated/server";
import type { PageType } from "../../src/shared/config";

/** Routes that are not content rows but still deserve a human title. */
const FIXED_PAGES: Record<string, { title: string; pageType: PageType }> = {
  "/": { title: "Home", pageType: "home" },
  "/stats": { title: "Stats", pageType: "stats" },
};

/** The slug a content path points at: "/hello-world/" → "hello-world", "/caf%C3%A9" → "café" (paths come percent-encoded, as browsers send them). */
function slugFromPath(path: string): string {
  const slug = path.replace(/^\/+|\/+$/g, "");
  try {
    return decodeURIComponent(slug);
  } catch {
    return slug; // escapes that are not UTF-8 name no slug of ours
  }
}

/**
 * A page's display title and type (LiveStats' `pageTitles`): fixed routes, then
 * a published post or page with that slug, else null (the dashboard shows the
 * path and the type its first view reported). The site's own routes and
 * content decide, never a visitor, and the dashboard is public, so a draft's
 * title must not appear there.
 */
export async function pageTitle(ctx: QueryCtx, path: string): Promise<{ title: string; pageType: string } | null> {
  const fixed = FIXED_PAGES[path];
  if (fixed !== undefined) return fixed;
  const slug = slugFromPath(path);
  const post = await ctx.db
    .query("posts")
    .withIndex("by_slug", (q) => q.eq("slug", slug))
    .first();
  if (post?.published) return { title: post.title, pageType: "post" };
  const page = await ctx.db
    .query("pages")
    .withIndex("by_slug", (q) => q.eq("slug", slug))
    .first();
  if (page?.published) return { title: page.title, pageType: "page" };
  return null;
}
