import { useState, type ReactNode } from "react";
import { useConvex } from "convex/react";
import { ConvexError } from "convex/values";
import { SESSION_TIMEOUT_MS } from "../shared/config.js";
import type { Interval } from "../shared/timeRanges.js";
import { useQuietQuery } from "./hooks/useQuietQuery.js";
import { useQuietStableQuery } from "./hooks/useStableQuery.js";
import { readyRange, useStatsRange, type RangeState } from "./hooks/useStatsRange.js";
import { useStatsFilter } from "./hooks/useStatsFilter.js";
import { useDashboardStats, type ActiveVisitors, type PageViewStats, type LivePart, type SeriesRow, type Summary } from "./hooks/useDashboardStats.js";
import { useShareToken } from "./hooks/useShareToken.js";
import { useWatchStats } from "./hooks/useWatchStats.js";
import { formatDate, formatDateTime, formatNumber } from "./lib/format.js";
import { filtersKey, hasStepFilter, liveScope, MAX_FILTERS_NOTICE, toggleIsFilter, withFiltersArg, type LiveScope, type StatsFilter } from "./lib/statsFilter.js";
import { refusalOf } from "./lib/refusal.js";
import { METRICS, type Metric } from "./lib/statsFormat.js";
import { COMPARISONS, datesFrom } from "./lib/statsPeriod.js";
import { withTokenArg } from "./lib/shareToken.js";
import { StatCard } from "./components/StatCard.js";
import { ActiveByPath, pageActivity } from "./components/ActiveByPath.js";
import { UnfilteredNote } from "./components/UnfilteredNote.js";
import { ViewsByPage } from "./components/ViewsByPage.js";
import { BackfillBanner } from "./components/BackfillBanner.js";
import { RulesChangedNotice } from "./components/RulesChangedBanner.js";
import { PanelError, PanelErrorBoundary } from "./components/PanelErrorBoundary.js";
import { RefusalNote, type Narrowing } from "./components/RefusalNote.js";
import { PeriodPicker } from "./components/PeriodPicker.js";
import { PeriodChange } from "./components/PeriodChange.js";
import { TimeseriesChart, type TimeseriesMetric } from "./components/TimeseriesChart.js";
import { useStoredTab } from "./components/Tabs.js";
import { BreakdownPanel, useBreakdownChoice, type BreakdownPanelSpec } from "./components/BreakdownPanel.js";
import { DEVICES_PANEL, LOCATIONS_PANEL, PAGES_PANEL, SOURCES_PANEL } from "./components/dashboardPanels.js";
import { ExcludeMeToggle } from "./components/ExcludeMeToggle.js";
import { ConversionsPanel, useConversionsChoice } from "./components/ConversionsPanel.js";
import { FunnelsPanel } from "./components/FunnelsPanel.js";
import { useConversionSetup } from "./hooks/useConversionSetup.js";
import { FilterBar } from "./components/FilterBar.js";
import { PrivateDashboard } from "./components/PrivateDashboard.js";
import { DownloadCsv } from "./components/DownloadCsv.js";
import { httpActionsUrl } from "./lib/statsExport.js";
import type { StatsApi } from "./statsApi.js";
import { StatsApiProvider, useStatsApi } from "./StatsApiContext.js";
import { SiteLink, StatsRouterProvider, type StatsRouter } from "./router.js";

const ACTIVE_NOW_HINT = `seen in the last ${SESSION_TIMEOUT_MS / 60_000} minutes`;

export type StatsDashboardProps = {
  /** The app's re-exported stats functions, e.g. `api.stats`: every panel's query comes from here. */
  api: StatsApi;
  /** How the dashboard reads and writes its URL state and links to the site's pages; default the History API (see StatsRouter). */
  router?: StatsRouter;
  /**
   * Where this site's HTTP endpoints are (registerRoutes: `https://<deployment>.convex.site`, with its
   * `pathPrefix` if any), for Download CSV. By default the Convex client's URL with `.convex.cloud` →
   * `.convex.site` (Convex cloud); null, or a URL that says nothing of them, hides the link.
   */
  siteUrl?: string | null;
  /** Cards of the app's own, shown after the all-time figures (e.g. counts of its content): `<StatCard>`s. */
  allTimeCards?: ReactNode;
  /** The page's heading, e.g. the site's name when an app has several; "Live statistics" by default. */
  title?: ReactNode;
};

