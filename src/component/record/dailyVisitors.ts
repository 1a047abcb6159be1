import { ConvexError, v } from "convex/values";
import type { MutationCtx } from "../_generated/server.js";
import type { InvalidArgument } from "../../shared/validation.js";

/**
 * The visitor of a tracker that sends no id (Plausible's: prds/compat.md), as Plausible counts one: a SHA-256 of the
 * day's salt, the site, the client's IP and its user agent, shaped as a UUID v4 so every later step (dedup, visits,
 * limits) takes it as a session id. So a person is one visitor a day, and a new one the next: the salt of a day is
 * deleted once the day has ended (operate/cleanup.ts), and the IP is hashed here, never stored or passed on.
 */

const DAY = 24 * 60 * 60 * 1000;

// A salt the HTTP action drew (32 random bytes, hex): kept when the day has none yet.
export const vCandidateSalt = v.string();

const utf8 = new TextEncoder();

/**
 * The day's salt: the stored one, or the candidate, stored by the day's first such request (the one write a visitor
 * makes to a shared document, once a day: two first requests conflict once, and the second then reads the first's).
 */
async function saltOf(ctx: MutationCtx, day: number, candidate: string): Promise<string> {
  const row = await ctx.db
    .query("visitorSalts")
    .withIndex("by_day", (q) => q.eq("day", day))
    .first();
  if (row !== null) return row.salt;
  if (!/^[0-9a-f]{64}$/.test(candidate)) throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field: "salt", message: "salt must be 32 random bytes in hex" });
  await ctx.db.insert("visitorSalts", { day, salt: candidate });
  return candidate;
}

/** The session id of this request's visitor today, for `site` (the domain the event names). */
export async function dailySessionId(ctx: MutationCtx, site: string, userAgent: string | undefined, candidateSalt: string, now: number): Promise<string> {
  const day = Math.floor(now / DAY) * DAY;
  const salt = await saltOf(ctx, day, candidateSalt);
  const { ip } = await ctx.meta.getRequestMetadata();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode([salt, site, ip ?? "", userAgent ?? ""].join("\n"))));
  const bytes = digest.slice(0, 16);
  // A version-4, RFC 4122 variant UUID, as crypto.randomUUID() makes them.
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Deletes every salt whose day has ended: yesterday's visitors can no longer be linked to today's. */
export async function deleteEndedSalts(ctx: MutationCtx, now: number): Promise<void> {
  const today = Math.floor(now / DAY) * DAY;
  for (const old of await ctx.db
    .query("visitorSalts")
    .withIndex("by_day", (q) => q.lt("day", today))
    .take(10)) {
    await ctx.db.delete(old._id);
  }
}
