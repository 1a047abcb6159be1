import { displayPath, formatNumber } from "../lib/format.js";
import { SitePathLink } from "./SitePathLink.js";

/** A page's title (its path, decoded, when it has none), linked when on this site, and its path below a real title. */
function PageName({ path, title }: { path: string; title: string }) {
  const shownPath = displayPath(path);
  const label = title === path ? shownPath : title;
  return (
    <>
      <SitePathLink path={path} className="page-title" label={label}>
        {label}
      </SitePathLink>
      {title !== path && (
        <span className="page-path" title={shownPath}>
          {shownPath}
        </span>
      )}
    </>
  );
}

/** A page's row header in a views table: a bar as long as its share of the busiest page's views, and its name. */
export function PageCell({ path, title, views, maxViews }: { path: string; title: string; views: number; maxViews: number }) {
  return (
    <th scope="row" className="page-cell">
      <span className="bar" style={{ width: `${(views / maxViews) * 100}%` }} title={`${formatNumber(views)} views`} aria-hidden="true" />
      <PageName path={path} title={title} />
    </th>
  );
}