/**
 * The live dashboard. A range, what it is compared with and up to three
 * filters (all in the URL, see useStatsRange and useStatsFilter; the Filter
 * menu or a breakdown's row adds one) drive the cards, the chart and the
 * breakdown panels; "Active now" takes a page filter only and the all-time
 * figures none, and each says so. Every query takes a clock only through the
 * range, which changes by value at most once a minute (realtime, and the part
 * of the earlier period a period under way is compared with) and otherwise at
 * midnight, so live subscriptions are not renewed as time passes; the
 * server's worker expires idle visitors, so "Active now" takes no clock at all.
 *
 * Everything live comes from one subscription, `dashboardStats` (the range's
 * cards, chart and breakdowns, active now, the all-time figures), which the
 * server re-runs once per worker batch: one function call a second however
 * many panels (prds/dashboard-cost.md). The compared figures, which never
 * change, are subscriptions of their own that Convex does not re-run.
 * Each panel renders inside its own error boundary: a range the server
 * refuses (a bad filter) fails the range's panels only, while active now and
 * the all-time figures keep updating; a filtered question it cannot answer
 * exactly says why, with a shorter range to show when the server names one.
 *
 * A private dashboard (STATS_VISIBILITY=private) opens with a share link's
 * token (`?token=`, passed to every query); without a valid one, `settings`
 * says so and the page shows only that it is private. Revoking the link
 * re-runs `settings` and the page switches at once.
 */
export function StatsDashboard({ api, router, ...page }: StatsDashboardProps) {
  return (
    <StatsApiProvider api={api}>
      <StatsRouterProvider router={router}>
        {/* The stylesheet's root: its theme variables and every rule are scoped to it (styles.css). */}
        <div className="live-stats">
          <AccessGate {...page} />
        </div>
      </StatsRouterProvider>
    </StatsApiProvider>
  );
}

type PageProps = Pick<StatsDashboardProps, "siteUrl" | "allTimeCards" | "title">;

function AccessGate(props: PageProps) {
  const token = useShareToken();
  const access = useQuietQuery(useStatsApi().settings, withTokenArg({}, token));
  const denied = access !== undefined && !(access instanceof Error) && !access.canRead;
  return denied ? <PrivateDashboard linkRefused={token !== null} /> : <Dashboard {...props} />;
}

/** Download CSV's base URL: the one given, else the Convex cloud deployment's HTTP actions (null when neither says). */
function useSiteUrl(given: string | null | undefined): string | null {
  const convex = useConvex();
  if (given !== undefined) return given === null ? null : given.replace(/\/+$/, "") || null;
  return httpActionsUrl({ VITE_CONVEX_URL: (convex as { url?: string } | undefined)?.url });
}

