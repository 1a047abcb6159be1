import { useRef } from "react";
import type { OptionalRestArgsOrSkip } from "convex/react";
import { useLiveQuery } from "./useLiveQueries.js";
import { getFunctionName, type FunctionReference, type FunctionReturnType } from "convex/server";

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
