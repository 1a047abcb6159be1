import { memo, useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type RefObject } from "react";
import uPlot from "uplot";
import { formatCompact, formatNumber } from "../lib/format.js";
import { METRICS } from "../lib/statsFormat.js";
import {
  axisTicks,
  bucketClock,
  bucketLabel,
  INTERVAL_NOUN,
  offsetChanges,
  rangeLabel,
  zoneName,
  type AxisTicks,
  type BucketClock,
  type Interval,
  type TimeBucket,
} from "../lib/timeBuckets.js";

export type { Interval, TimeBucket } from "../lib/timeBuckets.js";

/** A figure of `timeseries` the chart can draw: visitors and page views together ("both"), or any one of them. */
export type TimeseriesMetric = Metric | "both";

/** A bucket with the visit figures `timeseries` also gives (prds/visits.md); the chart draws them when asked. */
export type ChartBucket = TimeBucket & Partial<Record<Exclude<Metric, "visitors" | "pageviews">, number>>;

export type TimeseriesChartProps = {
  /** The range's buckets, oldest first, empty ones included: what the Stats API's `timeseries` returns. */
  series: readonly ChartBucket[];
  /** The previous period's buckets, compared by position: `previous[i]` is drawn and listed beside `series[i]`. */
  previous?: readonly ChartBucket[];
  /** What `previous` is, in the legend, the summary and the table: "Previous period" (default) or "A year earlier". */
  previousName?: string;
  interval: Interval;
  /** The IANA zone the buckets were cut in; every date and time shown is in it. */
  timeZone: string;
  /** Which lines to draw; the tooltip and the table always give visitors and page views (and the metric drawn). Default "both". */
  metric?: TimeseriesMetric;
  /** The start of the bucket still being counted: drawn dashed to a pulsing dot, and marked "so far". */
  liveBucketStart?: number;
  /** Newer data is on its way: the figures shown stay, dimmed, and are marked busy. */
  loading?: boolean;
  /** Offer these granularities as a switch (with `onIntervalChange`). */
  intervals?: readonly Interval[];
  onIntervalChange?: (interval: Interval) => void;
  /** Names the chart in its summary and the table's caption. Default "Visitors and page views per <interval>". */
  title?: string;
};

// `events`: the conversions of a series under a goal, event or property filter.
type Metric = "visitors" | "pageviews" | "visits" | "viewsPerVisit" | "bounceRate" | "visitDurationMs" | "events";
type LineKind = "previous" | "current" | "live";
type Line = { metric: Metric; kind: LineKind };

const METRIC_LABEL: Record<Metric, string> = Object.fromEntries(Object.entries(METRICS).map(([metric, { label }]) => [metric, label])) as Record<Metric, string>;

/** A bucket's figure for `metric`; null (a gap in the line, not a fall to zero) for a mean over visits in a bucket without any. */
function figure(bucket: ChartBucket | undefined, metric: Metric): number | null {
  if (bucket === undefined) return null;
  const value = bucket[metric];
  if (value === undefined) return null;
  return METRICS[metric].perVisit && bucket.visits === 0 ? null : value;
}

/** The y axis's steps for a metric: whole counts; rates by the percent; durations by the second, minute and hour. */
function yIncrements(metric: Metric): number[] {
  if (metric === "bounceRate") return [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5];
  if (metric === "viewsPerVisit") return [0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 50];
  if (metric === "visitDurationMs") return [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 18000, 36000].map((seconds) => seconds * 1000);
  return Y_INCREMENTS;
}

/** A y axis label: compact counts ("1.2k"), rates ("40%"), durations ("3m 05s"). */
function yLabel(metric: Metric, value: number): string {
  if (metric === "visitors" || metric === "pageviews" || metric === "visits" || metric === "events") return formatCompact(value);
  return METRICS[metric].format(value);
}
const INTERVAL_TITLE: Record<Interval, string> = { minute: "Minute", hour: "Hour", day: "Day", week: "Week", month: "Month" };

/** Everything drawn and listed, derived once per data change. */
type Model = {
  series: readonly ChartBucket[];
  previous: readonly ChartBucket[] | null;
  interval: Interval;
  timeZone: string;
  metrics: Metric[];
  liveIndex: number;
  /** Row labels: with the zone's name when its offset changes inside the range. */
  labels: string[];
  previousLabels: string[] | null;
  clock: BucketClock;
  lines: Line[];
  data: uPlot.AlignedData;
};

