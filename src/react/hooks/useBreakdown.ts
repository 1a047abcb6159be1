import { useMemo, useRef } from "react";
import { getFunctionName, type FunctionArgs, type FunctionReference, type FunctionReturnType } from "convex/server";
import { ConvexError } from "convex/values";
import type { StatsApi } from "../statsApi.js";
import { useStatsApi } from "../StatsApiContext.js";
import { useLiveQueries } from "./useLiveQueries.js";

export type QuietStableResult<T> = {
  /** The latest result; after the arguments change, the previous one until the new one arrives. */
  data: T | undefined;
  /** The latest failure, in place of `data` (kept the same way while a new answer loads). */
  error: Error | undefined;
  /** True while `data` or `error` answers the previous arguments. */
  isStale: boolean;
};

/**
 * useStableQuery (keeps the last answer while a new question loads) without throwing: a failure
 * is returned, for a panel that shows some failures itself. Nothing is kept across "skip".
 */
export function useQuietStableQuery<Query extends FunctionReference<"query">>(
  query: Query,
  args: FunctionArgs<Query> | "skip",
): QuietStableResult<FunctionReturnType<Query>> {
  // The same object while the question is the same (by name and value), so useQueries keeps its subscription.
  const name = args === "skip" ? null : getFunctionName(query);
  const key = args === "skip" ? null : `${name}:${JSON.stringify(args)}`;
  const queries = useMemo((): Record<string, { query: Query; args: FunctionArgs<Query> }> => (args === "skip" ? {} : { result: { query, args } }), [key]);
  const result = useLiveQueries(queries).result as FunctionReturnType<Query> | Error | undefined;
  type Answer = { data: FunctionReturnType<Query> } | { error: Error };
  // Written during render, as useStableQuery does: it only ever moves to a newer answer.
  const last = useRef<{ name: string | null; answer: Answer | undefined }>({ name, answer: undefined });
  if (last.current.name !== name) last.current = { name, answer: undefined };
  if (result !== undefined) last.current.answer = result instanceof Error ? { error: result } : { data: result };
  const answer = last.current.answer;
  return {
    data: answer !== undefined && "data" in answer ? answer.data : undefined,
    error: answer !== undefined && "error" in answer ? answer.error : undefined,
    isStale: result === undefined && answer !== undefined,
  };
}

// What the server refuses a filtered breakdown for, with what to do instead: too much matches, or the range starts
// where raw retention deleted the rows a filter reads (prds/retention.md).
const REFUSED_FILTERS: Record<string, string> = {
  FILTER_TOO_BROAD: "Too much matches this filter in this range: choose a shorter range.",
  RANGE_BEFORE_RETENTION: "The rows this filter reads are deleted for part of this range: choose a later start.",
};

/** The message of a filtered breakdown the server refuses (FILTER_TOO_BROAD, RANGE_BEFORE_RETENTION); null for any other error. */
export function refusedFilterMessage(error: unknown): string | null {
  if (!(error instanceof ConvexError)) return null;
  const data = error.data as { code?: unknown; message?: unknown } | undefined;
  const fallback = typeof data?.code === "string" ? REFUSED_FILTERS[data.code] : undefined;
  if (fallback === undefined) return null;
  return typeof data!.message === "string" ? data!.message : fallback;
}

type BreakdownArgs = FunctionArgs<StatsApi["breakdown"]>;
export type BreakdownRow = FunctionReturnType<StatsApi["breakdown"]>[number];

export type BreakdownResult = {
  /** Undefined while loading, and when the server refused the filtered question. */
  rows: BreakdownRow[] | undefined;
  isStale: boolean;
  /** Why a filtered breakdown was refused (the server's words: narrow the range, or start it later), for the panel to show. */
  tooBroad: string | null;
};

/**
 * A breakdown's rows, kept while a new question loads. A filtered breakdown the server refuses
 * (too broad, or before raw retention's horizon) is an answer the panel shows; any other failure
 * throws, for its error boundary.
 */
export function useBreakdown(args: BreakdownArgs | "skip"): BreakdownResult {
  const { data, error, isStale } = useQuietStableQuery(useStatsApi().breakdown, args);
  if (error !== undefined) {
    const tooBroad = refusedFilterMessage(error);
    if (tooBroad === null) throw error;
    return { rows: undefined, isStale, tooBroad };
  }
  return { rows: data, isStale, tooBroad: null };
}
