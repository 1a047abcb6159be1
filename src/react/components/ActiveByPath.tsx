import type { ActiveVisitors } from "../hooks/useDashboardStats.js";
import { displayPath, formatNumber } from "../lib/format.js";
import { SitePathLink } from "./SitePathLink.js";

/** Where the visitors who are here now are reading, busiest page first (the top pages `dashboardStats` lists, and how many are elsewhere). */
export function ActiveByPath({
  active,
  stale = false,
}: {
  active: ActiveVisitors | undefined;
  /** `active` answers an older question while a newer one loads (see useStableQuery). */
  stale?: boolean;
}) {
  const others = active === undefined ? 0 : elsewhere(active);
  return (
    <section className={`panel${stale ? " is-stale" : ""}`} aria-labelledby="active-by-path-heading" aria-busy={stale || undefined}>
      <h2 id="active-by-path-heading" className="panel-title">
        <span className="live-dot" aria-hidden="true" /> Active now, by page
      </h2>
      {active === undefined ? (
        <div className="skeleton skeleton-block" aria-busy="true" aria-label="Loading active visitors" />
      ) : active.activeByPath.length === 0 ? (
        <p className="panel-empty" data-testid="active-by-path">
          Nobody is reading right now.
        </p>
      ) : (
        <ul className="active-list" data-testid="active-by-path">
          {active.activeByPath.map(({ path, title, count }) => (
            <li key={path} data-path={path} className="active-item">
              <span
                className="bar"
                style={{ width: `${(count / active.activeByPath[0].count) * 100}%` }}
                aria-hidden="true"
              />
              <ActivePage path={path} title={title} />
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

function ActivePage({ path, title }: { path: string; title: string }) {
  const label = title === path ? displayPath(path) : title;
  return (
    <SitePathLink path={path} className="active-page" label={label}>
      {label}
    </SitePathLink>
  );
}
