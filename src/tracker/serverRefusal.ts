import { ConvexError } from "convex/values";

/**
 * What the server said when it refused a tracking call: the ConvexError's data,
 * with `field` for INVALID_ARGUMENT (shared/validation.ts) and `retryAfter`
 * in ms for RATE_LIMITED (component/record/rateLimits.ts); {} for any other failure.
 */
export function serverRefusal(error: unknown): { field?: string; retryAfter?: number } {
  return error instanceof ConvexError ? error.data : {};
}
