import { useMemo, useRef } from "react";
import type { FunctionArgs, FunctionReturnType } from "convex/server";
import { ConvexError } from "convex/values";
import type { StatsApi } from "../statsApi.js";
import { useStatsApi } from "../StatsApiContext.js";
import type { ResolvedSelection } from "../lib/statsPeriod.js";
import { withFiltersArg, type StatsFilter } from "../lib/statsFilter.js";
import { refusalOf, type Refusal } from "../lib/refusal.js";
import { withTokenArg } from "../lib/shareToken.js";
import { useShareToken } from "./useShareToken.js";
import { useQuietStableQuery } from "./useStableQuery.js";

type DashboardStats = FunctionReturnType<StatsApi["dashboardStats"]>;
type RangeStats = Exclude<DashboardStats["range"], null | { error: unknown }>;
type RangeQuestion = NonNullable<FunctionArgs<StatsApi["dashboardStats"]>["range"]>;
export type ActiveVisitors = DashboardStats["active"];
export type PageViewStats = DashboardStats["pageViews"];
export type Summary = RangeStats["summary"];
export type SeriesRow = RangeStats["series"][number];
export type BreakdownRow = Extract<RangeStats["breakdowns"][number], { rows: unknown }>["rows"][number];

/** One part of the dashboard's live answer: kept while a new question loads (`isStale`: it answers this part's previous question), or its failure. */
export type LivePart<T> = { data: T | undefined; isStale: boolean; error: Error | undefined };
/** A breakdown's part; `refused`: why the server refuses a filtered breakdown (in its words), for the panel to show. */
export type BreakdownPart = LivePart<BreakdownRow[]> & { refused: Refusal | null };
export type DashboardParts = {
  summary: LivePart<Summary>;
  series: LivePart<RangeStats["series"]>;
  breakdowns: BreakdownPart[];
  active: LivePart<ActiveVisitors>;
  pageViews: LivePart<PageViewStats>;
};
export type BreakdownRequest = { property: string; limit: number };

/**
 * Everything the dashboard shows live from one `dashboardStats` subscription,
 * which the server re-runs once per worker batch instead of once per panel
 * (prds/dashboard-cost.md): the shown range's summary, series and breakdowns
 * (one per request, in order; none while the range is not resolved), active
 * now and the all-time figures. A range that starts before today is asked in
 * two parts: `dashboardHistory` answers the days before `historyBefore` once
 * (they no longer change, so Convex never re-runs it), and the live question
 * passes that answer back, so each re-run reads only today's buckets. Each
 * part is stale only while its own question changed (another panel's tab
 * leaves it as it is). A failure is each part's it concerns (a range the
 * server refuses fails only the range's parts), for each panel to show in its
 * own error boundary.
 */
export function useDashboardStats(shown: ResolvedSelection | undefined, filters: readonly StatsFilter[], breakdowns: BreakdownRequest[]): DashboardParts {
  const token = useShareToken();
  const api = useStatsApi();
  const range: RangeQuestion | undefined = shown ? withFiltersArg({ ...shown.range, interval: shown.interval, breakdowns }, filters) : undefined;
  const before = shown?.historyBefore ?? null;
  const history = useQuietStableQuery(api.dashboardHistory, range !== undefined && before !== null ? withTokenArg({ range, before }, token) : "skip");
  // The live question: the range with its history once that is this question's (a failed one: the whole range, which
  // answers the failure in place); meanwhile the question last asked, so the panels keep their figures.
  const asked = useRef<{ range: RangeQuestion | undefined; live: RangeQuestion | undefined }>({ range: undefined, live: undefined });
  const historyReady = before === null || (!history.isStale && (history.data !== undefined || history.error !== undefined));
  if (range === undefined || historyReady) {
    asked.current = { range, live: range !== undefined && before !== null && history.data != null ? { ...range, history: history.data } : range };
  }
  const live = asked.current.live;
  const answer = useQuietStableQuery(api.dashboardStats, withTokenArg(live === undefined ? {} : { range: live }, token));
  const { data } = answer;
  // Stale while the live answer is for an earlier question: its own arguments changed, or its history is still loading.
  const isStale = answer.isStale || JSON.stringify(asked.current.range) !== JSON.stringify(range);
  // A failure counts only for its own question: a new one shows the panels loading (their error boundaries reset with it).
  const failure = isStale ? undefined : answer.error;
  // The range the kept answer is for (written during render, as useStableQuery does: only ever to a newer answer).
  const answered = useRef<RangeQuestion | undefined>(range);
  if (!isStale && (data !== undefined || failure !== undefined)) answered.current = range;
  const changed = (partOf: (question: RangeQuestion) => unknown) =>
    isStale && (range === undefined || answered.current === undefined || JSON.stringify(partOf(answered.current)) !== JSON.stringify(partOf(range)));
  const rangeOf = ({ breakdowns: _breakdowns, interval: _interval, ...question }: RangeQuestion) => question;
  const refused = data?.range != null && "error" in data.range ? data.range.error : undefined;
  const rangeFailure = useMemo(() => (refused === undefined ? undefined : new ConvexError(refused)), [JSON.stringify(refused)]);
  const figures = data?.range != null && !("error" in data.range) ? data.range : undefined;
  const rangeError = failure ?? (isStale ? undefined : rangeFailure);
  return {
    summary: { data: figures?.summary, isStale: changed(rangeOf), error: rangeError },
    series: { data: figures?.series, isStale: changed(({ breakdowns: _breakdowns, ...question }) => question), error: rangeError },
    breakdowns: breakdowns.map((_request, i) => {
      const part = figures?.breakdowns[i];
      return {
        data: part !== undefined && "rows" in part ? part.rows : undefined,
        refused: part !== undefined && "refused" in part ? (refusalOf(part.refused) ?? { code: part.refused.code, message: part.refused.message || part.refused.code }) : null,
        isStale: changed((question) => [rangeOf(question), question.breakdowns[i] ?? null]),
        error: rangeError,
      };
    }),
    active: { data: data?.active, isStale: false, error: failure },
    pageViews: { data: data?.pageViews, isStale: false, error: failure },
  };
}
