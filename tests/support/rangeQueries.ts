import type { ConvexTestBridge } from "./testBridge";

type Args = Record<string, unknown>;

/**
 * What the dashboard asks of its ranges, one entry per question as the Stats API's own queries take it: summaries,
 * series and breakdowns, asked through `summary` and `timeseries` (the previous period, a subscription of its own)
 * or inside `dashboardStats` (the shown range: its summary, its series and each breakdown panel's, in the dashboard's one subscription).
 */
export function askedOfRanges(bridge: ConvexTestBridge): { summary: Args[]; timeseries: Args[]; breakdown: Args[] } {
  // The dashboard's question of its range, with the query's token if any.
  // Its history (the days before today, answered by dashboardHistory) is not part of the question.
  const combined: Args[] = (bridge.watchedArgs("stats:dashboardStats") as Args[]).flatMap(({ range, token }) => {
    if (range === undefined) return [];
    const { history: _history, ...question } = range as Args;
    return [{ ...question, ...(token === undefined ? {} : { token }) }];
  });
  const questionOf = ({ breakdowns: _breakdowns, ...question }: Args) => question;
  const rangeOf = ({ interval: _interval, ...range }: Args) => range;
  return {
    summary: [...combined.map((args) => rangeOf(questionOf(args))), ...(bridge.watchedArgs("stats:summary") as Args[])],
    timeseries: [...combined.map(questionOf), ...(bridge.watchedArgs("stats:timeseries") as Args[])],
    breakdown: combined.flatMap((args) => (args.breakdowns as Args[]).map((breakdown) => ({ ...breakdown, ...rangeOf(questionOf(args)) }))),
  };
}
