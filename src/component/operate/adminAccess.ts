import { v, type Infer } from "convex/values";
import { secretMatches } from "../../shared/secrets.js";

/** The environment variable holding the admin endpoints' bearer secret; unset, the endpoints are off. */
export const ADMIN_SECRET_VARIABLE = "STATS_ADMIN_SECRET";

export const vAdminAccess = v.union(v.literal("off"), v.literal("denied"), v.literal("granted"));
export type AdminAccess = Infer<typeof vAdminAccess>;

/** "off" while no secret is configured; else whether `token` is the secret, compared in constant time. */
export async function adminAccess(token: string): Promise<AdminAccess> {
  const configured = process.env[ADMIN_SECRET_VARIABLE];
  if (!configured) return "off";
  return (await secretMatches(token, configured)) ? "granted" : "denied";
}
