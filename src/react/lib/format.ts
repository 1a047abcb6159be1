// A fixed locale, so "1,234" reads the same for every visitor of a public dashboard.
const full = new Intl.NumberFormat("en-US");
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
const date = new Intl.DateTimeFormat("en-US", { dateStyle: "medium" });
const dateTime = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short" });

/** 1234 → "1,234". */
export function formatNumber(value: number): string {
  return full.format(value);
}

/** 12345 → "12.3k", for tight spots; pair it with the full number in a title or label. */
export function formatCompact(value: number): string {
  return compact.format(value).replace("K", "k");
}

/** "2025-06-01" or a timestamp → "Jun 1, 2025"; a timestamp's date in `timeZone` when given, else in the browser's. */
export function formatDate(value: string | number, timeZone?: string): string {
  // A bare date is a calendar day, not midnight UTC, so it must not shift with the time zone.
  if (typeof value === "string") return date.format(new Date(`${value}T00:00:00`));
  return (timeZone === undefined ? date : new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone })).format(value);
}

/** "Jun 1, 2025, 2:05 PM", in `timeZone` when given, else in the browser's. */
export function formatDateTime(timestamp: number, timeZone?: string): string {
  return (timeZone === undefined ? dateTime : new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone })).format(timestamp);
}

// Runs of percent-escapes, decoded together so a multi-byte character (%C3%A9) comes out whole.
const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;
// Decoded, these would change how a path reads: separators and escapes, or characters that are invisible or reorder text.
const KEEP_ESCAPED = /[/?#%\\\p{Cc}\p{Cf}\p{Z}\s]/u;

/**
 * A path as people read it: "/caf%C3%A9" → "/café". Only for display (links
 * keep the path as sent). Escapes that are not valid UTF-8 stay as they are,
 * and so do characters that would mislead once decoded: "/", "?", "#", "%",
 * backslashes, whitespace, control and invisible or bidi formatting characters.
 */
export function displayPath(path: string): string {
  return path.replace(ESCAPE_RUN, (run) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(run);
    } catch {
      return run;
    }
    return Array.from(decoded, (char) => (KEEP_ESCAPED.test(char) ? encodeURIComponent(char) : char)).join("");
  });
}