// Every line a metric can have, present even when empty (no previous period, no live bucket: all nulls),
// so a previous period or a live bucket coming and going is new data, not a new chart.
function linesFor(metrics: Metric[]): Line[] {
  // Drawn in this order: the previous period behind, visitors (the headline) on top.
  const order = [...metrics].sort((a) => (a === "pageviews" ? -1 : 1));
  return (["previous", "current", "live"] as const).flatMap((kind) => order.map((metric): Line => ({ metric, kind })));
}

function buildModel(
  series: readonly ChartBucket[],
  previousInput: readonly ChartBucket[] | undefined,
  interval: Interval,
  timeZone: string,
  metric: TimeseriesMetric,
  liveBucketStart: number | undefined,
): Model {
  const previous = previousInput !== undefined && previousInput.length > 0 ? previousInput : null;
  const metrics: Metric[] = metric === "both" ? ["visitors", "pageviews"] : [metric];
  const liveIndex = liveBucketStart === undefined ? -1 : series.findIndex((bucket) => bucket.start === liveBucketStart);
  const starts = series.map((bucket) => bucket.start);
  const withZone = offsetChanges(starts, timeZone);
  const lines = linesFor(metrics);
  const xs = series.map((_, index) => index);
  const values = (line: Line): (number | null)[] =>
    series.map((bucket, index) => {
      if (line.kind === "previous") return figure(previous?.[index], line.metric);
      // Buckets after the live one have not begun (the rest of today, this month): no line yet, not a line at zero.
      if (liveIndex >= 0 && index > liveIndex) return null;
      // The live bucket is still filling: the solid line stops before it, a dashed one reaches it.
      if (line.kind === "current") return index === liveIndex ? null : figure(bucket, line.metric);
      return liveIndex >= 0 && Math.abs(index - liveIndex) <= 1 ? figure(bucket, line.metric) : null;
    });
  return {
    series,
    previous,
    interval,
    timeZone,
    metrics,
    liveIndex,
    labels: starts.map((start) => bucketLabel(start, interval, timeZone, withZone)),
    previousLabels: previous === null ? null : previous.map(({ start }) => bucketLabel(start, interval, timeZone, offsetChanges([previous[0].start, start], timeZone))),
    clock: bucketClock(starts, timeZone),
    lines,
    data: [xs, ...lines.map(values)] as uPlot.AlignedData,
  };
}

/** One sentence for `aria-label`: what is drawn, over when, the headline figures. */
function summarize(model: Model, title: string, previousName: string): string {
  const { series, previous, interval, timeZone } = model;
  if (series.length === 0) return `${title}: no data for this range.`;
  const range = rangeLabel(series[0].start, series[series.length - 1].start, interval, timeZone);
  const sum = (buckets: readonly TimeBucket[]) => buckets.reduce((total, bucket) => total + bucket.pageviews, 0);
  const peak = series.reduce((best, bucket) => (bucket.visitors > best.visitors ? bucket : best), series[0]);
  const sentences = [
    `${title}, ${range} (${timeZone}).`,
    `${formatNumber(sum(series))} page views in all; visitors peaked at ${formatNumber(peak.visitors)} (${bucketLabel(peak.start, interval, timeZone)}).`,
  ];
  if (previous !== null) sentences.push(`${previousName}: ${formatNumber(sum(previous))} page views.`);
  const drawn = extraMetric(model);
  if (drawn !== null) {
    const best = series.reduce<ChartBucket | null>((top, bucket) => ((figure(bucket, drawn) ?? -1) > (top === null ? -1 : (figure(top, drawn) ?? -1)) ? bucket : top), null);
    if (best !== null) sentences.push(`${METRIC_LABEL[drawn]} was highest at ${METRICS[drawn].format(figure(best, drawn)!)} (${bucketLabel(best.start, interval, timeZone)}).`);
  }
  sentences.push(`Every ${INTERVAL_NOUN[interval]}'s figures are in the table below.`);
  return sentences.join(" ");
}

/** The metric drawn when it is neither visitors nor page views (which the tooltip and table always give); else null. */
function extraMetric(model: Model): Metric | null {
  const [metric] = model.metrics;
  return model.metrics.length === 1 && metric !== "visitors" && metric !== "pageviews" ? metric : null;
}

