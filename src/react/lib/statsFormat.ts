// How the dashboard writes the visit figures and the breakdowns' values. Here, not in format.ts,
// which every visitor's bundle holds: only /stats needs these.
import { DIRECT_SOURCE, isStepProperty, SCREEN_CLASSES, UNKNOWN_VALUE, type BreakdownProperty, type FilterProperty } from "../../shared/config.js";
import { displayPath, formatNumber } from "./format.js";
import { describeChange, type Change } from "./statsPeriod.js";

const SECOND_MS = 1_000;
const ratio = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const oneDecimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

/** A mean visit's length as Plausible writes it: 0 → "0s", 45 s → "45s", 185 s → "3m 05s", 3,725 s → "1h 02m". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / SECOND_MS));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  return `${formatNumber(Math.floor(minutes / 60))}h ${String(minutes % 60).padStart(2, "0")}m`;
}

/** The same length in words, for screen readers and tooltips: 185 s → "3 minutes 5 seconds". */
export function describeDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / SECOND_MS));
  const unit = (count: number, name: string) => `${formatNumber(count)} ${name}${count === 1 ? "" : "s"}`;
  if (seconds < 60) return unit(seconds, "second");
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? unit(minutes, "minute") : `${unit(minutes, "minute")} ${unit(seconds % 60, "second")}`;
  return minutes % 60 === 0 ? unit(Math.floor(minutes / 60), "hour") : `${unit(Math.floor(minutes / 60), "hour")} ${unit(minutes % 60, "minute")}`;
}