function Dashboard({ siteUrl, allTimeCards, title = "Live statistics" }: PageProps) {
  // While visible, the worker folds within WORKER_DEBOUNCE_MS, 1.5 s (a hidden tab lets the lease lapse).
  useWatchStats(useStatsApi(), useShareToken());
  const exportBase = useSiteUrl(siteUrl);
  const range = useStatsRange();
  const { filters, setFilters } = useStatsFilter();
  // Why a breakdown's row was not added to the filters, for as long as the filters stay as they were.
  const [notice, setNotice] = useState<{ filters: string; text: string } | null>(null);
  // Every breakdown panel's chosen tab and rows, asked for together at their own pace (useDashboardStats).
  const choices = [useBreakdownChoice(SOURCES_PANEL), useBreakdownChoice(PAGES_PANEL), useBreakdownChoice(LOCATIONS_PANEL), useBreakdownChoice(DEVICES_PANEL)];
  // Not readyRange, which throws a range that failed: each panel does, in its own error boundary.
  const shown = range.state.status === "ready" ? range.state : undefined;
  const conversions = useConversionsChoice(filters);
  const setup = useConversionSetup();
  // A goal made or changed alters the Goals panel's figures, not the live ones: it has the panels asked again too.
  const parts = useDashboardStats(shown, filters, [...choices.map(({ tab, limit }) => ({ property: tab.property, limit })), ...conversions.requests], setup);
  const conversionParts = parts.breakdowns.slice(BREAKDOWN_PANELS.length);
  conversions.noteKeys(conversionParts[0]);
  const api = useStatsApi();
  // The site's currency, for revenue (the same subscription useStatsRange holds).
  const settings = useQuietQuery(api.settings, withTokenArg({}, useShareToken()));
  const currency = settings instanceof Error ? undefined : settings?.currency;
  // A panel that failed for one question (a filter the server refuses, say) tries again for the next.
  const question = `${filtersKey(filters)}|${JSON.stringify(range.selection)}`;
  const live = liveScope(filters);
  const chooseRow = (property: StatsFilter["property"], value: string) => {
    const next = toggleIsFilter(filters, property, value);
    if (next === null) setNotice({ filters: filtersKey(filters), text: MAX_FILTERS_NOTICE });
    else setFilters(next);
    return next;
  };
  // A refused filtered question's shorter range: from the first whole day it can answer to the shown range's end.
  const narrow = (availableFrom: number): Narrowing | null => {
    const dates = shown === undefined ? null : datesFrom(shown, availableFrom);
    return dates === null || shown === undefined ? null : { label: formatDate(dates.start, shown.timeZone), apply: () => range.applyCustom(dates.from, dates.to) };
  };

  return (
    <div className="stats-page">
      <header className="stats-header">
        <h1>{title}</h1>
        <p className="live-badge">
          <span className="live-dot" aria-hidden="true" /> Live: updates by itself as visitors arrive
        </p>
      </header>

      <BackfillNotice pageViews={parts.pageViews} />
      <RulesChangedNotice />

      <div className="range-toolbar">
        <PeriodPicker controls={range} />
        <RangeLabel state={range.state} />
        <DownloadCsv shown={shown} filters={filters} siteUrl={exportBase} />
      </div>

      <FilterBar filters={filters} shown={shown} onChange={setFilters} notice={notice?.filters === filtersKey(filters) ? notice.text : null} />

      <div className={`stat-grid stat-grid-visits${hasStepFilter(filters) ? " stat-grid-conversions" : ""}`}>
        <PanelErrorBoundary
          resetKey={question}
          fallback={(retry, error) => <FailedCards testId="stat-range-error" title="Visitors, visits and page views" onRetry={retry} error={error} narrow={narrow} />}
        >
          <RangeCards state={range.state} filters={filters} current={parts.summary} currency={currency} />
        </PanelErrorBoundary>
        <PanelErrorBoundary
          fallback={(retry) => (
            <StatCard testId="stat-active-now" label="Active now" value={undefined} hint={ACTIVE_NOW_HINT} live error={<PanelError onRetry={retry} />} />
          )}
        >
          <ActiveNowCard active={parts.active} scope={live} />
        </PanelErrorBoundary>
      </div>

      <PanelErrorBoundary
        resetKey={question}
        fallback={(retry, error) => (
          <FailedPanel testId="chart-error" headingId="chart-heading" onRetry={retry} error={error} narrow={narrow}>
            Visitors and page views over time
          </FailedPanel>
        )}
      >
        <ChartPanel state={range.state} filters={filters} series={parts.series} onIntervalChange={range.chooseInterval} />
      </PanelErrorBoundary>

      <div className="breakdown-grid">
        {BREAKDOWN_PANELS.map((spec, i) => (
          <PanelErrorBoundary
            key={spec.id}
            resetKey={question}
            fallback={(retry, error) => (
              <FailedPanel
                testId={spec.id === "pages" ? "top-pages-error" : `${spec.id}-error`}
                headingId={`${spec.id}-heading`}
                onRetry={retry}
                error={error}
                narrow={narrow}
              >
                {spec.title}
              </FailedPanel>
            )}
          >
            <RangeBreakdown
              spec={spec}
              state={range.state}
              choice={choices[i]}
              answer={parts.breakdowns[i]}
              summary={parts.summary}
              filters={filters}
              onChoose={chooseRow}
              narrow={narrow}
            />
          </PanelErrorBoundary>
        ))}
        <PanelErrorBoundary
          resetKey={question}
          fallback={(retry, error) => (
            <FailedPanel testId="goals-error" headingId="goals-heading" onRetry={retry} error={error} narrow={narrow}>
              Goals
            </FailedPanel>
          )}
        >
          <ConversionsPanel
            choice={conversions}
            answers={conversionParts}
            setup={setup instanceof Error ? undefined : setup}
            filters={filters}
            currency={currency}
            onChoose={chooseRow}
            narrow={narrow}
            rangeLabel={shown?.label}
          />
        </PanelErrorBoundary>
        <PanelErrorBoundary
          fallback={(retry) => (
            <FailedPanel testId="active-by-path-error" headingId="active-by-path-heading" onRetry={retry}>
              <span className="live-dot" aria-hidden="true" /> Active now, by page
            </FailedPanel>
          )}
        >
          <ActiveByPathPanel active={parts.active} scope={live} />
        </PanelErrorBoundary>
        {api.dashboardFunnel !== undefined && api.conversionSetup !== undefined && (
          <PanelErrorBoundary
            resetKey={question}
            fallback={(retry, error) => (
              <FailedPanel testId="funnels-error" headingId="funnels-heading" onRetry={retry} error={error} narrow={narrow}>
                Funnels
              </FailedPanel>
            )}
          >
            <FunnelsPanel query={api.dashboardFunnel} setup={setup} shown={shown} filters={filters} narrow={narrow} />
          </PanelErrorBoundary>
        )}
      </div>

      <section className="all-time" aria-labelledby="all-time-heading">
        <h2 id="all-time-heading" className="section-title">
          All time
          {filters.length > 0 && <UnfilteredNote />}
        </h2>
        <div className="stat-grid stat-grid-all-time">
          <PanelErrorBoundary fallback={(retry) => <FailedCards testId="stat-page-views-error" title="Page views, visitors and content" onRetry={retry} />}>
            <PageViewCards pageViews={parts.pageViews} />
          </PanelErrorBoundary>
          {allTimeCards !== undefined && (
            <PanelErrorBoundary fallback={(retry) => <FailedCards testId="stat-app-cards-error" title="More figures" onRetry={retry} />}>
              {allTimeCards}
            </PanelErrorBoundary>
          )}
        </div>
        <PanelErrorBoundary
          fallback={(retry) => (
            <FailedPanel testId="views-by-page-error" headingId="views-by-page-heading" wide onRetry={retry}>
              Views by page, all time
            </FailedPanel>
          )}
        >
          <ViewsPanel pageViews={parts.pageViews} />
        </PanelErrorBoundary>
      </section>

      <footer className="stats-footer">
        <ExcludeMeToggle />
      </footer>
    </div>
  );
}

