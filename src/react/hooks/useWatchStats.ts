import { useEffect } from "react";
import { useMutation } from "convex/react";
import { WATCH_RENEW_MS } from "../../shared/config.js";
import type { StatsApi } from "../statsApi.js";
import { withTokenArg } from "../lib/shareToken.js";
import { useTabVisible } from "./useTabVisible.js";

/** What `useWatchStats` calls. */
export type WatchApi = Pick<StatsApi, "watchDashboard">;

/**
 * Keeps the stats worker at its watched cadence (a view shows within about 2 s) while this page is visible:
 * takes the server's watch lease now and renews it every WATCH_RENEW_MS. A hidden tab renews nothing, and the
 * lease lapses a minute later (the worker then folds every 10 minutes). `<StatsDashboard>` uses it; an app
 * showing the stats queries on a page of its own calls it there. `token`: a private dashboard's share token.
 */
export function useWatchStats(api: WatchApi, token: string | null = null): void {
  const visible = useTabVisible();
  const watch = useMutation(api.watchDashboard);
  useEffect(() => {
    if (!visible) return;
    // A caller who may not read the stats may not watch them either: the page says so through its queries.
    const renew = () => void watch(withTokenArg({}, token)).catch(() => {});
    renew();
    const timer = setInterval(renew, WATCH_RENEW_MS);
    return () => clearInterval(timer);
  }, [visible, watch, token]);
}
