import { useMemo } from "react";
import { FILTER_PARAM, parseFilter, withFilter, type StatsFilter } from "../lib/statsFilter.js";
import { searchOf, useSearchParams, useStatsRouter } from "../router.js";

export type StatsFilterControls = {
  /** The URL's filter; null when there is none (or the URL's cannot be read). */
  filter: StatsFilter | null;
  /** Filters the whole dashboard (a new history entry, so Back undoes it); null removes the filter. */
  setFilter: (filter: StatsFilter | null) => void;
};

/** The dashboard's filter, kept in the URL beside the range (`?period=7d&filter=source:Google`), so a link reproduces the view. */
export function useStatsFilter(): StatsFilterControls {
  const router = useStatsRouter();
  const params = useSearchParams();
  const text = params.get(FILTER_PARAM);
  // Compared by value: the same filter stays the same object, so the queries' arguments do too.
  const filter = useMemo(() => parseFilter(text), [text]);
  return {
    filter,
    setFilter: (next) => router.navigate(searchOf(withFilter(params, next))),
  };
}
