import type { ActiveVisitors } from "../hooks/useDashboardStats.js";
import { displayPath, formatNumber } from "../lib/format.js";
import type { LiveScope } from "../lib/statsFilter.js";
import { SitePathLink } from "./SitePathLink.js";
import { UnfilteredNote } from "./UnfilteredNote.js";

/**
 * Where the visitors who are here now are reading, busiest page first (the top pages `dashboardStats` lists, and how
 * many are elsewhere). Under a page filter, that page alone; under any other filter, every page, marked as not filtered.
 */
export function ActiveByPath({
  active,
  scope,
  stale = false,
}: {
  active: ActiveVisitors | undefined;
  scope: LiveScope;
  /** `active` answers an older question while a newer one loads (see useStableQuery). */
  stale?: boolean;
}) {
  const listed = active === undefined ? [] : scope.kind === "page" ? active.activeByPath.filter(({ path }) => path === scope.page) : active.activeByPath;
  const others = active === undefined || scope.kind === "page" ? 0 : elsewhere(active);
  return (
    <section className={`panel${stale ? " is-stale" : ""}`} aria-labelledby="active-by-path-heading" aria-busy={stale || undefined}>
      <h2 id="active-by-path-heading" className="panel-title">
        <span className="live-dot" aria-hidden="true" /> Active now, by page
        {scope.kind === "notFiltered" && <UnfilteredNote />}
      </h2>
      {active === undefined ? (
        <div className="skeleton skeleton-block" aria-busy="true" aria-label="Loading active visitors" />
      ) : listed.length === 0 ? (
        <p className="panel-empty" data-testid="active-by-path">
          {scope.kind !== "page" ? "Nobody is reading right now." : pageActivity(active, scope.page) === 0 ? "Nobody is reading this page right now." : "This page is not among the busiest right now."}
        </p>
      ) : (
        <ul className="active-list" data-testid="active-by-path">
          {listed.map(({ path, title, count }) => (
            <li key={path} data-path={path} className="active-item">
              <span className="bar" style={{ width: `${(count / listed[0].count) * 100}%` }} aria-hidden="true" />
              <ActivePageLink path={path} title={title} />
              <span className="active-count">
                <span data-testid="active-count">{formatNumber(count)}</span>
                <span className="visually-hidden">{count === 1 ? " visitor" : " visitors"}</span>
              </span>
            </li>
          ))}
        </ul>
      )}
      {others > 0 ? (
        <p className="panel-note" data-testid="active-elsewhere">
          and {formatNumber(others)} more on other pages
        </p>
      ) : null}
    </section>
  );
}

/** Visitors active now on pages past those listed (the counter counts every live session, each on one page). */
const elsewhere = (active: ActiveVisitors) => active.activeVisitors - active.activeByPath.reduce((sum, { count }) => sum + count, 0);

/**
 * How many read `page` now: its count when listed, 0 when every active visitor is on a listed page, and
 * undefined when it is not among the busiest pages listed while others read elsewhere (its count is not sent).
 */
export function pageActivity(active: ActiveVisitors, page: string): number | undefined {
  const listed = active.activeByPath.find(({ path }) => path === page);
  if (listed !== undefined) return listed.count;
  return elsewhere(active) === 0 ? 0 : undefined;
}

function ActivePageLink({ path, title }: { path: string; title: string }) {
  const label = title === path ? displayPath(path) : title;
  return (
    <SitePathLink path={path} className="active-page" label={label}>
      {label}
    </SitePathLink>
  );
}
