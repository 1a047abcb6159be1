import type { ConvexTestBridge } from "./testBridge";

type Args = Record<string, unknown>;

/** The dashboard's question of its breakdowns, asked at their own pace (its live one asks none). */
export const isPanelsQuestion = (args: Args) => ((args.range as { breakdowns?: unknown[] } | undefined)?.breakdowns?.length ?? 0) > 0;

/**
 * What the dashboard asks of its ranges, one entry per question as the Stats API's own queries take it: summaries,
 * series and breakdowns, asked through `summary` and `timeseries` (the previous period, a subscription of its own)
 * or inside `dashboardStats`: the shown range's summary and series in the dashboard's live subscription, and its
 * breakdowns (the four panels' and the Goals panel's) in the question asked at their own pace (held only until it
 * answers: the last one asked).
 */
export function askedOfRanges(bridge: ConvexTestBridge): { summary: Args[]; timeseries: Args[]; breakdown: Args[] } {
  // The dashboard's question of its range, with the query's token if any.
  // Its history (the days before today, answered by dashboardHistory) is not part of the question.
  const questions = (asked: Args[]): Args[] =>
    asked.flatMap(({ range, token }) => {
      if (range === undefined) return [];
      const { history: _history, ...question } = range as Args;
      return [{ ...question, ...(token === undefined ? {} : { token }) }];
    });
  const live = questions((bridge.watchedArgs("stats:dashboardStats") as Args[]).filter((args) => !isPanelsQuestion(args)));
  const panels = questions((bridge.askedArgs("stats:dashboardStats") as Args[]).filter(isPanelsQuestion).slice(-1));
  const questionOf = ({ breakdowns: _breakdowns, ...question }: Args) => question;
  const rangeOf = ({ interval: _interval, ...range }: Args) => range;
  return {
    summary: [...live.map((args) => rangeOf(questionOf(args))), ...(bridge.watchedArgs("stats:summary") as Args[])],
    timeseries: [...live.map(questionOf), ...(bridge.watchedArgs("stats:timeseries") as Args[])],
    breakdown: panels.flatMap((args) => (args.breakdowns as Args[]).map((breakdown) => ({ ...breakdown, ...rangeOf(questionOf(args)) }))),
  };
}
