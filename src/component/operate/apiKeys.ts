import { calculateRateLimit, HOUR } from "@convex-dev/rate-limiter";
import { v } from "convex/values";
import { internal } from "../_generated/api.js";
import type { Id } from "../_generated/dataModel.js";
import type { ActionCtx, MutationCtx } from "../_generated/server.js";
import { API_KEY_REQUESTS_PER_HOUR } from "../../shared/config.js";
import { bytesEqual } from "../../shared/secrets.js";
import { checkedLabel, newShareToken, tokenHash } from "./shareLinks.js";
import { watchDashboard } from "../read/dashboardWatch.js";

/**
 * Stats API keys (POST /api/v2/query, prds/compat.md), made, listed and revoked as share links are: a key is
 * SHARE_TOKEN_BYTES of real randomness shown once; the table keeps its SHA-256, so a copy of the data opens nothing.
 * Each key has its own hourly token bucket, kept on its row.
 */

export const vApiKey = v.object({ id: v.id("apiKeys"), label: v.string(), createdAt: v.number() });
export const vNewApiKey = v.object({ id: v.id("apiKeys"), label: v.string(), key: v.string() });
// What a request's key is worth: a live key with a request left this hour, no key of ours, or one that must wait `retryAfter` ms.
export const vApiKeyCheck = v.union(
  v.object({ allowed: v.literal(true) }),
  v.object({ allowed: v.literal(false), reason: v.literal("unauthorized") }),
  v.object({ allowed: v.literal(false), reason: v.literal("rateLimited"), retryAfter: v.number() }),
);

const utf8 = new TextEncoder();
const REQUESTS = { kind: "token bucket", rate: API_KEY_REQUESTS_PER_HOUR, period: HOUR } as const;

/** Makes a key; drawn in an action, whose randomness is the platform's (a mutation's is seeded). */
export async function createApiKey(ctx: ActionCtx, label: string): Promise<typeof vNewApiKey.type> {
  const key = newShareToken();
  const stored = await ctx.runMutation(internal.operate.storeApiKey, { label, keyHash: await tokenHash(key) });
  return { ...stored, key };
}

/** Stores a key's label and hash; the label is trimmed, 1 to SHARE_LINK_LABEL_MAX_CHARS characters. */
export async function storeApiKey(ctx: MutationCtx, label: string, keyHash: string, now: number): Promise<{ id: Id<"apiKeys">; label: string }> {
  const trimmed = checkedLabel(label);
  return { id: await ctx.db.insert("apiKeys", { label: trimmed, keyHash, createdAt: now }), label: trimmed };
}

/**
 * Spends one of the key's requests: looked up by its hash, the hashes compared in constant time (as share links'),
 * then a token taken from its bucket, written on its row only when one is taken. A client of the API watches as a
 * dashboard does (read/dashboardWatch.ts): for a minute the worker folds within seconds, so its next questions see
 * the views folded the unwatched worker would hold for hours.
 */
export async function useApiKey(ctx: MutationCtx, key: string, now: number): Promise<typeof vApiKeyCheck.type> {
  const hash = await tokenHash(key);
  const row = await ctx.db
    .query("apiKeys")
    .withIndex("by_keyHash", (q) => q.eq("keyHash", hash))
    .first();
  if (row === null || !bytesEqual(utf8.encode(row.keyHash), utf8.encode(hash))) return { allowed: false, reason: "unauthorized" };
  const { value, ts, retryAfter } = calculateRateLimit(row.requests ?? null, REQUESTS, now, 1);
  if (value < 0) return { allowed: false, reason: "rateLimited", retryAfter: retryAfter ?? HOUR };
  await ctx.db.patch(row._id, { requests: { value, ts } });
  await watchDashboard(ctx, now);
  return { allowed: true };
}
