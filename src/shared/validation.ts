import { ConvexError } from "convex/values";
import { MAX_PATH_BYTES, PAGE_TYPES, type PageType } from "./config.js";

/** The shape of `crypto.randomUUID()`: a version-4 UUID, lower or upper case. */
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
// Control (C0, DEL, C1), format (zero-width, bidi overrides) and whitespace characters never appear in a real location.pathname.
const INVISIBLE = /[\p{Cc}\p{Cf}\s]/u;
// A UTF-16 surrogate that is not half of a pair: not a character at all.
const LONE_SURROGATE = /\p{Cs}/u;
// C0, DEL and C1 controls, and format characters: bidi marks and overrides that reorder text, and
// invisible ones ("Google\u200b") that would make a second row drawn exactly like the first.
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;
// The one format character kept: the zero-width joiner inside an emoji ZWJ sequence (👨‍👩‍👧, 👩🏽‍💻, ❤️‍🔥), between two
// pictographs, where it draws one emoji; next to a letter it would only hide, so it is refused there.
const EMOJI_JOINER = /(?<=[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F])\u200D(?=\p{Extended_Pictographic})/gu;

export type InvalidArgument = { code: "INVALID_ARGUMENT"; field: string; message: string };

function reject(field: string, message: string): never {
  throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field, message });
}

export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * Text a dashboard draws as it was sent (a visit's referrer, an event's name or property): a string of at most
 * `maxBytes` UTF-8 bytes with no control or format characters (but an emoji's joiner) and no lone surrogate.
 */
export function checkedText(value: unknown, field: string, maxBytes: number): string {
  if (typeof value !== "string") reject(field, `${field} must be a string`);
  // Every UTF-16 unit is at least one UTF-8 byte, so a long string is refused before it is encoded.
  if (value.length > maxBytes || utf8Bytes(value) > maxBytes) reject(field, `${field} must be at most ${maxBytes} bytes (UTF-8)`);
  if (LONE_SURROGATE.test(value)) reject(field, `${field} must be well-formed Unicode`);
  if (CONTROL_OR_FORMAT.test(value.replace(EMOJI_JOINER, ""))) reject(field, `${field} must not contain control, bidi or invisible formatting characters`);
  return value;
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
export const CANONICAL_PATH_VERSION = 2;

// Characters RFC 3986 calls unreserved: escaping them changes nothing, so "%70" is "p".
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
// A run of %XX escapes (decoded together, so a multi-byte character comes out whole), or a "%" that starts none.
const ESCAPES_OR_STRAY_PERCENT = /(?:%[0-9A-Fa-f]{2})+|%/g;
// What a browser's location.pathname never holds as such: non-ASCII, and the ASCII its URL parser escapes in a path.
const BROWSER_ESCAPED = /[^\x00-\x7F]|["<>`{}]/gu;

const escapeByte = (byte: number) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;

/** How many bytes the UTF-8 sequence starting with `lead` has; 0 for a byte no sequence starts with. */
function utf8Length(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** A run of escapes with each UTF-8 character that is unreserved or non-ASCII decoded; every other byte stays escaped, in upper case. */
function decodeEscapes(run: string): string {
  if (run === "%") return "%25";
  const bytes = run.slice(1).split("%").map((hex) => parseInt(hex, 16));
  let decoded = "";
  for (let i = 0; i < bytes.length; ) {
    const length = utf8Length(bytes[i]);
    let char: string | undefined;
    try {
      if (length > 0 && i + length <= bytes.length) char = decodeURIComponent(run.slice(3 * i, 3 * (i + length)));
    } catch {
      // Not UTF-8 (an overlong form, an encoded surrogate, a bad continuation byte): the bytes stay escaped.
    }
    if (char !== undefined && (length > 1 || UNRESERVED.test(char))) {
      decoded += char;
      i += length;
    } else {
      decoded += escapeByte(bytes[i]);
      i += 1;
    }
  }
  return decoded;
}

/**
 * One spelling for every way of writing the same path, so that rows the dashboard draws alike
 * are one row (RFC 3986's normalisation, RFC 3987's mapping to a URI): escaped unreserved
 * characters decoded ("/%70ricing" is "/pricing"); characters in NFC (so "cafe\u0301" is "café"),
 * whether sent as they are or escaped; then non-ASCII, and the ASCII a browser's URL parser
 * escapes, percent-encoded as UTF-8, as location.pathname spells them ("/café" is "/caf%C3%A9"); every
 * other escape's hex in upper case, and a "%" that starts no escape is "%25". The result is ASCII.
 */
function canonicalSpelling(path: string): string {
  const decoded = path.replace(ESCAPES_OR_STRAY_PERCENT, decodeEscapes);
  // What is left escaped is ASCII punctuation, which nothing composes with; NFC across it could turn "%3E" + U+0301 into "%3É".
  const normalized = decoded
    .split(/(%[0-9A-F]{2})/)
    .map((part, index) => (index % 2 === 0 ? part.normalize("NFC") : part))
    .join("");
  return normalized.replace(BROWSER_ESCAPED, encodeURIComponent);
}

/**
 * The one form of a path that is counted: query and fragment dropped, trailing
 * slashes removed (so `/a`, `/a/`, `/a?x` and `/a#y` are one page), spelled one
 * way (canonicalSpelling: `/%70ricing` is `/pricing`, `/café` is `/caf%C3%A9`).
 * Rejects anything that is not a path on this site or that a browser would not send.
 */
export function canonicalPath(raw: string, field = "path"): string {
  const path = raw.replace(/[?#][\s\S]*$/, "");
  if (!path.startsWith("/")) reject(field, `${field} must start with "/"`);
  if (!isSitePath(path)) reject(field, `${field} must be a path on this site, not "//" or a backslash`);
  if (LONE_SURROGATE.test(path)) reject(field, `${field} must be well-formed Unicode`);
  if (INVISIBLE.test(path)) reject(field, `${field} must not contain whitespace, control, zero-width or bidi characters`);
  const tooLong = () => reject(field, `${field} must be at most ${MAX_PATH_BYTES} bytes, percent-encoded as a browser sends it`);
  // Decoding shrinks an escape at most threefold, so a path this long cannot fit once canonical: refused before any work.
  if (path.length > 3 * MAX_PATH_BYTES) tooLong();
  const canonical = canonicalSpelling(path).replace(/\/+$/, "") || "/";
  // ASCII only, so its length is its size in bytes.
  if (canonical.length > MAX_PATH_BYTES) tooLong();
  return canonical;
}

/** The one form of a session id: a v4 UUID in lower case, so letter case never makes a second visitor. */
export function canonicalSessionId(sessionId: string): string {
  if (!UUID_V4.test(sessionId)) reject("sessionId", "sessionId must be a UUID as made by crypto.randomUUID()");
  return sessionId.toLowerCase();
}

/** A page's scroll depth as a heartbeat carries it: a whole percentage from 0 to 100. */
export function checkedScrollDepth(depth: number, field = "scrollDepth"): number {
  if (!Number.isInteger(depth) || depth < 0 || depth > 100) reject(field, `${field} must be a whole number from 0 to 100; got ${depth}`);
  return depth;
}

export function assertValidPageType(pageType: string): asserts pageType is PageType {
  if (!(PAGE_TYPES as readonly string[]).includes(pageType)) {
    reject("pageType", `pageType must be one of ${PAGE_TYPES.join(", ")}`);
  }
}
