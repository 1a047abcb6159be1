import { useMemo } from "react";
import { getFunctionName, type FunctionArgs, type FunctionReference, type FunctionReturnType } from "convex/server";
import { useLiveQueries } from "./useLiveQueries.js";

/**
 * A query's result, its failure as a value (an Error), or undefined while it
 * loads: for what only borrows a figure and must keep working when it fails
 * (useQuery would throw to the nearest error boundary). Paused while the tab is hidden (useLiveQueries).
 */
export function useQuietQuery<Query extends FunctionReference<"query">>(
  query: Query,
  args: FunctionArgs<Query>,
): FunctionReturnType<Query> | Error | undefined {
  // The same object while the question is the same (by name and value: `api.x.y` is a new reference at each
  // access), so useQueries keeps its subscription.
  const key = `${getFunctionName(query)}:${JSON.stringify(args)}`;
  const queries = useMemo(() => ({ result: { query, args } }), [key]);
  return useLiveQueries(queries).result as FunctionReturnType<Query> | Error | undefined;
}