/** The shown range's dates and zone, and what its figures are compared with; when they cannot be worked out, why (a bad STATS_TIME_ZONE says how to fix it). */
function RangeLabel({ state }: { state: RangeState }) {
  if (state.status === "failed") {
    const data = state.error instanceof ConvexError ? (state.error.data as { message?: unknown }) : undefined;
    return (
      <p className="range-label range-error" data-testid="range-label" role="alert">
        {typeof data?.message === "string" ? data.message : "Couldn't load the date range."}
      </p>
    );
  }
  const shown = state.status === "ready" ? state : undefined;
  return (
    <p className="range-label">
      <span data-testid="range-label">{shown?.label}</span>
      {shown !== undefined && (shown.compared !== null || (shown.comparison !== "off" && shown.selection.period !== "all")) && (
        <span className="compared-label" data-testid="compared-label">
          {" "}
          {shown.compared !== null ? `compared with ${shown.compared.label}` : `nothing to compare with from ${COMPARISONS[shown.comparison].name}`}
        </span>
      )}
    </p>
  );
}

/** Why a range's part could not load: a filtered question the server refuses says why, in its words (with a shorter range when it names one); anything else, a retry. */
function RangePartError(props: { error?: unknown; onRetry: () => void; narrow?: (availableFrom: number) => Narrowing | null; testId: string }) {
  const refusal = refusalOf(props.error);
  if (refusal === null || props.narrow === undefined) return <PanelError onRetry={props.onRetry} />;
  return <RefusalNote refusal={refusal} narrow={props.narrow} testId={`${props.testId}-refused`} />;
}

type FailedProps = { testId: string; onRetry: () => void; error?: unknown; narrow?: (availableFrom: number) => Narrowing | null };

