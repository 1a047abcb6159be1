import { displayPath } from "../../lib/format";
import { SitePathLink } from "./SitePathLink";

/** A page's title (its path, decoded, when it has none), linked when on this site, and its path below a real title. */
export function PageName({ path, title }: { path: string; title: string }) {
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