/** Page views in their own colour; visitors, and any metric drawn alone but page views, in the headline's. */
const swatchOf = (metric: Metric) => (metric === "pageviews" ? "swatch-pageviews" : "swatch-visitors");

/** Where the y axis stops: above the highest point, never past 100% for a rate; a sensible scale for an empty chart. */
function yMax(metric: Metric, max: number): number {
  if (metric === "bounceRate") return max > 0 ? Math.min(1, Math.max(0.1, max * 1.12)) : 1;
  if (max > 0) return max * 1.12;
  return metric === "visitDurationMs" ? 60_000 : metric === "viewsPerVisit" ? 2 : 4;
}

// ---- Colours, from the stylesheet (light and dark) --------------------------------------------

type Palette = { visitors: string; visitorsFill: string; pageviews: string; axis: string; grid: string; surface: string; font: string };

function readPalette(element: Element): Palette {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    visitors: read("--chart-visitors", "#4338ca"),
    visitorsFill: read("--chart-visitors-fill", "#4338ca1f"),
    pageviews: read("--chart-pageviews", "#c2410c"),
    axis: read("--text-muted", "#5b6072"),
    grid: read("--chart-grid", "#e2e4ec"),
    surface: read("--surface", "#ffffff"),
    font: read("--font", "system-ui, sans-serif"),
  };
}

function canDraw(): boolean {
  // No canvas, no chart (a DOM without one, as in the component tests): the table still says it all.
  try {
    return typeof ResizeObserver === "function" && document.createElement("canvas").getContext("2d") !== null;
  } catch {
    return false;
  }
}

function chartHeight(width: number): number {
  return Math.round(Math.min(320, Math.max(220, width * 0.42)));
}

const Y_INCREMENTS = [1, 2, 5].flatMap((step) => Array.from({ length: 10 }, (_, power) => step * 10 ** power)).sort((a, b) => a - b);

type Hover = { index: number; left: number; top: number };

/**
 * Visitors and page views over time, on uPlot (canvas): the previous period
 * faint and dashed behind, a tooltip with the exact figures of the bucket
 * under the pointer (or the arrow keys), the live bucket dashed to a pulsing
 * dot. The canvas is `role="img"` with a one-sentence summary; every figure
 * is also in a table under it. The chart is created once and fed new data
 * with `setData`; only another `metric` rebuilds it.
 */
