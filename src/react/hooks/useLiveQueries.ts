import { useMemo, useRef } from "react";
import { useQueries, type RequestForQueries } from "convex/react";
import { getFunctionName, type FunctionArgs, type FunctionReference, type FunctionReturnType } from "convex/server";
import { useTabVisible } from "./useTabVisible.js";

const NOTHING: RequestForQueries = {};

/**
 * useQueries that holds no subscription while the tab is hidden, so a dashboard left open in the
 * background re-runs no query (prds/dashboard-cost.md). Meanwhile, and until fresh answers arrive
 * once it is visible again, each query answers what it last did for the same question.
 */
export function useLiveQueries(queries: RequestForQueries): Record<string, unknown> {
  const visible = useTabVisible();
  const results = useQueries(visible ? queries : NOTHING);
  // Written during render, as useStableQuery does: each entry only ever moves to a newer answer.
  const last = useRef(new Map<string, { question: string; answer: unknown }>());
  const answers: Record<string, unknown> = {};
  for (const [key, { query, args }] of Object.entries(queries)) {
    const question = `${getFunctionName(query)}:${JSON.stringify(args)}`;
    const result = results[key];
    if (result !== undefined) last.current.set(key, { question, answer: result });
    const kept = last.current.get(key);
    answers[key] = result ?? (kept?.question === question ? kept.answer : undefined);
  }
  return answers;
}

/** useQuery (throwing a failure to the nearest error boundary), paused while the tab is hidden as useLiveQueries is. */
export function useLiveQuery<Query extends FunctionReference<"query">>(query: Query, args: FunctionArgs<Query> | "skip"): FunctionReturnType<Query> | undefined {
  // The same object while the question is the same (by name and value), so useQueries keeps its subscription.
  const key = args === "skip" ? null : `${getFunctionName(query)}:${JSON.stringify(args)}`;
  const queries = useMemo((): RequestForQueries => (args === "skip" ? {} : { result: { query, args } }), [key]);
  const result = useLiveQueries(queries).result;
  if (result instanceof Error) throw result;
  return result as FunctionReturnType<Query> | undefined;
}
