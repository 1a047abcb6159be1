import { useShareToken } from "../hooks/useShareToken";
import { exportUrl, httpActionsUrl } from "../lib/statsExport";
import type { StatsFilter } from "../lib/statsFilter";
import type { ResolvedSelection } from "../lib/statsPeriod";

/**
 * "Download CSV": a link to GET /api/export for the range and filter shown (with the share
 * link's token on a private dashboard), answered as an attachment, so no script is involved.
 * Not shown while the range loads, nor when the build does not know the HTTP actions' URL.
 */
export function DownloadCsv({ shown, filter }: { shown: ResolvedSelection | undefined; filter: StatsFilter | null }) {
  const token = useShareToken();
  const base = httpActionsUrl(import.meta.env);
  if (shown === undefined || base === null) return null;
  const href = exportUrl(base, { ...shown.range, interval: shown.interval, filter, token });
  return (
    <a
      className="button button-quiet button-small download-csv"
      href={href}
      download
      data-testid="download-csv"
      title="A ZIP with a CSV of the chart and one of each breakdown, for this range and filter"
    >
      Download CSV
    </a>
  );
}
