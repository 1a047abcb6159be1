import { useShareToken } from "../hooks/useShareToken.js";
import { exportUrl } from "../lib/statsExport.js";
import type { StatsFilter } from "../lib/statsFilter.js";
import type { ResolvedSelection } from "../lib/statsPeriod.js";

/**
 * "Download CSV": a link to GET /api/export for the range and filters shown (with the share
 * link's token on a private dashboard), answered as an attachment, so no script is involved.
 * Not shown while the range loads, nor when the site's HTTP endpoints' URL is not known.
 */
export function DownloadCsv({
  shown,
  filters,
  siteUrl,
}: {
  shown: ResolvedSelection | undefined;
  filters: readonly StatsFilter[];
  /** Where the site's HTTP endpoints are (`https://<deployment>.convex.site`, with registerRoutes' pathPrefix); null when not known. */
  siteUrl: string | null;
}) {
  const token = useShareToken();
  if (shown === undefined || siteUrl === null) return null;
  const href = exportUrl(siteUrl, { ...shown.range, interval: shown.interval, filters, token });
  return (
    <a
      className="button button-quiet button-small download-csv"
      href={href}
      download
      data-testid="download-csv"
      title="A ZIP with a CSV of the chart and one of each breakdown, for this range and these filters"
    >
      Download CSV
    </a>
  );
}