/** A row of cards whose query failed: one message where the cards would be. */
function FailedCards({ title, ...failed }: FailedProps & { title: string }) {
  const headingId = `${failed.testId}-label`;
  return (
    <section className="stat-card stat-group-error" data-testid={failed.testId} aria-labelledby={headingId}>
      <h2 className="stat-label" id={headingId}>
        {title}
      </h2>
      <RangePartError {...failed} />
    </section>
  );
}

/** A panel whose query failed: its heading, and the message with a retry. */
function FailedPanel({ headingId, wide, children, ...failed }: FailedProps & { headingId: string; wide?: boolean; children: ReactNode }) {
  return (
    <section className={wide ? "panel panel-wide" : "panel"} aria-labelledby={headingId} data-testid={failed.testId}>
      <h2 id={headingId} className="panel-title">
        {children}
      </h2>
      <RangePartError {...failed} />
    </section>
  );
}

const formatted = (value: number | undefined) => (value === undefined ? undefined : formatNumber(value));

/** Shown while a backfill runs; when the figures fail there is no banner (the views panel says why). */
function BackfillNotice({ pageViews }: { pageViews: LivePart<PageViewStats> }) {
  const backfill = pageViews.data?.backfill;
  return backfill?.state === "running" ? <BackfillBanner backfill={backfill} /> : null;
}

/** Visitors here now: under a page filter, that page's (see LiveScope); under another filter, everyone's, marked as not filtered. */
function ActiveNowCard({ active, scope }: { active: LivePart<ActiveVisitors>; scope: LiveScope }) {
  if (active.error !== undefined) throw active.error;
  const { data } = active;
  const common = { testId: "stat-active-now", label: "Active now", stale: active.isStale, live: true };
  if (scope.kind === "page") {
    const count = data === undefined ? undefined : pageActivity(data, scope.page);
    const value = data === undefined ? undefined : count === undefined ? "–" : formatNumber(count);
    const hint = data !== undefined && count === undefined ? "on this page: not among the busiest pages right now" : `on this page, ${ACTIVE_NOW_HINT}`;
    return <StatCard {...common} value={value} hint={hint} />;
  }
  const hint = scope.kind === "notFiltered" ? <UnfilteredNote /> : ACTIVE_NOW_HINT;
  return <StatCard {...common} value={formatted(data?.activeVisitors)} hint={hint} />;
}

function PageViewCards({ pageViews }: { pageViews: LivePart<PageViewStats> }) {
  if (pageViews.error !== undefined) throw pageViews.error;
  const { data: stats, isStale } = pageViews;
  // The first view's date in the site's zone, as all time's range starts (the browser's while that zone cannot be read).
  const settings = useQuietQuery(useStatsApi().settings, withTokenArg({}, useShareToken()));
  const zone = settings instanceof Error ? null : settings?.timeZone;
  return (
    <>
      <StatCard testId="stat-total-views" label="Total page views" value={formatted(stats?.totalPageViews)} stale={isStale} />
      <StatCard testId="stat-unique-visitors" label="Unique visitors" value={formatted(stats?.uniqueVisitors)} stale={isStale} />
      <StatCard
        testId="stat-tracking-since"
        label="Tracking since"
        stale={isStale}
        value={
          stats === undefined || zone === undefined ? undefined : stats.trackingSince === null ? (
            "Not yet"
          ) : (
            <time
              dateTime={new Date(stats.trackingSince).toISOString()}
              title={zone === null ? formatDateTime(stats.trackingSince) : `${formatDateTime(stats.trackingSince, zone)} (${zone})`}
            >
              {formatDate(stats.trackingSince, zone ?? undefined)}
            </time>
          )
        }
      />
    </>
  );
}

function ActiveByPathPanel({ active, scope }: { active: LivePart<ActiveVisitors>; scope: LiveScope }) {
  if (active.error !== undefined) throw active.error;
  return <ActiveByPath active={active.data} scope={scope} stale={active.isStale} />;
}

function ViewsPanel({ pageViews }: { pageViews: LivePart<PageViewStats> }) {
  if (pageViews.error !== undefined) throw pageViews.error;
  const { data: stats, isStale } = pageViews;
  if (stats === undefined) {
    return (
      <section className="panel panel-wide" aria-busy="true" aria-label="Loading views by page">
        <div className="skeleton skeleton-block tall" />
      </section>
    );
  }
  if (stats.totalPageViews === 0) {
    return (
      <section className="panel panel-wide empty-state" data-testid="stats-empty">
        <h2>No page views yet</h2>
        <p>
          Counting starts with the first visit. Open <SiteLink href="/">a post</SiteLink> in another tab and watch this page: it
          updates within a second, no refresh needed.
        </p>
      </section>
    );
  }
  return <ViewsByPage stats={stats} stale={isStale} />;
}

