import type { ResolvedSelection } from "../lib/statsPeriod.js";
import { formatNumber } from "../lib/format.js";
import { withFilterArg, type StatsFilter } from "../lib/statsFilter.js";
import { withTokenArg } from "../lib/shareToken.js";
import { useQuietStableQuery } from "../hooks/useBreakdown.js";
import { useShareToken } from "../hooks/useShareToken.js";
import { useStatsApi } from "../StatsApiContext.js";

/**
 * Shown under the range's cards when the Stats API says its figures are
 * partial (more visits in progress than a query reads), so a visit count that
 * leaves some out is not taken for exact. The range's own summary says so
 * (the chart and panels read the same visits at the same moment).
 */
export function InProgressNotice({ shown, filter }: { shown: ResolvedSelection | undefined; filter: StatsFilter | null }) {
  const api = useStatsApi();
  const token = useShareToken();
  const partial = useQuietStableQuery(api.summary, shown ? withTokenArg(withFilterArg(shown.range, filter), token) : "skip").data?.partial;
  if (partial === undefined) return null;
  return (
    <p className="in-progress-notice" role="note" data-testid="in-progress-notice" title={partial.reason}>
      <strong>Some visits in progress are not counted yet.</strong> More than {formatNumber(partial.inProgressVisitsRead)} visits are
      under way: these figures, the chart and the panels include {formatNumber(partial.inProgressVisitsRead)} of them, and the rest
      once they end.
    </p>
  );
}
