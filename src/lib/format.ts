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

/** "2025-06-01" or a timestamp → "Jun 1, 2025". */
export function formatDate(value: string | number): string {
  // A bare date is a calendar day, not midnight UTC, so it must not shift with the time zone.
  const parsed = typeof value === "string" ? new Date(`${value}T00:00:00`) : new Date(value);
  return date.format(parsed);
}

export function formatDateTime(timestamp: number): string {
  return dateTime.format(new Date(timestamp));
}
