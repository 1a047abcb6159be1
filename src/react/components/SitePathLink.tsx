import type { ReactNode } from "react";
import { isSitePath } from "../../shared/validation.js";
import { SiteLink } from "../router.js";

/**
 * A page of this site, as a link to it. Anything else (`//host/x` and
 * backslash paths read as other hosts) is plain text: the server never counts
 * such paths, but the dashboard does not rely on that to stay on the site.
 * `label` is the full text, for a tooltip when the text is cut short.
 */
export function SitePathLink({ path, className, label, children }: { path: string; className: string; label: string; children: ReactNode }) {
  return isSitePath(path) ? (
    <SiteLink href={path} className={className} title={label}>
      {children}
    </SiteLink>
  ) : (
    <span className={className} title={label}>
      {children}
    </span>
  );
}
