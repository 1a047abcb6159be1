import { describeMetricChange, METRICS, type Metric } from "../lib/statsFormat.js";

/**
 * A figure against the one it is compared with: "▲ 12%" in the colour of its sentiment (a rise in
 * bounce rate is bad news, so red), read out as "up 12% from the previous period" (`against`). A
 * rate compares in percentage points ("▼ 4 pp"). With nothing to compare with (an earlier figure of
 * 0, or a mean over visits when either period has none: not `comparable`) no percentage is shown,
 * and a screen reader hears why.
 */
export function PeriodChange({
  current,
  previous,
  metric = "visitors",
  comparable = true,
  against,
  comparedLabel,
  currency,
}: {
  current: number;
  previous: number;
  metric?: Metric;
  comparable?: boolean;
  /** What the figure is compared with, in a sentence: "the previous period", "a year earlier". */
  against: string;
  /** The span compared with, for the tooltip ("Nov 1, 12:00 AM – Nov 7, 2:15 PM"). */
  comparedLabel: string;
  /** The site's currency, for revenue's tooltip. */
  currency?: string | null;
}) {
  const spec = METRICS[metric];
  const change = comparable ? describeMetricChange(metric, current, previous, against) : null;
  if (change === null) {
    return (
      <span className="visually-hidden" data-testid="period-change" data-trend="none">
        nothing to compare with from {against}
      </span>
    );
  }
  return (
    <span
      className={`period-change period-change-${change.sentiment}`}
      data-testid="period-change"
      data-trend={change.trend}
      data-sentiment={change.sentiment}
      title={`${comparedLabel}: ${(spec.describe ?? spec.format)(previous, currency)}`}
    >
      <span aria-hidden="true">{change.text}</span>
      <span className="visually-hidden">{change.label}</span>
    </span>
  );
}
