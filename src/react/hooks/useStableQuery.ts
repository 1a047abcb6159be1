import { useEffect, useMemo, useRef, useState } from "react";
import { useQueries, type OptionalRestArgsOrSkip, type RequestForQueries } from "convex/react";
import { useLiveQueries, useLiveQuery } from "./useLiveQueries.js";
import { useTabVisible } from "./useTabVisible.js";
import { getFunctionName, type FunctionArgs, type FunctionReference, type FunctionReturnType } from "convex/server";

export type StableQueryResult<T> = {
  /** The latest result; after the arguments change, the previous one until the new one arrives. Undefined only before the first. */
  data: T | undefined;
  /** True while `data` answers the previous arguments (dim it, e.g. with aria-busy); false once it is current. */
  isStale: boolean;
};

/**
 * `useQuery`, except that when the arguments change it keeps returning the
 * previous result until the new one arrives (the "useStableQuery" pattern from
 * Convex's docs), so a panel never flashes back to its loading skeleton. Like
 * `useQuery`, it throws when the query fails, for an error boundary to catch.
 * Nothing is kept across "skip" or a different query function. Paused while the tab is hidden (useLiveQueries).
 */
export function useStableQuery<Query extends FunctionReference<"query">>(
  query: Query,
  ...args: OptionalRestArgsOrSkip<Query>
): StableQueryResult<FunctionReturnType<Query>> {
  const result = useLiveQuery(query, args[0] ?? {});
  const name = args[0] === "skip" ? null : getFunctionName(query);
  // Written during render, as in Convex's docs: it only ever moves to a newer result, so a discarded render does no harm.
  const last = useRef<{ name: string | null; data: FunctionReturnType<Query> | undefined }>({ name, data: undefined });
  if (last.current.name !== name) last.current = { name, data: undefined };
  if (result !== undefined) last.current.data = result;
  const data = last.current.data;
  return { data, isStale: result === undefined && data !== undefined };
}

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

/**
 * useQuietStableQuery for a question whose answer may lag behind the data (prds/dashboard-cost.md, "Within the
 * budget"): it holds its subscription only until the answer comes, so the writes after it re-run nothing, and asks
 * again once `changed` (what its answer depends on, e.g. a count of a live answer's changes) has moved on since it
 * asked, at most every `everyMs` after its last answer. A new question is asked at once. Nothing is asked while the
 * tab is hidden.
 */
export function usePacedQuery<Query extends FunctionReference<"query">>(
  query: Query,
  args: FunctionArgs<Query> | "skip",
  everyMs: number,
  changed: unknown,
): QuietStableResult<FunctionReturnType<Query>> {
  const visible = useTabVisible();
  const key = args === "skip" ? null : `${getFunctionName(query)}:${JSON.stringify(args)}`;
  // The question last answered, when, and what `changed` was when it was asked.
  const [answered, setAnswered] = useState<{ key: string; at: number; changed: unknown } | null>(null);
  const [again, setAgain] = useState(false);
  const asking = key !== null && visible && (answered?.key !== key || again);
  const queries = useMemo((): RequestForQueries => (asking ? { result: { query, args: args as FunctionArgs<Query> } } : {}), [asking ? key : null]);
  const result = useQueries(queries).result as FunctionReturnType<Query> | Error | undefined;
  // What `changed` was when this ask began: a change while it was under way is asked about again.
  const askedWith = useRef<{ asking: boolean; changed: unknown }>({ asking: false, changed });
  if (asking && !askedWith.current.asking) askedWith.current = { asking, changed };
  askedWith.current.asking = asking;
  type Answer = { key: string; answer: { data: FunctionReturnType<Query> } | { error: Error } };
  // Written during render, as useStableQuery does: it only ever moves to a newer answer.
  const last = useRef<Answer | null>(null);
  if (asking && result !== undefined) last.current = { key: key!, answer: result instanceof Error ? { error: result } : { data: result } };
  useEffect(() => {
    if (!asking || result === undefined) return;
    setAnswered({ key: key!, at: Date.now(), changed: askedWith.current.changed });
    setAgain(false);
  }, [asking, result]);
  useEffect(() => {
    if (asking || answered === null || answered.key !== key || Object.is(answered.changed, changed)) return;
    const timer = setTimeout(() => setAgain(true), Math.max(0, answered.at + everyMs - Date.now()));
    return () => clearTimeout(timer);
  }, [asking, answered, key, changed]);
  const answer = key === null ? undefined : last.current?.answer;
  return {
    data: answer !== undefined && "data" in answer ? answer.data : undefined,
    error: answer !== undefined && "error" in answer ? answer.error : undefined,
    isStale: answer !== undefined && last.current?.key !== key,
  };
}