/** A rate of 0–1 as a whole percentage: 0.456 → "46%". */
export function formatRate(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

/** Views per visit: 1.4286 → "1.43", 2 → "2". */
export function formatRatio(value: number): string {
  return ratio.format(value);
}

/** A row's share of the panel's total: "46%"; under 10%, one decimal ("4.5%"); above nothing but under 0.1%, "<0.1%". */
export function formatShare(part: number, total: number): string {
  if (total <= 0 || part <= 0) return "0%";
  const percent = (part / total) * 100;
  if (percent < 0.05) return "<0.1%";
  return percent < 10 ? `${oneDecimal.format(percent)}%` : `${Math.round(percent)}%`;
}

/** A conversion rate (0–1) as a share: 0.025 → "2.5%", 0.46 → "46%". */
export const formatConversionRate = (rate: number): string => formatShare(rate, 1);

/** Revenue in the site's currency (`settings.currency`): 348 → "€348.00"; a plain decimal while the currency is not known. */
export function formatMoney(amount: number, currency: string | null | undefined): string {
  const style: Intl.NumberFormatOptions = currency ? { style: "currency", currency } : { minimumFractionDigits: 2, maximumFractionDigits: 2 };
  return new Intl.NumberFormat("en-US", style).format(amount);
}

// ---- The summary's figures: how each is written and compared with the previous period ------------

/**
 * The figures the range cards and the chart show, as the Stats API names them; the last four are a step filter's
 * (a goal's, an event's): total conversions, the share of visitors who converted, and revenue, total and per conversion.
 */
export type Metric = "visitors" | "visits" | "pageviews" | "viewsPerVisit" | "bounceRate" | "visitDurationMs" | "events" | "conversionRate" | "revenue" | "averageRevenue";

/** How a figure is written; money in the site's currency, which only revenue needs. */
type MetricFormat = (value: number, currency?: string | null) => string;

export type MetricSpec = {
  label: string;
  format: MetricFormat;
  /** Said in full (a duration in words), for a tooltip or a screen reader; else `format`'s. */
  describe?: MetricFormat;
  /** Lower is better (bounce rate): a rise is shown in the colour of a fall. */
  lowerIsBetter?: boolean;
  /** A rate compares by its difference in percentage points, not by a percentage of a percentage. */
  comparePoints?: boolean;
  /** A mean over visits: meaningless, and not compared, for a period without any. */
  perVisit?: boolean;
};

export const METRICS: Record<Metric, MetricSpec> = {
  visitors: { label: "Visitors", format: formatNumber },
  visits: { label: "Visits", format: formatNumber },
  pageviews: { label: "Page views", format: formatNumber },
  viewsPerVisit: { label: "Views per visit", format: formatRatio, perVisit: true },
  bounceRate: { label: "Bounce rate", format: formatRate, lowerIsBetter: true, comparePoints: true, perVisit: true },
  visitDurationMs: { label: "Visit duration", format: formatDuration, describe: describeDuration, perVisit: true },
  events: { label: "Conversions", format: formatNumber },
  conversionRate: { label: "Conversion rate", format: formatConversionRate, comparePoints: true },
  revenue: { label: "Revenue", format: formatMoney },
  averageRevenue: { label: "Average revenue", format: formatMoney },
};

/** A change against an earlier figure, and whether it is good news: the colour, which a rise in bounce rate turns red. */
export type MetricChange = Change & { sentiment: "good" | "bad" | "neutral" };

/**
 * How `current` compares with `previous` for `metric`, `against` naming what it is compared with:
 * counts and means by percentage ("▲ 12%"), a rate by its difference in points ("▼ 4 pp", "down 4
 * percentage points …"); null when a percentage would be of nothing (describeChange).
 */
export function describeMetricChange(metric: Metric, current: number, previous: number, against = "the previous period"): MetricChange | null {
  const spec = METRICS[metric];
  let change: Change | null;
  if (spec.comparePoints) {
    const points = Math.round((current - previous) * 100);
    change =
      points === 0
        ? { trend: "flat", text: "no change", label: `no change from ${against}` }
        : {
            trend: points > 0 ? "up" : "down",
            text: `${points > 0 ? "▲" : "▼"} ${Math.abs(points)} pp`,
            label: `${points > 0 ? "up" : "down"} ${Math.abs(points)} percentage point${Math.abs(points) === 1 ? "" : "s"} from ${against}`,
          };
  } else {
    change = describeChange(current, previous, against);
  }
  if (change === null) return null;
  const better = change.trend === "flat" ? null : (change.trend === "up") !== (spec.lowerIsBetter === true);
  return { ...change, sentiment: better === null ? "neutral" : better ? "good" : "bad" };
}

// ---- Breakdown values: countries, languages, screens, pages --------------------------------------

/** Values that mean "we do not know": shown muted. */
export function isPlaceholderValue(value: string): boolean {
  return value === DIRECT_SOURCE || value === UNKNOWN_VALUE;
}

const regionNames = safeDisplayNames("region");
const languageNames = safeDisplayNames("language");

function safeDisplayNames(type: "region" | "language"): Intl.DisplayNames | null {
  try {
    return new Intl.DisplayNames(["en"], { type, fallback: "none" });
  } catch {
    return null;
  }
}

/** "FR" → "🇫🇷" (two regional indicator symbols); "" for anything but two ASCII letters. */
export function flagEmoji(code: string): string {
  if (!/^[A-Za-z]{2}$/.test(code)) return "";
  return String.fromCodePoint(...[...code.toUpperCase()].map((letter) => 0x1f1e6 + letter.charCodeAt(0) - 65));
}

function displayName(names: Intl.DisplayNames | null, code: string): string | undefined {
  try {
    return names?.of(code) ?? undefined;
  } catch {
    // Not a well-formed code: RangeError.
    return undefined;
  }
}

/** "FR" → "France"; a code Intl does not know stays as it is. */
export function countryName(code: string): string {
  if (code === UNKNOWN_VALUE) return code;
  return displayName(regionNames, code.toUpperCase()) ?? code;
}

/** "en" → "English"; a subtag Intl does not know stays as it is. */
export function languageName(code: string): string {
  if (code === UNKNOWN_VALUE) return code;
  return displayName(languageNames, code) ?? code;
}

/** "Tablet" → "576–991 px wide", the screen class's widths (SCREEN_CLASSES). */
export function screenWidths(name: string): string | undefined {
  const index = SCREEN_CLASSES.findIndex((screen) => screen.name === name);
  if (index < 0) return undefined;
  const from = index === 0 ? 0 : SCREEN_CLASSES[index - 1].below;
  const below = SCREEN_CLASSES[index].below;
  if (from === 0) return `under ${formatNumber(below)} px wide`;
  return below === Infinity ? `${formatNumber(from)} px wide or more` : `${formatNumber(from)}–${formatNumber(below - 1)} px wide`;
}

export const PAGE_PROPERTIES: readonly BreakdownProperty[] = ["page", "entryPage", "exitPage"];

/**
 * A breakdown value as the dashboard writes it: `text` (a country's or language's name, a path
 * decoded), a flag for a country, and the full form for a tooltip (`title`). A goal's, an event's
 * or an event property's value is written as it was named.
 */
export function describeValue(property: FilterProperty, value: string): { text: string; title: string; flag?: string } {
  if (isStepProperty(property) || isPlaceholderValue(value)) return { text: value, title: value };
  switch (property) {
    case "country": {
      const name = countryName(value);
      return { text: name, title: name === value ? value : `${name} (${value})`, flag: flagEmoji(value) || undefined };
    }
    case "language": {
      const name = languageName(value);
      return { text: name, title: name === value ? value : `${name} (${value})` };
    }
    case "screen": {
      const widths = screenWidths(value);
      return { text: value, title: widths === undefined ? value : `${value}: ${widths}` };
    }
    default: {
      const text = PAGE_PROPERTIES.includes(property as BreakdownProperty) ? displayPath(value) : value;
      return { text, title: text };
    }
  }
}
