import { ConvexError } from "convex/values";
import { MAX_PATH_BYTES, PAGE_TYPES, type PageType } from "./config.js";

/** The shape of `crypto.randomUUID()`: a version-4 UUID, lower or upper case. */
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
// Control (C0, DEL, C1), format (zero-width, bidi overrides) and whitespace characters never appear in a real location.pathname.
const INVISIBLE = /[\p{Cc}\p{Cf}\s]/u;
// A UTF-16 surrogate that is not half of a pair: not a character at all.
const LONE_SURROGATE = /\p{Cs}/u;

export type InvalidArgument = { code: "INVALID_ARGUMENT"; field: string; message: string };

function reject(field: string, message: string): never {
  throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field, message });
}

/**
 * True for a path on this site: one leading slash, no backslash. Browsers read
 * `//host/x` and `/\host` as links to another host, so those never count and
 * are never rendered as links.
 */
export function isSitePath(path: string): boolean {
  return path.startsWith("/") && !path.startsWith("//") && !path.includes("\\");
}

/** What canonicalPath returns: bump it with any change to that, since stored paths keep the form they were recorded in (prds/health.md). */
export const CANONICAL_PATH_VERSION = 1;

/**
 * The one form of a path that is counted: query and fragment dropped, trailing
 * slashes removed (so `/a`, `/a/`, `/a?x` and `/a#y` are one page). Rejects
 * anything that is not a path on this site or that a browser would not send.
 */
export function canonicalPath(raw: string, field = "path"): string {
  const path = raw.replace(/[?#][\s\S]*$/, "");
  if (!path.startsWith("/")) reject(field, `${field} must start with "/"`);
  if (!isSitePath(path)) reject(field, `${field} must be a path on this site, not "//" or a backslash`);
  if (LONE_SURROGATE.test(path)) reject(field, `${field} must be well-formed Unicode`);
  if (INVISIBLE.test(path)) reject(field, `${field} must not contain whitespace, control, zero-width or bidi characters`);
  const canonical = path.replace(/\/+$/, "") || "/";
  if (new TextEncoder().encode(canonical).length > MAX_PATH_BYTES) reject(field, `${field} must be at most ${MAX_PATH_BYTES} bytes (UTF-8)`);
  return canonical;
}

/** The one form of a session id: a v4 UUID in lower case, so letter case never makes a second visitor. */
export function canonicalSessionId(sessionId: string): string {
  if (!UUID_V4.test(sessionId)) reject("sessionId", "sessionId must be a UUID as made by crypto.randomUUID()");
  return sessionId.toLowerCase();
}

export function assertValidPageType(pageType: string): asserts pageType is PageType {
  if (!(PAGE_TYPES as readonly string[]).includes(pageType)) {
    reject("pageType", `pageType must be one of ${PAGE_TYPES.join(", ")}`);
  }
}
