import { useState } from "react";
import { usePaginatedQuery } from "convex/react";
import { useStatsApi } from "../StatsApiContext.js";
import { useTabVisible } from "../hooks/useTabVisible.js";
import { VIEWS_TABLE_COLLAPSED_ROWS, VIEWS_TABLE_PAGE_SIZE } from "../../shared/config.js";
import { formatCompact, formatNumber } from "../lib/format.js";
import { withTokenArg } from "../lib/shareToken.js";
import { useShareToken } from "../hooks/useShareToken.js";
import { PageCell } from "./PageName.js";
import { PageTypeBadge } from "./PageTypeBadge.js";
import type { PageViewStats } from "../hooks/useDashboardStats.js";


/**
 * Every page by all-time views. The top list comes with the live stats; asking
 * for more than it holds pages through the rest from the server.
 */
export function ViewsByPage({
  stats,
  stale = false,
}: {
  stats: PageViewStats;
  /** `stats` answers an older question while a newer one loads (see useStableQuery). */
  stale?: boolean;
}) {
  const { pageStats: topRows, distinctPages, totalPageViews } = stats;
  const [wantedRows, setWantedRows] = useState(VIEWS_TABLE_COLLAPSED_ROWS);
  const beyondTop = wantedRows > topRows.length && distinctPages > topRows.length;
  const token = useShareToken();
  // Paused with the rest of the dashboard while the tab is hidden (useLiveQueries): the top rows stand in meanwhile.
  const visible = useTabVisible();
  const paged = usePaginatedQuery(useStatsApi().listPageStats, beyondTop && visible ? withTokenArg({}, token) : "skip", { initialNumItems: wantedRows });
  const allRows = beyondTop && paged.results.length > topRows.length ? paged.results : topRows;
  const rows = allRows.slice(0, wantedRows);
  const maxViews = topRows[0]?.views ?? 1;
  const canShowMore = rows.length < distinctPages;

  const showMore = () => {
    if (beyondTop && paged.status === "CanLoadMore") paged.loadMore(VIEWS_TABLE_PAGE_SIZE);
    setWantedRows(rows.length + VIEWS_TABLE_PAGE_SIZE);
  };

  return (
    <section
      className={`panel panel-wide${stale ? " is-stale" : ""}`}
      aria-labelledby="views-by-page-heading"
      aria-busy={stale || undefined}
    >
      <h2 id="views-by-page-heading" className="panel-title">
        Views by page, all time
      </h2>
      <div className="table-scroll">
        <table className="views-table" data-testid="views-by-page">
          <caption className="visually-hidden">Page views per page since tracking began, most viewed first</caption>
          <thead>
            <tr>
              <th scope="col">Page</th>
              <th scope="col" className="col-type">
                Type
              </th>
              <th scope="col" className="col-number">
                Views
              </th>
              <th scope="col" className="col-number col-share">
                Share
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ path, title, pageType, views }) => (
              <tr key={path} data-path={path}>
                <PageCell path={path} title={title} views={views} maxViews={maxViews} />
                <td className="col-type">
                  <PageTypeBadge pageType={pageType} />
                </td>
                <td className="col-number" data-testid="page-views">
                  {formatNumber(views)}
                </td>
                <td className="col-number col-share">
                  <span title={`${formatNumber(views)} of ${formatNumber(totalPageViews)} views`}>
                    {formatShare(views, totalPageViews)}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="table-footer">
        <p className="table-count" aria-live="polite">
          Showing {formatNumber(rows.length)} of {formatNumber(distinctPages)} {distinctPages === 1 ? "page" : "pages"}
          <span className="table-total" title={`${formatNumber(totalPageViews)} views`}>
            {" "}
            · {formatCompact(totalPageViews)} {totalPageViews === 1 ? "view" : "views"} in all
          </span>
        </p>
        <div className="table-actions">
          {rows.length > VIEWS_TABLE_COLLAPSED_ROWS && (
            <button type="button" className="button button-quiet" onClick={() => setWantedRows(VIEWS_TABLE_COLLAPSED_ROWS)}>
              Show fewer
            </button>
          )}
          {canShowMore && (
            <button type="button" className="button" onClick={showMore} disabled={beyondTop && paged.isLoading}>
              Show more
            </button>
          )}
        </div>
      </div>
    </section>
  );
}

function formatShare(views: number, total: number): string {
  const share = total === 0 ? 0 : (views / total) * 100;
  return share >= 10 || share === 0 ? `${Math.round(share)}%` : `${share.toFixed(1)}%`;
}
