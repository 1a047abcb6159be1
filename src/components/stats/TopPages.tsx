import type { FunctionReturnType } from "convex/server";
import type { api } from "../../../convex/_generated/api";
import { formatNumber } from "../../lib/format";
import { PageCell } from "./PageName";

type BreakdownRow = FunctionReturnType<typeof api.stats.breakdown>[number];

/** The most viewed pages of the shown range, with their visitors; `rows` is undefined while loading. */
export function TopPages({
  rows,
  rangeLabel,
  stale = false,
  onShowMore,
  onShowFewer,
}: {
  rows: BreakdownRow[] | undefined;
  /** The range's dates, for the table's caption. */
  rangeLabel: string | undefined;
  /** `rows` answer an older question while a newer one loads (see useStableQuery). */
  stale?: boolean;
  /** Absent when every page is shown (or as many as the API gives). */
  onShowMore?: () => void;
  onShowFewer?: () => void;
}) {
  const maxViews = rows?.[0]?.pageviews || 1;
  return (
    <section className={`panel panel-wide${stale ? " is-stale" : ""}`} aria-labelledby="top-pages-heading" aria-busy={stale || undefined}>
      <h2 id="top-pages-heading" className="panel-title">
        Top pages
      </h2>
      {rows === undefined ? (
        <div className="skeleton skeleton-block" aria-busy="true" aria-label="Loading top pages" />
      ) : rows.length === 0 ? (
        <p className="panel-empty" data-testid="top-pages">
          No page views in this range.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="views-table" data-testid="top-pages">
            <caption className="visually-hidden">Pages by page views{rangeLabel === undefined ? "" : `, ${rangeLabel}`}, most viewed first</caption>
            <thead>
              <tr>
                <th scope="col">Page</th>
                <th scope="col" className="col-number">
                  Visitors
                </th>
                <th scope="col" className="col-number">
                  Views
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ value: path, title, visitors, pageviews }) => (
                <tr key={path} data-path={path}>
                  <PageCell path={path} title={title} views={pageviews} maxViews={maxViews} />
                  <td className="col-number" data-testid="top-page-visitors">
                    {formatNumber(visitors)}
                  </td>
                  <td className="col-number" data-testid="top-page-views">
                    {formatNumber(pageviews)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(onShowMore !== undefined || onShowFewer !== undefined) && (
        <div className="table-footer table-actions">
          {onShowFewer !== undefined && (
            <button type="button" className="button button-quiet" onClick={onShowFewer}>
              Show fewer
            </button>
          )}
          {onShowMore !== undefined && (
            <button type="button" className="button" onClick={onShowMore} disabled={stale}>
              Show more
            </button>
          )}
        </div>
      )}
    </section>
  );
}
