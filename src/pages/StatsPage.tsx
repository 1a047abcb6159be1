import { useMemo, type ReactNode } from "react";
import { Link } from "react-router-dom";
import { useQueries } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { api } from "../../convex/_generated/api";
import { SESSION_TIMEOUT_MS } from "../../convex/model/config";
import { useDeclarePageType } from "../hooks/useDeclarePageType";
import { useDocumentTitle } from "../hooks/useDocumentTitle";
import { useStableQuery } from "../hooks/useStableQuery";
import { formatDate, formatDateTime, formatNumber } from "../lib/format";
import { StatCard } from "../components/stats/StatCard";
import { ActiveByPath } from "../components/stats/ActiveByPath";
import { ViewsByPage } from "../components/stats/ViewsByPage";
import { BackfillBanner } from "../components/stats/BackfillBanner";
import { PanelError, PanelErrorBoundary } from "../components/stats/PanelErrorBoundary";

const ACTIVE_NOW_HINT = `seen in the last ${SESSION_TIMEOUT_MS / 60_000} minutes`;

/**
 * The live dashboard. Two subscriptions, so a heartbeat re-runs only the
 * active-visitor figures and a page view only the page-view figures. Neither
 * takes a clock: the server's worker expires idle visitors, so the arguments
 * never change and no figure goes back to its skeleton once shown.
 *
 * Each panel reads its own query (panels reading the same one share its
 * subscription) inside its own error boundary, so a query that fails shows a
 * message in the panels that need it while the others keep updating.
 */
export default function StatsPage() {
  useDeclarePageType("stats");
  useDocumentTitle("Stats");

  return (
    <div className="stats-page">
      <header className="stats-header">
        <h1>Live statistics</h1>
        <p className="live-badge">
          <span className="live-dot" aria-hidden="true" /> Live: updates by itself as visitors arrive
        </p>
      </header>

      <BackfillNotice />

      <div className="stat-grid">
        <PanelErrorBoundary
          fallback={(retry) => (
            <StatCard testId="stat-active-now" label="Active now" value={undefined} hint={ACTIVE_NOW_HINT} live error={<PanelError onRetry={retry} />} />
          )}
        >
          <ActiveNowCard />
        </PanelErrorBoundary>
        <PanelErrorBoundary
          fallback={(retry) => (
            <section className="stat-card stat-group-error" data-testid="stat-page-views-error" aria-labelledby="stat-page-views-error-label">
              <h2 className="stat-label" id="stat-page-views-error-label">
                Page views, visitors and content
              </h2>
              <PanelError onRetry={retry} />
            </section>
          )}
        >
          <PageViewCards />
        </PanelErrorBoundary>
      </div>

      <div className="panels">
        <PanelErrorBoundary
          fallback={(retry) => (
            <FailedPanel testId="active-by-path-error" headingId="active-by-path-heading" onRetry={retry}>
              <span className="live-dot" aria-hidden="true" /> Active now, by page
            </FailedPanel>
          )}
        >
          <ActiveByPathPanel />
        </PanelErrorBoundary>
        <PanelErrorBoundary
          fallback={(retry) => (
            <FailedPanel testId="views-by-page-error" headingId="views-by-page-heading" wide onRetry={retry}>
              Views by page, all time
            </FailedPanel>
          )}
        >
          <ViewsPanel />
        </PanelErrorBoundary>
      </div>
    </div>
  );
}

/** A panel whose query failed: its heading, and the message with a retry. */
function FailedPanel(props: { testId: string; headingId: string; wide?: boolean; onRetry: () => void; children: ReactNode }) {
  return (
    <section className={props.wide ? "panel panel-wide" : "panel"} aria-labelledby={props.headingId} data-testid={props.testId}>
      <h2 id={props.headingId} className="panel-title">
        {props.children}
      </h2>
      <PanelError onRetry={props.onRetry} />
    </section>
  );
}

const formatted = (value: number | undefined) => (value === undefined ? undefined : formatNumber(value));

/** Shown while a backfill runs; when the figures fail there is no banner (the views panel says why). */
function BackfillNotice() {
  const stats = usePageViewStatsQuietly();
  return stats?.backfill?.state === "running" ? <BackfillBanner backfill={stats.backfill} /> : null;
}

function ActiveNowCard() {
  const { data: active, isStale } = useStableQuery(api.stats.getActiveVisitors, {});
  return (
    <StatCard
      testId="stat-active-now"
      label="Active now"
      value={formatted(active?.activeVisitors)}
      hint={ACTIVE_NOW_HINT}
      stale={isStale}
      live
    />
  );
}

function PageViewCards() {
  const { data: stats, isStale } = useStableQuery(api.stats.getPageViewStats, {});
  return (
    <>
      <StatCard testId="stat-total-views" label="Total page views" value={formatted(stats?.totalPageViews)} stale={isStale} />
      <StatCard testId="stat-unique-visitors" label="Unique visitors" value={formatted(stats?.uniqueVisitors)} stale={isStale} />
      <StatCard testId="stat-published-posts" label="Published posts" value={formatted(stats?.publishedPosts)} stale={isStale} />
      <StatCard testId="stat-published-pages" label="Published pages" value={formatted(stats?.publishedPages)} stale={isStale} />
      <StatCard
        testId="stat-tracking-since"
        label="Tracking since"
        stale={isStale}
        value={
          stats === undefined ? undefined : stats.trackingSince === null ? (
            "Not yet"
          ) : (
            <time dateTime={new Date(stats.trackingSince).toISOString()} title={formatDateTime(stats.trackingSince)}>
              {formatDate(stats.trackingSince)}
            </time>
          )
        }
      />
    </>
  );
}

function ActiveByPathPanel() {
  const { data: active, isStale } = useStableQuery(api.stats.getActiveVisitors, {});
  const stats = usePageViewStatsQuietly();
  const titles = useMemo(() => new Map(stats?.pageStats.map(({ path, title }) => [path, title])), [stats]);
  return <ActiveByPath active={active} titles={titles} stale={isStale} />;
}

type PageViewStats = FunctionReturnType<typeof api.stats.getPageViewStats>;

/**
 * The page-view figures for what only borrows from them (page titles, the
 * backfill banner): undefined while loading or when the query fails, without
 * throwing (useQueries returns a failure as a value), so that borrower keeps
 * working and recovers by itself. The panels that show the figures use
 * useStableQuery and report a failure.
 */
function usePageViewStatsQuietly(): PageViewStats | undefined {
  const queries = useMemo(() => ({ stats: { query: api.stats.getPageViewStats, args: {} } }), []);
  const { stats } = useQueries(queries) as { stats: PageViewStats | Error | undefined };
  return stats instanceof Error ? undefined : stats;
}

function ViewsPanel() {
  const { data: stats, isStale } = useStableQuery(api.stats.getPageViewStats, {});
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
          Counting starts with the first visit. Open <Link to="/">a post</Link> in another tab and watch this page: it
          updates within a second, no refresh needed.
        </p>
      </section>
    );
  }
  return <ViewsByPage stats={stats} stale={isStale} />;
}
