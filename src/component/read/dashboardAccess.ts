import { ConvexError, v } from "convex/values";
import type { QueryCtx } from "../_generated/server.js";
import { MAX_TOKEN_CHARS, MIN_READ_TOKEN_BITS } from "../../shared/config.js";
import { secretMatches, tokenCapacityBits } from "../../shared/secrets.js";
import { isShareToken } from "../operate/shareLinks.js";

/**
 * Who may read the stats (prds/private.md). Public by default, as the dashboard
 * always was; with STATS_VISIBILITY=private every stats query needs a token: a
 * share link's, or the owner's STATS_READ_TOKEN. Recording is never guarded.
 */

/** The environment variable that makes the dashboard private. */
export const VISIBILITY_VARIABLE = "STATS_VISIBILITY";

/** The environment variable holding the owner's read token (for GET /api/export, and a dashboard link of their own). */
export const READ_TOKEN_VARIABLE = "STATS_READ_TOKEN";

export const vVisibility = v.union(v.literal("public"), v.literal("private"));
export type Visibility = typeof vVisibility.type;

/** What a stats query throws for a caller without a valid token on a private dashboard. */
export type PrivateDashboard = { code: "PRIVATE_DASHBOARD"; message: string };

type Env = Record<string, string | undefined>;

/** STATS_VISIBILITY: public when unset, blank or "public"; any other value is private, so a typo never publishes the figures. */
export function dashboardVisibility(env: Env = process.env): Visibility {
  const raw = env[VISIBILITY_VARIABLE]?.trim().toLowerCase();
  return !raw || raw === "public" ? "public" : "private";
}

/**
 * STATS_READ_TOKEN when it is strong enough to open anything, else undefined. No query can count
 * guesses, so its strength is the only defence: one with room for fewer than MIN_READ_TOKEN_BITS opens
 * nothing, and each check logs why, for the owner whose token is refused.
 */
function configuredReadToken(env: Env = process.env): string | undefined {
  const token = env[READ_TOKEN_VARIABLE];
  if (!token) return undefined;
  if (tokenCapacityBits(token) >= MIN_READ_TOKEN_BITS) return token;
  console.warn(
    `[access] ${READ_TOKEN_VARIABLE} opens nothing: it must hold at least ${MIN_READ_TOKEN_BITS} random bits, written as 22 or more ` +
      `base64url characters or 32 or more hex digits. Set a new one: ` +
      `npx convex env set ${READ_TOKEN_VARIABLE} "$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')"`,
  );
  return undefined;
}

/** Whether `token` opens a private dashboard: the owner's read token, or a live share link's. */
async function tokenOpens(ctx: QueryCtx, token: string): Promise<boolean> {
  if (token.length > MAX_TOKEN_CHARS) return false;
  return (await secretMatches(token, configuredReadToken())) || (await isShareToken(ctx, token));
}

/** The dashboard's visibility, and whether a caller with `token` (or none) may read it. */
export async function dashboardAccess(ctx: QueryCtx, token: string | undefined): Promise<{ visibility: Visibility; canRead: boolean }> {
  const visibility = dashboardVisibility();
  if (visibility === "public") return { visibility, canRead: true };
  return { visibility, canRead: token !== undefined && (await tokenOpens(ctx, token)) };
}

/** Throws PRIVATE_DASHBOARD unless the caller may read the stats: every stats query calls it first. */
export async function assertCanReadStats(ctx: QueryCtx, token: string | undefined): Promise<void> {
  const { canRead } = await dashboardAccess(ctx, token);
  if (canRead) return;
  throw new ConvexError<PrivateDashboard>({
    code: "PRIVATE_DASHBOARD",
    message: token === undefined ? "This dashboard is private: open it with a share link." : "This share link is not valid: it was revoked or mistyped.",
  });
}
