import type { FunctionReturnType } from "convex/server";
import type { StatsApi } from "../statsApi.js";
import { useStatsApi } from "../StatsApiContext.js";
import { useQuietQuery } from "../hooks/useQuietQuery.js";

type RulesCheck = FunctionReturnType<StatsApi["rulesCheck"]>;

/** The banner when a rule the figures are built under changed incompatibly; nothing while loading, when all is well, or when the check fails. */
export function RulesChangedNotice() {
  const check = useQuietQuery(useStatsApi().rulesCheck, {});
  return check === undefined || check instanceof Error || !check.rebuildNeeded ? null : <RulesChangedBanner check={check} />;
}

/** Says which rule changed and how to rebuild, so figures on hold are not mistaken for a quiet site. */
export function RulesChangedBanner({ check }: { check: RulesCheck }) {
  return (
    <div className="banner" role="alert" data-testid="rules-changed-banner">
      <div>
        <strong>New views are waiting for a rebuild.</strong> The figures below were counted under other settings, so new views are
        kept but not counted until the backfill rebuilds them:
        <ul>
          {check.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
        {check.backfillRunning ? null : (
          <>
            Run <code>{check.rebuildCommand}</code> (or Functions → stats → backfillAggregates in the Convex dashboard).
          </>
        )}
      </div>
    </div>
  );
}
