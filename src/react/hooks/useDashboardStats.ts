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
import { PANELS_REFRESH_MS } from "../../shared/config.js";
import { usePacedQuery, useQuietStableQuery, type QuietStableResult } from "./useStableQuery.js";

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
 * A range question as the dashboard asks it: a range that starts before today goes with what `dashboardHistory`
 * answered for its days before `before` (they no longer change, so Convex never re-runs that), so each run of the
 * live question reads only today's buckets. `range`: the question `asked` is for; meanwhile the one last asked, so
 * the panels keep their figures (a failed history: the whole range, which answers the failure in place).
 */
function useWithHistory(range: RangeQuestion | undefined, before: number | null, token: string | null): { range: RangeQuestion | undefined; asked: RangeQuestion | undefined } {
  const api = useStatsApi();
  const history = useQuietStableQuery(api.dashboardHistory, range !== undefined && before !== null ? withTokenArg({ range, before }, token) : "skip");
  const asked = useRef<{ range: RangeQuestion | undefined; asked: RangeQuestion | undefined }>({ range: undefined, asked: undefined });
  const historyReady = before === null || (!history.isStale && (history.data !== undefined || history.error !== undefined));
  if (range === undefined || historyReady) {
    asked.current = { range, asked: range !== undefined && before !== null && history.data != null ? { ...range, history: history.data } : range };
  }
  return asked.current;
}

/** An answer's staleness for the question now shown: whether each part's own question changed since the answer kept. */
function useStaleness(answer: QuietStableResult<DashboardStats>, askedFor: RangeQuestion | undefined, range: RangeQuestion | undefined) {
  // Stale while the answer is for an earlier question: its own arguments changed, or its history is still loading.
  const isStale = answer.isStale || JSON.stringify(askedFor) !== JSON.stringify(range);
  // The range the kept answer is for (written during render, as useStableQuery does: only ever to a newer answer).
  const answered = useRef<RangeQuestion | undefined>(range);
  if (!isStale && (answer.data !== undefined || answer.error !== undefined)) answered.current = range;
  const changed = (partOf: (question: RangeQuestion) => unknown) =>
    isStale && (range === undefined || answered.current === undefined || JSON.stringify(partOf(answered.current)) !== JSON.stringify(partOf(range)));
  // A failure counts only for its own question: a new one shows the panels loading (their error boundaries reset with it).
  const failure = isStale ? undefined : answer.error;
  const refused = answer.data?.range != null && "error" in answer.data.range ? answer.data.range.error : undefined;
  const rangeFailure = useMemo(() => (refused === undefined ? undefined : new ConvexError(refused)), [JSON.stringify(refused)]);
  const figures = answer.data?.range != null && !("error" in answer.data.range) ? answer.data.range : undefined;
  return { changed, failure, figures, rangeError: failure ?? (isStale ? undefined : rangeFailure) };
}

const rangeOf = ({ breakdowns: _breakdowns, interval: _interval, ...question }: RangeQuestion) => question;

/**
 * How many times `value` has changed since it first came for `question`: its arrival (the first, or the first for a
 * new question) is no change, so what a question's first answer brings asks the paced one nothing again.
 */
function useChangeCount(value: unknown, question = ""): number {
  // Written during render, as useStableQuery does: it only ever moves on.
  const seen = useRef({ value, question, count: 0 });
  if (value !== seen.current.value) {
    const arrival = seen.current.value === undefined || seen.current.question !== question;
    seen.current = { value, question, count: seen.current.count + (arrival ? 0 : 1) };
  }
  return seen.current.count;
}

/**
 * Everything the dashboard shows live, in two `dashboardStats` questions (prds/dashboard-cost.md, "Within the
 * budget"): a subscription the server re-runs once per worker batch for the shown range's summary and series,
 * active now and the all-time figures; and the range's breakdowns (one part per request, in order), asked at their
 * own pace (usePacedQuery: again at most every PANELS_REFRESH_MS once the live answer or `alsoChanged` has changed),
 * so an open dashboard stays within issue 19's budget. The live answer changes whenever the breakdowns' figures can
 * (a view, a heartbeat, an event: each changes a visit's figures), `alsoChanged` with what else changes them (the
 * goals defined). Each question is asked with its range's history (useWithHistory). Each part is stale only while
 * its own question changed (another panel's tab leaves it as it is). A failure is each part's it concerns (a range
 * the server refuses fails only the range's parts), for each panel to show in its own error boundary.
 */
export function useDashboardStats(shown: ResolvedSelection | undefined, filters: readonly StatsFilter[], breakdowns: BreakdownRequest[], alsoChanged: unknown): DashboardParts {
  const token = useShareToken();
  const api = useStatsApi();
  const range: RangeQuestion | undefined = shown ? withFiltersArg({ ...shown.range, interval: shown.interval, breakdowns }, filters) : undefined;
  const liveRange = range === undefined ? undefined : { ...range, breakdowns: [] };
  const before = shown?.historyBefore ?? null;
  const liveAsked = useWithHistory(liveRange, before, token);
  const pacedAsked = useWithHistory(range, before, token);
  const answer = useQuietStableQuery(api.dashboardStats, withTokenArg(liveAsked.asked === undefined ? {} : { range: liveAsked.asked }, token));
  const changed = `${useChangeCount(answer.data, JSON.stringify(liveAsked.asked))}|${useChangeCount(alsoChanged)}`;
  const pacedAnswer = usePacedQuery(api.dashboardStats, pacedAsked.asked === undefined ? "skip" : withTokenArg({ range: pacedAsked.asked }, token), PANELS_REFRESH_MS, changed);
  const live = useStaleness(answer, liveAsked.range, liveRange);
  const paced = useStaleness(pacedAnswer, pacedAsked.range, range);
  return {
    summary: { data: live.figures?.summary, isStale: live.changed(rangeOf), error: live.rangeError },
    series: { data: live.figures?.series, isStale: live.changed(({ breakdowns: _breakdowns, ...question }) => question), error: live.rangeError },
    breakdowns: breakdowns.map((_request, i) => {
      const part = paced.figures?.breakdowns[i];
      return {
        data: part !== undefined && "rows" in part ? part.rows : undefined,
        refused: part !== undefined && "refused" in part ? (refusalOf(part.refused) ?? { code: part.refused.code, message: part.refused.message || part.refused.code }) : null,
        isStale: paced.changed((question) => [rangeOf(question), question.breakdowns[i] ?? null]),
        error: paced.rangeError,
      };
    }),
    active: { data: answer.data?.active, isStale: false, error: live.failure },
    pageViews: { data: answer.data?.pageViews, isStale: false, error: live.failure },
  };
}
