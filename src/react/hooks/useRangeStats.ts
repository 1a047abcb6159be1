import { useRef } from "react";
import type { FunctionArgs, FunctionReturnType } from "convex/server";
import type { StatsApi } from "../statsApi.js";
import { useStatsApi } from "../StatsApiContext.js";
import type { ResolvedSelection } from "../lib/statsPeriod.js";
import { withFilterArg, type StatsFilter } from "../lib/statsFilter.js";
import { withTokenArg } from "../lib/shareToken.js";
import { useShareToken } from "./useShareToken.js";
import { useQuietStableQuery } from "./useStableQuery.js";

type RangeStats = FunctionReturnType<StatsApi["rangeStats"]>;
type RangeStatsArgs = FunctionArgs<StatsApi["rangeStats"]>;
export type Summary = RangeStats["summary"];
export type SeriesRow = RangeStats["series"][number];
export type BreakdownRow = Extract<RangeStats["breakdowns"][number], { rows: unknown }>["rows"][number];

/** One part of the range's answer: kept while a new question loads (`isStale`: it answers this part's previous question), or the query's failure. */
export type RangePart<T> = { data: T | undefined; isStale: boolean; error: Error | undefined };
/** A breakdown's part; `refused`: why the server refuses a filtered breakdown (in its words), for the panel to show. */
export type BreakdownPart = RangePart<BreakdownRow[]> & { refused: string | null };
export type RangeParts = { summary: RangePart<Summary>; series: RangePart<RangeStats["series"]>; breakdowns: BreakdownPart[] };
export type BreakdownRequest = { property: string; limit: number };

// What the server refuses a filtered breakdown for, with what to do instead when it gives no message: too much
// matches, or the range starts where raw retention deleted the rows a filter reads (prds/retention.md).
const REFUSED_FILTERS: Record<string, string> = {
  FILTER_TOO_BROAD: "Too much matches this filter in this range: choose a shorter range.",
  RANGE_BEFORE_RETENTION: "The rows this filter reads are deleted for part of this range: choose a later start.",
};

/**
 * The shown range's summary, series and breakdowns (one per request, in
 * order) from one `rangeStats` subscription, which the server re-runs once
 * per worker batch instead of once per panel (prds/dashboard-cost.md). Each
 * part is stale only while its own question changed (another panel's tab
 * leaves it as it is); a failure of the query is every part's, for each panel
 * to show in its own error boundary.
 */
export function useRangeStats(shown: ResolvedSelection | undefined, filter: StatsFilter | null, breakdowns: BreakdownRequest[]): RangeParts {
  const token = useShareToken();
  const args: RangeStatsArgs | "skip" = shown ? withTokenArg(withFilterArg({ ...shown.range, interval: shown.interval, breakdowns }, filter), token) : "skip";
  const answer = useQuietStableQuery(useStatsApi().rangeStats, args);
  const { data, isStale } = answer;
  // A failure counts only for its own question: a new one shows the panels loading (their error boundaries reset with it).
  const error = isStale ? undefined : answer.error;
  // The question the kept answer is for (written during render, as useStableQuery does: only ever to a newer answer).
  const answered = useRef<RangeStatsArgs | "skip">(args);
  if (!isStale && (data !== undefined || error !== undefined)) answered.current = args;
  const changed = (partOf: (question: RangeStatsArgs) => unknown) =>
    isStale && (args === "skip" || answered.current === "skip" || JSON.stringify(partOf(answered.current)) !== JSON.stringify(partOf(args)));
  const rangeOf = ({ breakdowns: _breakdowns, interval: _interval, ...range }: RangeStatsArgs) => range;
  return {
    summary: { data: data?.summary, isStale: changed(rangeOf), error },
    series: { data: data?.series, isStale: changed(({ breakdowns: _breakdowns, ...question }) => question), error },
    breakdowns: breakdowns.map((_request, i) => {
      const part = data?.breakdowns[i];
      const refused = part !== undefined && "refused" in part ? part.refused.message || (REFUSED_FILTERS[part.refused.code] ?? part.refused.code) : null;
      return {
        data: part !== undefined && "rows" in part ? part.rows : undefined,
        refused,
        isStale: changed((question) => [rangeOf(question), question.breakdowns[i] ?? null]),
        error,
      };
    }),
  };
}
