// A private dashboard's share link: `/stats?token=…` (prds/private.md). The token stays in the URL, so the
// link itself is what opens the dashboard; every stats query gets it as `token`.
import { ConvexError } from "convex/values";

export const TOKEN_PARAM = "token";

/** A query's arguments with the token, when there is one (no `token: undefined` key, so equal questions stay equal). */
export function withTokenArg<Args extends object>(args: Args, token: string | null): Args & { token?: string } {
  return token === null ? args : { ...args, token };
}

/** True for the server's refusal of a caller who may not read a private dashboard. */
export function isPrivateDashboardError(error: unknown): boolean {
  return error instanceof ConvexError && (error.data as { code?: unknown } | undefined)?.code === "PRIVATE_DASHBOARD";
}
