import { useMemo } from "react";
import { Link } from "react-router-dom";
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

/**
 * The live dashboard. Two subscriptions, so a heartbeat re-runs only the
 * active-visitor figures and a page view only the page-view figures. Neither
 * takes a clock: the server's worker expires idle visitors, so the arguments
 * never change and no figure goes back to its skeleton once shown.
 */
export default function StatsPage() {
  useDeclarePageType("stats");
  useDocumentTitle("Stats");
  const { data: stats, isStale: statsStale } = useStableQuery(api.stats.getPageViewStats, {});
  const { data: active, isStale: activeStale } = useStableQuery(api.stats.getActiveVisitors, {});
  const titles = useMemo(() => new Map(stats?.pageStats.map(({ path, title }) => [path, title])), [stats]);
  const formatted = (value: number | undefined) => (value === undefined ? undefined : formatNumber(value));

  return (
    <div className="stats-page">
      <header className="stats-header">
        <h1>Live statistics</h1>
        <p className="live-badge">
          <span className="live-dot" aria-hidden="true" /> Live: updates by itself as visitors arrive
        </p>
      </header>

      {stats?.backfill?.state === "running" && <BackfillBanner backfill={stats.backfill} />}

      <div className="stat-grid">
        <StatCard
          testId="stat-active-now"
          label="Active now"
          value={formatted(active?.activeVisitors)}
          hint={`seen in the last ${SESSION_TIMEOUT_MS / 60_000} minutes`}
          stale={activeStale}
          live
        />
        <StatCard testId="stat-total-views" label="Total page views" value={formatted(stats?.totalPageViews)} stale={statsStale} />
        <StatCard testId="stat-unique-visitors" label="Unique visitors" value={formatted(stats?.uniqueVisitors)} stale={statsStale} />
        <StatCard testId="stat-published-posts" label="Published posts" value={formatted(stats?.publishedPosts)} stale={statsStale} />
        <StatCard testId="stat-published-pages" label="Published pages" value={formatted(stats?.publishedPages)} stale={statsStale} />
        <StatCard
          testId="stat-tracking-since"
          label="Tracking since"
          stale={statsStale}
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
      </div>

      <div className="panels">
        <ActiveByPath active={active} titles={titles} stale={activeStale} />
        {stats === undefined ? (
          <section className="panel panel-wide" aria-busy="true" aria-label="Loading views by page">
            <div className="skeleton skeleton-block tall" />
          </section>
        ) : stats.totalPageViews === 0 ? (
          <section className="panel panel-wide empty-state" data-testid="stats-empty">
            <h2>No page views yet</h2>
            <p>
              Counting starts with the first visit. Open <Link to="/">a post</Link> in another tab and watch this page: it
              updates within a second, no refresh needed.
            </p>
          </section>
        ) : (
          <ViewsByPage stats={stats} stale={statsStale} />
        )}
      </div>
    </div>
  );
}
