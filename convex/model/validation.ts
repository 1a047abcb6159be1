import { ConvexError } from "convex/values";
import { MAX_PATH_LENGTH, PAGE_TYPES, type PageType } from "./config";

/** The shape of `crypto.randomUUID()`: a version-4 UUID, lower or upper case. */
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
// Control characters (C0, DEL and C1) and whitespace (ASCII or Unicode) never appear in a real location.pathname.
const UNPRINTABLE = /[\p{Cc}\s]/u;

export type InvalidArgument = { code: "INVALID_ARGUMENT"; field: string; message: string };

function reject(field: string, message: string): never {
  throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field, message });
}

export function assertValidPath(path: string, field = "path"): void {
  if (!path.startsWith("/")) reject(field, `${field} must start with "/"`);
  if (path.length > MAX_PATH_LENGTH) reject(field, `${field} must be at most ${MAX_PATH_LENGTH} characters`);
  if (UNPRINTABLE.test(path)) reject(field, `${field} must not contain whitespace or control characters`);
}

export function assertValidSessionId(sessionId: string): void {
  if (!UUID_V4.test(sessionId)) reject("sessionId", "sessionId must be a UUID as made by crypto.randomUUID()");
}

export function assertValidPageType(pageType: string): asserts pageType is PageType {
  if (!(PAGE_TYPES as readonly string[]).includes(pageType)) {
    reject("pageType", `pageType must be one of ${PAGE_TYPES.join(", ")}`);
  }
}