type RangeCardSpec = { testId: string; metric: Metric; label?: string };

/** The range's cards, in Plausible's order; the figures are the Stats API's `summary` (prds/visits.md). */
const RANGE_CARDS: readonly RangeCardSpec[] = [
  { testId: "stat-range-visitors", metric: "visitors" },
  { testId: "stat-range-visits", metric: "visits" },
  { testId: "stat-range-pageviews", metric: "pageviews" },
  { testId: "stat-range-views-per-visit", metric: "viewsPerVisit" },
  { testId: "stat-range-bounce-rate", metric: "bounceRate" },
  { testId: "stat-range-visit-duration", metric: "visitDurationMs" },
];

/** Under a goal, event or property filter, the conversions' cards instead (Plausible's): the summary's visitors are the unique conversions. */
const CONVERSION_CARDS: readonly RangeCardSpec[] = [
  { testId: "stat-range-unique-conversions", metric: "visitors", label: "Unique conversions" },
  { testId: "stat-range-total-conversions", metric: "events", label: "Total conversions" },
  { testId: "stat-range-conversion-rate", metric: "conversionRate" },
];

/** ... and revenue's, when the conversions earned any. */
const REVENUE_CARDS: readonly RangeCardSpec[] = [
  { testId: "stat-range-revenue", metric: "revenue" },
  { testId: "stat-range-average-revenue", metric: "averageRevenue" },
];

/** The range's cards, each against what it is compared with; all under the filters. Under a step filter, its conversions'. */
function RangeCards({ state, filters, current, currency }: { state: RangeState; filters: readonly StatsFilter[]; current: LivePart<Summary>; currency: string | null | undefined }) {
  if (current.error !== undefined) throw current.error;
  const api = useStatsApi();
  const shown = readyRange(state);
  const token = useShareToken();
  // The compared span has ended: a subscription of its own, which Convex does not re-run.
  const previous = useQuietStableQuery(api.summary, shown?.compared ? withTokenArg(withFiltersArg(shown.compared.range, filters), token) : "skip");
  // A comparison the server refuses under these filters (too much to read, before filter data begins) is left out.
  if (previous.error !== undefined && refusalOf(previous.error) === null) throw previous.error;
  const stale = current.isStale || previous.isStale;
  const comparedWith =
    shown?.compared && previous.data !== undefined && previous.error === undefined
      ? { summary: previous.data, against: COMPARISONS[shown.comparison].name, label: shown.compared.label }
      : undefined;
  const cards = !hasStepFilter(filters) ? RANGE_CARDS : current.data?.revenue === undefined ? CONVERSION_CARDS : [...CONVERSION_CARDS, ...REVENUE_CARDS];
  return (
    <>
      {cards.map(({ testId, metric, label }) => (
        <RangeCard key={metric} testId={testId} metric={metric} label={label} current={current.data} comparedWith={comparedWith} stale={stale} currency={currency} />
      ))}
    </>
  );
}

function RangeCard(props: {
  testId: string;
  metric: Metric;
  /** The card's name when not the metric's own ("Unique conversions"). */
  label?: string;
  current: Summary | undefined;
  /** The figures compared with, and how to name them; undefined when there are none (nothing compared, or still loading). */
  comparedWith: { summary: Summary; against: string; label: string } | undefined;
  stale: boolean;
  currency: string | null | undefined;
}) {
  const { current, comparedWith, metric, currency } = props;
  const spec = METRICS[metric];
  const value = current?.[metric];
  const previous = comparedWith?.summary[metric];
  // A figure missing on either side (revenue before there was any) or a mean over visits of a period without any: no comparison.
  const comparable =
    value !== undefined && previous !== undefined && (!spec.perVisit || (current !== undefined && comparedWith !== undefined && current.visits > 0 && comparedWith.summary.visits > 0));
  return (
    <StatCard
      testId={props.testId}
      label={props.label ?? spec.label}
      value={
        value === undefined ? undefined : spec.describe === undefined ? spec.format(value, currency) : <span title={spec.describe(value, currency)}>{spec.format(value, currency)}</span>
      }
      hint={
        value !== undefined && comparedWith !== undefined ? (
          <PeriodChange
            metric={metric}
            current={value}
            previous={previous ?? 0}
            comparable={comparable}
            against={comparedWith.against}
            comparedLabel={comparedWith.label}
            currency={currency}
          />
        ) : undefined
      }
      stale={props.stale}
    />
  );
}