export function TimeseriesChart({
  series,
  previous,
  previousName = "Previous period",
  interval,
  timeZone,
  metric = "both",
  liveBucketStart,
  loading = false,
  intervals,
  onIntervalChange,
  title,
}: TimeseriesChartProps) {
  // While loading with nothing new yet (`series` empty), the last figures shown stay, dimmed, in their own interval and zone.
  const lastShown = useRef<TimeseriesChartProps | null>(null);
  const showing: Pick<TimeseriesChartProps, "series" | "previous" | "interval" | "timeZone" | "liveBucketStart"> =
    loading && series.length === 0 && lastShown.current !== null ? lastShown.current : { series, previous, interval, timeZone, liveBucketStart };
  useLayoutEffect(() => {
    if (series.length > 0) lastShown.current = { series, previous, interval, timeZone, liveBucketStart };
  });
  const model = useMemo(
    () => buildModel(showing.series, showing.previous, showing.interval, showing.timeZone, metric, showing.liveBucketStart),
    [showing.series, showing.previous, showing.interval, showing.timeZone, metric, showing.liveBucketStart],
  );
  const heading = title ?? `${metric === "both" ? "Visitors and page views" : METRIC_LABEL[metric]} per ${INTERVAL_NOUN[model.interval]}`;
  const summary = useMemo(() => summarize(model, heading, previousName), [model, heading, previousName]);

  const frameRef = useRef<HTMLDivElement>(null);
  const hostRef = useRef<HTMLDivElement>(null);
  const liveDotRef = useRef<HTMLSpanElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  // What uPlot's callbacks (axis labels, the live dot) read: the model last committed.
  const modelRef = useRef(model);
  useLayoutEffect(() => {
    modelRef.current = model;
  });
  const [hover, setHover] = useState<Hover | null>(null);
  const hasData = model.series.length > 0;
  // Only a change of metric (other lines) rebuilds the chart; anything else is new data for the same one.
  const shape = model.metrics.join(",");

  useEffect(() => {
    const host = hostRef.current;
    if (host === null || !hasData || !canDraw()) return;
    let palette = readPalette(host);
    let ticks: { model: Model; width: number; ticks: AxisTicks } | null = null;
    const ticksFor = (u: uPlot): AxisTicks => {
      const width = u.bbox.width / uPlot.pxRatio;
      if (ticks === null || ticks.model !== modelRef.current || ticks.width !== width) {
        ticks = { model: modelRef.current, width, ticks: axisTicks(modelRef.current.clock, modelRef.current.interval, width) };
      }
      return ticks.ticks;
    };
    const color = (metric: Metric) => () => (metric === "pageviews" ? palette.pageviews : palette.visitors);
    const yMetric = modelRef.current.metrics[0];
    const font = () => `12px ${palette.font}`;
    const lines = modelRef.current.lines;
    const width = host.clientWidth;

    const opts: uPlot.Options = {
      width,
      height: chartHeight(width),
      padding: [12, 20, 0, 4],
      legend: { show: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      cursor: {
        y: false,
        drag: { x: false, y: false, setScale: false },
        points: { size: 9, width: 2, fill: () => palette.surface },
      },
      scales: {
        x: { time: false, range: (_u, min, max) => (max > min ? [min, max] : [min - 0.5, max + 0.5]) },
        y: { range: (_u, _min, max) => [0, yMax(yMetric, max)] },
      },
      axes: [
        {
          stroke: () => palette.axis,
          font: font(),
          grid: { show: false },
          ticks: { show: true, size: 4, width: 1, stroke: () => palette.grid },
          border: { show: true, width: 1, stroke: () => palette.grid },
          gap: 4,
          size: (_u, values) => (values?.some((value) => String(value).includes("\n")) ? 46 : 30),
          splits: (u) => ticksFor(u).indices,
          values: (u, splits) => {
            const { indices, labels } = ticksFor(u);
            return splits.map((split) => labels[indices.indexOf(split)] ?? "");
          },
        },
        {
          stroke: () => palette.axis,
          font: font(),
          grid: { show: true, width: 1, stroke: () => palette.grid },
          ticks: { show: false },
          gap: 6,
          space: 36,
          incrs: yIncrements(yMetric),
          size: (_u, values) => Math.max(28, ...(values ?? []).map((value) => String(value).length * 7 + 14)),
          values: (_u, splits) => splits.map((split) => yLabel(yMetric, split)),
        },
      ],
      series: [
        {},
        ...lines.map(
          (line): uPlot.Series => ({
            label: `${METRIC_LABEL[line.metric]}${line.kind === "previous" ? ", previous period" : ""}`,
            class: `ts-line-${line.kind}`,
            stroke: color(line.metric),
            width: lineWidth(line, width / modelRef.current.series.length),
            dash: line.kind === "current" ? undefined : line.kind === "previous" ? [5, 4] : [3, 3],
            alpha: line.kind === "previous" ? 0.4 : 1,
            fill: line.kind === "current" && line.metric !== "pageviews" ? () => palette.visitorsFill : undefined,
            points: { show: line.kind === "current" ? undefined : false, fill: () => palette.surface },
            spanGaps: false,
          }),
        ),
      ],
      hooks: {
        setCursor: [
          (u) => {
            const index = u.cursor.idx;
            if (index === null || index === undefined || (u.cursor.left ?? -1) < 0) {
              setHover(null);
              return;
            }
            const left = u.over.offsetLeft + u.valToPos(index, "x");
            const top = u.over.offsetTop;
            setHover((current) => (current?.index === index && current.left === left && current.top === top ? current : { index, left, top }));
          },
        ],
        draw: [(u) => placeLiveDot(u, modelRef.current, liveDotRef.current)],
        setSize: [(u) => fitLineWidths(u, lines, modelRef.current.series.length)],
      },
    };

    const u = new uPlot(opts, modelRef.current.data, host);
    plotRef.current = u;

    const resize = new ResizeObserver(() => {
      const next = host.clientWidth;
      if (next > 0 && next !== u.width) u.setSize({ width: next, height: chartHeight(next) });
    });
    resize.observe(host);
    const scheme = window.matchMedia?.("(prefers-color-scheme: dark)");
    const recolor = () => {
      palette = readPalette(host);
      u.redraw(false, true);
    };
    scheme?.addEventListener?.("change", recolor);
    return () => {
      scheme?.removeEventListener?.("change", recolor);
      resize.disconnect();
      u.destroy();
      plotRef.current = null;
      setHover(null);
    };
  }, [shape, hasData]);

  // New figures, a new interval or zone: the same chart, new data (and new axis labels).
  const drawn = useRef<Model | null>(null);
  useEffect(() => {
    const u = plotRef.current;
    if (u === null || drawn.current === model) return;
    drawn.current = model;
    fitLineWidths(u, model.lines, model.series.length);
    u.setData(model.data);
    u.redraw(false, true);
  }, [model, shape]);

  const hideCursor = () => plotRef.current?.setCursor({ left: -10, top: -10 });

  // The arrow keys move the tooltip from bucket to bucket (Home, End: the first, the last; Escape hides it).
  const moveWithKeys = (event: KeyboardEvent<HTMLDivElement>) => {
    const u = plotRef.current;
    const last = model.series.length - 1;
    if (u === null || last < 0) return;
    const from = hover?.index;
    let index: number;
    switch (event.key) {
      case "ArrowLeft":
        index = from === undefined ? last : from - 1;
        break;
      case "ArrowRight":
        index = from === undefined ? 0 : from + 1;
        break;
      case "Home":
        index = 0;
        break;
      case "End":
        index = last;
        break;
      case "Escape":
        hideCursor();
        return;
      default:
        return;
    }
    event.preventDefault();
    index = Math.min(last, Math.max(0, index));
    u.setCursor({ left: u.valToPos(index, "x"), top: u.bbox.height / uPlot.pxRatio / 2 });
  };

  return (
    <figure className={`timeseries${loading ? " is-stale" : ""}`} aria-busy={loading || undefined} data-testid="timeseries">
      <div className="timeseries-toolbar">
        <Legend model={model} previousName={previousName} />
        {onIntervalChange !== undefined && intervals !== undefined && intervals.length > 1 && (
          <IntervalSwitch value={interval} options={intervals} onChange={onIntervalChange} />
        )}
      </div>
      {hasData ? (
        <div className="timeseries-frame" ref={frameRef}>
          <div
            className="timeseries-plot"
            ref={hostRef}
            role="img"
            aria-label={summary}
            tabIndex={0}
            onKeyDown={moveWithKeys}
            onBlur={hideCursor}
            data-testid="timeseries-plot"
          />
          {model.liveIndex >= 0 && <span className="live-dot timeseries-live-dot" ref={liveDotRef} aria-hidden="true" />}
          {hover !== null && hover.index < model.series.length && <Tooltip model={model} hover={hover} frame={frameRef} />}
        </div>
      ) : loading ? (
        <div className="skeleton timeseries-skeleton" role="img" aria-label={`${heading}: loading`} />
      ) : (
        <p className="panel-empty timeseries-empty" role="img" aria-label={summary}>
          No visits in this range yet.
        </p>
      )}
      <FiguresTable model={model} heading={heading} previousName={previousName} />
    </figure>
  );
}

/** Thinner lines when buckets are only a few pixels apart (a year of days), so the shape stays readable. */
function lineWidth(line: Line, pxPerBucket: number): number {
  const base = line.kind === "previous" ? 1.5 : line.metric !== "pageviews" ? 2.5 : 2;
  return base * Math.min(1, Math.max(0.5, pxPerBucket / 8));
}

function fitLineWidths(u: uPlot, lines: Line[], buckets: number): void {
  const pxPerBucket = u.bbox.width / uPlot.pxRatio / Math.max(1, buckets);
  lines.forEach((line, index) => {
    const series = u.series[index + 1];
    if (series !== undefined) series.width = lineWidth(line, pxPerBucket);
  });
}

/** Puts the pulsing dot on the live bucket's point (of the first line drawn), or hides it. */
function placeLiveDot(u: uPlot, model: Model, dot: HTMLSpanElement | null): void {
  if (dot === null) return;
  const value = model.liveIndex >= 0 ? figure(model.series[model.liveIndex], model.metrics[0]) : null;
  if (value === null) {
    dot.style.visibility = "hidden";
    return;
  }
  dot.style.visibility = "visible";
  dot.style.left = `${u.over.offsetLeft + u.valToPos(model.liveIndex, "x")}px`;
  dot.style.top = `${u.over.offsetTop + u.valToPos(value, "y")}px`;
}

function Legend({ model, previousName }: { model: Model; previousName: string }) {
  const { series, previous, interval, timeZone } = model;
  const previousRange = previous !== null && previous.length > 0 ? rangeLabel(previous[0].start, previous[previous.length - 1].start, interval, timeZone) : null;
  return (
    <ul className="timeseries-legend" aria-hidden="true">
      {model.metrics.map((metric) => (
        <li key={metric}>
          <span className={`timeseries-swatch ${swatchOf(metric)}`} />
          {METRIC_LABEL[metric]}
        </li>
      ))}
      {previousRange !== null && (
        <li>
          <span className="timeseries-swatch swatch-previous" />
          {previousName}
          {series.length > 0 ? ` (${previousRange})` : ""}
        </li>
      )}
    </ul>
  );
}

function IntervalSwitch({ value, options, onChange }: { value: Interval; options: readonly Interval[]; onChange: (interval: Interval) => void }) {
  const name = useId();
  return (
    <fieldset className="timeseries-intervals">
      <legend className="visually-hidden">Granularity</legend>
      {options.map((option) => (
        <label key={option} className={option === value ? "is-selected" : undefined}>
          <input type="radio" name={name} value={option} checked={option === value} onChange={() => onChange(option)} />
          {INTERVAL_TITLE[option]}
        </label>
      ))}
    </fieldset>
  );
}

const TOOLTIP_OFFSET_PX = 14;
const NARROW_PX = 480;

/** The tooltip's rows: the metric drawn first when it is another, then visitors and page views. */
function tooltipMetrics(model: Model): Metric[] {
  const extra = extraMetric(model);
  return extra === null ? ["visitors", "pageviews"] : [extra, "visitors", "pageviews"];
}

/** A bucket's figure as written; "–" for a mean over no visits. */
function formatFigure(bucket: ChartBucket | undefined, metric: Metric): string {
  const value = figure(bucket, metric);
  return value === null ? "–" : METRICS[metric].format(value);
}

function Tooltip({ model, hover, frame }: { model: Model; hover: Hover; frame: RefObject<HTMLDivElement | null> }) {
  const ref = useRef<HTMLDivElement>(null);
  const { index } = hover;
  const bucket = model.series[index];
  const before = model.previous?.[index];
  const live = index === model.liveIndex;

  // Beside the pointer, on whichever side has room, never past the chart's sides. On a narrow chart,
  // where it would hide half the lines, it sits above the plot instead (over the legend), centred on the pointer.
  useLayoutEffect(() => {
    const tip = ref.current;
    const frameWidth = frame.current?.clientWidth ?? 0;
    if (tip === null) return;
    const width = tip.offsetWidth;
    const clamp = (left: number) => Math.max(0, Math.min(frameWidth - width, left));
    let left: number;
    let top = hover.top;
    if (frameWidth < NARROW_PX) {
      left = clamp(hover.left - width / 2);
      top = hover.top - tip.offsetHeight - 6;
    } else {
      left = hover.left + TOOLTIP_OFFSET_PX;
      if (left + width > frameWidth) left = hover.left - TOOLTIP_OFFSET_PX - width;
      if (left < 0) left = clamp(hover.left - width / 2);
    }
    tip.style.left = `${left}px`;
    tip.style.top = `${top}px`;
  });

  const subInterval = model.interval === "minute" || model.interval === "hour";
  return (
    // The same figures as the table, for the eye: hidden from assistive technology, which reads the table.
    <div className="timeseries-tooltip" ref={ref} aria-hidden="true" data-testid="timeseries-tooltip">
      <p className="timeseries-tooltip-title">
        {bucketLabel(bucket.start, model.interval, model.timeZone, subInterval)}
        {live && <span className="timeseries-so-far"> · so far</span>}
      </p>
      <table>
        {before !== undefined && (
          <thead>
            <tr>
              <td />
              <th scope="col">Now</th>
              <th scope="col">Before</th>
            </tr>
          </thead>
        )}
        <tbody>
          {tooltipMetrics(model).map((metric) => (
            <tr key={metric}>
              <th scope="row">
                <span className={`timeseries-swatch ${swatchOf(metric)}`} aria-hidden="true" />
                {METRIC_LABEL[metric]}
              </th>
              <td>{formatFigure(bucket, metric)}</td>
              {before !== undefined && <td className="timeseries-tooltip-previous">{formatFigure(before, metric)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      {before !== undefined && (
        <p className="timeseries-tooltip-note">Before: {bucketLabel(before.start, model.interval, model.timeZone, subInterval)}</p>
      )}
    </div>
  );
}

/** The chart's figures as a table: every bucket, in order, with the previous period's beside it. */
const FiguresTable = memo(function FiguresTable({ model, heading, previousName }: { model: Model; heading: string; previousName: string }) {
  const { series, previous, interval, timeZone, labels, previousLabels, liveIndex } = model;
  const short = series.length > 0 ? zoneName(series[0].start, timeZone) : timeZone;
  const zone = short === timeZone ? timeZone : `${timeZone}, ${short}`;
  const range = series.length > 0 ? `, ${rangeLabel(series[0].start, series[series.length - 1].start, interval, timeZone)}` : "";
  // A metric drawn alone (bounce rate, say) gets its own columns, after the rest.
  const extra = extraMetric(model);
  return (
    <details className="timeseries-table">
      <summary>Show the figures as a table</summary>
      {/* The caption, for the eye: a caption spans the table, which may be wider than a phone and scroll. */}
      <p className="timeseries-table-note" aria-hidden="true">
        {heading}
        {range} (times in {zone})
      </p>
      <div className="table-scroll">
        <table className="views-table" data-testid="timeseries-table">
          <caption className="visually-hidden">
            {heading}
            {range} (times in {zone})
          </caption>
          <thead>
            <tr>
              <th scope="col">{INTERVAL_TITLE[interval]}</th>
              <th scope="col" className="col-number">
                Visitors
              </th>
              <th scope="col" className="col-number">
                Page views
              </th>
              {previous !== null && (
                <>
                  <th scope="col">{previousName}</th>
                  <th scope="col" className="col-number">
                    Previous visitors
                  </th>
                  <th scope="col" className="col-number">
                    Previous page views
                  </th>
                </>
              )}
              {extra !== null && (
                <th scope="col" className="col-number">
                  {METRIC_LABEL[extra]}
                </th>
              )}
              {extra !== null && previous !== null && (
                <th scope="col" className="col-number">
                  Previous {METRIC_LABEL[extra].toLowerCase()}
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {series.map((bucket, index) => (
              <FiguresRow
                key={bucket.start}
                start={bucket.start}
                label={labels[index]}
                visitors={bucket.visitors}
                pageviews={bucket.pageviews}
                live={index === liveIndex}
                hasPrevious={previous !== null}
                previousLabel={previousLabels?.[index]}
                previousVisitors={previous?.[index]?.visitors}
                previousPageviews={previous?.[index]?.pageviews}
                extra={extra === null ? undefined : formatFigure(bucket, extra)}
                previousExtra={extra === null || previous === null ? undefined : formatFigure(previous[index], extra)}
              />
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
});

// Primitive props, so a live update re-renders only the rows whose figures changed.
const FiguresRow = memo(function FiguresRow(props: {
  start: number;
  label: string;
  visitors: number;
  pageviews: number;
  live: boolean;
  hasPrevious: boolean;
  previousLabel: string | undefined;
  previousVisitors: number | undefined;
  previousPageviews: number | undefined;
  /** The drawn metric's figure, written, when it is neither visitors nor page views. */
  extra?: string;
  previousExtra?: string;
}) {
  const figure = (value: number | undefined) => (value === undefined ? "–" : formatNumber(value));
  return (
    <tr data-start={props.start}>
      <th scope="row">
        {props.label}
        {props.live && <span className="timeseries-so-far"> (so far)</span>}
      </th>
      <td className="col-number">{formatNumber(props.visitors)}</td>
      <td className="col-number">{formatNumber(props.pageviews)}</td>
      {props.hasPrevious && (
        <>
          <td>{props.previousLabel ?? "–"}</td>
          <td className="col-number">{figure(props.previousVisitors)}</td>
          <td className="col-number">{figure(props.previousPageviews)}</td>
        </>
      )}
      {props.extra !== undefined && <td className="col-number">{props.extra}</td>}
      {props.extra !== undefined && props.hasPrevious && <td className="col-number">{props.previousExtra ?? "–"}</td>}
    </tr>
  );
});
