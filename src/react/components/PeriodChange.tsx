import { describeMetricChange, METRICS, type Metric } from "../lib/statsFormat.js";

/**
 * A figure against the previous period's: "▲ 12%" in the colour of its sentiment (a rise in
 * bounce rate is bad news, so red), read out as "up 12% from the previous period". A rate compares
 * in percentage points ("▼ 4 pp"). Not `comparable` (a mean over visits when either period has
 * none): a dash.
 */
export function PeriodChange({ current, previous, metric = "visitors", comparable = true }: { current: number; previous: number; metric?: Metric; comparable?: boolean }) {
  const spec = METRICS[metric];
  const change = comparable
    ? describeMetricChange(metric, current, previous)
    : ({ trend: "flat", text: "–", label: "no visits to compare with", sentiment: "neutral" } as const);
  return (
    <span
      className={`period-change period-change-${change.sentiment}`}
      data-testid="period-change"
      data-trend={change.trend}
      data-sentiment={change.sentiment}
      title={`Previous period: ${(spec.describe ?? spec.format)(previous)}`}
    >
      <span aria-hidden="true">{change.text}</span>
      <span className="visually-hidden">{change.label}</span>
    </span>
  );
}