/**
 * The range over time, the previous period faint behind it. The chart itself keeps
 * its last figures, dimmed, in their own interval, until both series of a new
 * question have arrived.
 */
function ChartPanel(props: { state: RangeState; filters: readonly StatsFilter[]; series: LivePart<SeriesRow[]>; onIntervalChange: (interval: Interval) => void }) {
  const { state, filters, onIntervalChange } = props;
  if (props.series.error !== undefined) throw props.series.error;
  const api = useStatsApi();
  const shown = readyRange(state);
  // Conversions are a series' figure under a goal, event or property filter only.
  const metrics = hasStepFilter(filters) ? [...CHART_METRICS, CONVERSIONS_METRIC] : CHART_METRICS;
  const [metric, setMetric] = useStoredTab<ChartMetric>("chart-metric", metrics.map(({ id }) => id));
  const token = useShareToken();
  // Only the series of the question shown: the chart keeps its last one, dimmed, in its own interval until then.
  const series = props.series.isStale ? undefined : props.series.data;
  const compared = useQuietStableQuery(
    api.timeseries,
    shown?.chartCompared ? withTokenArg(withFiltersArg({ ...shown.chartCompared, interval: shown.interval }, filters), token) : "skip",
  );
  // A comparison the server refuses under these filters is not drawn; the range still is.
  if (compared.error !== undefined && refusalOf(compared.error) === null) throw compared.error;
  const previous = compared.isStale || compared.error !== undefined ? undefined : compared.data;
  const loading = series === undefined || (shown?.chartCompared != null && previous === undefined && compared.error === undefined);
  const title = metric === "both" ? "Visitors and page views" : METRICS[metric].label;
  return (
    <section className="panel panel-chart" aria-labelledby="chart-heading">
      <div className="chart-header">
        <h2 id="chart-heading" className="panel-title">
          {title} over time
        </h2>
        <label className="chart-metric">
          <span className="visually-hidden">Metric</span>
          <select value={metric} onChange={(event) => setMetric(event.target.value as ChartMetric)} data-testid="chart-metric">
            {metrics.map(({ id, label }) => (
              <option key={id} value={id}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {shown === undefined ? (
        <div className="skeleton timeseries-skeleton" aria-busy="true" aria-label="Loading the chart" />
      ) : (
        <TimeseriesChart
          series={loading ? [] : series}
          previous={loading ? undefined : previous}
          previousName={COMPARISONS[shown.comparison].heading}
          interval={shown.interval}
          timeZone={shown.timeZone}
          metric={metric}
          liveBucketStart={shown.liveBucketStart}
          loading={loading}
          intervals={shown.intervals}
          onIntervalChange={onIntervalChange}
        />
      )}
    </section>
  );
}

type ChartMetric = TimeseriesMetric;

/** What the chart can draw: visitors and page views together (the default), or one figure of `timeseries`. */
const CHART_METRICS: readonly { id: ChartMetric; label: string }[] = [
  { id: "both", label: "Visitors and page views" },
  ...(["visitors", "visits", "pageviews", "viewsPerVisit", "bounceRate", "visitDurationMs"] as const).map((id) => ({ id, label: METRICS[id].label })),
];
const CONVERSIONS_METRIC: { id: ChartMetric; label: string } = { id: "events", label: METRICS.events.label };

const BREAKDOWN_PANELS: readonly BreakdownPanelSpec[] = [SOURCES_PANEL, PAGES_PANEL, LOCATIONS_PANEL, DEVICES_PANEL];

/** A breakdown panel of the range, under the filters (a range that failed shows in its error boundary); choosing a row adds its filter. */
function RangeBreakdown({ state, ...panel }: Omit<Parameters<typeof BreakdownPanel>[0], "shown"> & { state: RangeState }) {
  return <BreakdownPanel {...panel} shown={readyRange(state)} />;
}
