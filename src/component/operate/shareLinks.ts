import { ConvexError, v } from "convex/values";
import { internal } from "../_generated/api.js";
import type { Id } from "../_generated/dataModel.js";
import type { ActionCtx, MutationCtx, QueryCtx } from "../_generated/server.js";
import { SHARE_LINK_LABEL_MAX_CHARS, SHARE_TOKEN_BYTES } from "../../shared/config.js";
import { bytesEqual } from "../../shared/secrets.js";
import type { InvalidArgument } from "../../shared/validation.js";

/**
 * Share links of a private dashboard (prds/private.md), as Plausible's shared
 * links: `/stats?token=<token>`. A token is SHARE_TOKEN_BYTES of real
 * randomness, shown once when it is made; the table keeps its SHA-256, so a
 * copy of the data opens nothing. Revoking deletes the row, and every stats
 * query that read it re-runs and refuses.
 */

export const vShareLink = v.object({ id: v.id("shareLinks"), label: v.string(), createdAt: v.number() });
export const vNewShareLink = v.object({ id: v.id("shareLinks"), label: v.string(), token: v.string(), path: v.string() });

const utf8 = new TextEncoder();

/** A new token: random bytes as base64url without padding (safe in a URL as it is). */
export function newShareToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SHARE_TOKEN_BYTES));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The token's SHA-256 in hex: what the table keeps and is looked up by. */
export async function tokenHash(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(token)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Makes a share link. The token is drawn here, in an action: a mutation's random
 * generator is seeded per transaction (so Convex can replay it), an action's is the platform's own.
 */
export async function createShareLink(ctx: ActionCtx, label: string): Promise<typeof vNewShareLink.type> {
  const token = newShareToken();
  const stored = await ctx.runMutation(internal.operate.storeShareLink, { label, tokenHash: await tokenHash(token) });
  return { ...stored, token, path: `/stats?token=${token}` };
}

/** Stores a link's label and token hash; the label is trimmed, 1 to SHARE_LINK_LABEL_MAX_CHARS characters. */
export async function storeShareLink(ctx: MutationCtx, label: string, hash: string, now: number): Promise<{ id: Id<"shareLinks">; label: string }> {
  const trimmed = checkedLabel(label);
  return { id: await ctx.db.insert("shareLinks", { label: trimmed, tokenHash: hash, createdAt: now }), label: trimmed };
}

/** A share link's or API key's label, trimmed; INVALID_ARGUMENT unless 1 to SHARE_LINK_LABEL_MAX_CHARS characters. */
export function checkedLabel(label: string): string {
  const trimmed = label.trim();
  if (trimmed.length === 0 || trimmed.length > SHARE_LINK_LABEL_MAX_CHARS) {
    throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field: "label", message: `label must be 1 to ${SHARE_LINK_LABEL_MAX_CHARS} characters` });
  }
  return trimmed;
}

/** The owner's labelled secrets: share links and Stats API keys (operate/apiKeys.ts), each stored as its hash. */
type LabelledSecrets = "shareLinks" | "apiKeys";

/** Every share link or API key, newest first, without its hash. */
export async function listLabelled<Table extends LabelledSecrets>(ctx: QueryCtx, table: Table): Promise<{ id: Id<Table>; label: string; createdAt: number }[]> {
  const rows = await ctx.db.query(table).order("desc").collect();
  return rows.map(({ _id, label, createdAt }) => ({ id: _id as Id<Table>, label, createdAt }));
}

/** Deletes the share link or API key; false when there was none with this id (revoked already). */
export async function revokeLabelled(ctx: MutationCtx, id: Id<LabelledSecrets>): Promise<boolean> {
  if ((await ctx.db.get(id)) === null) return false;
  await ctx.db.delete(id);
  return true;
}

/**
 * Whether `token` is a live share link's. Looked up by its hash (an index read that
 * the query depends on, so revoking re-runs it), then the hashes compared in
 * constant time; what the lookup's timing could tell is about a hash, which leads to no token.
 */
export async function isShareToken(ctx: QueryCtx, token: string): Promise<boolean> {
  const hash = await tokenHash(token);
  const link = await ctx.db
    .query("shareLinks")
    .withIndex("by_tokenHash", (q) => q.eq("tokenHash", hash))
    .first();
  return link !== null && bytesEqual(utf8.encode(link.tokenHash), utf8.encode(hash));
}
