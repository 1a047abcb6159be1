import { ConvexError } from "convex/values";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { canonicalSessionId, type InvalidArgument } from "../../shared/validation.js";

/**
 * The site's Umami website id (prds/compat.md): the UUID Umami's trackers send as `website`, which names this site
 * to `POST /api/send`. The owner makes it once (`npx convex run stats:umamiWebsite`) and puts it in the tracker's
 * settings; asked again, the same id is given.
 */

/** What a request naming another site's website id hears. */
export const UNKNOWN_UMAMI_WEBSITE = "no site has this website id: give the one `npx convex run stats:umamiWebsite` prints";

export async function getUmamiWebsiteId(ctx: QueryCtx): Promise<string | null> {
  return (await ctx.db.query("umamiWebsites").first())?.websiteId ?? null;
}

/** The site's id: the one it has, or `candidate` (a random UUID the caller drew), kept. */
export async function claimUmamiWebsiteId(ctx: MutationCtx, candidate: string): Promise<string> {
  const existing = await getUmamiWebsiteId(ctx);
  if (existing !== null) return existing;
  let websiteId: string;
  try {
    websiteId = canonicalSessionId(candidate);
  } catch {
    throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field: "candidate", message: "candidate must be a UUID as crypto.randomUUID() makes them" });
  }
  await ctx.db.insert("umamiWebsites", { websiteId });
  return websiteId;
}
