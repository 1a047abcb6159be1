import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { useMutation } from "convex/react";
import { DEFAULT_HTTP_PAGE_TYPE, type PageType } from "../../shared/config.js";
import { onHistoryChange } from "../../tracker/historyChanges.js";
import { HeartbeatStream, type LeaderMessage } from "../../tracker/heartbeatStream.js";
import { serverRefusal } from "../../tracker/serverRefusal.js";
import { loadSession, randomUuid } from "../../tracker/session.js";
import { openTabChannel } from "../../tracker/tabChannel.js";
import { shouldTrack } from "../../tracker/trackingAllowed.js";
import { isVisitField, visitContext } from "../../tracker/visitContext.js";
import type { TrackingApi } from "../statsApi.js";

export type PageTrackingOptions = {
  /** The page's path; by default `location.pathname`, followed through pushState, replaceState and popstate. */
  path?: string;
  /** The page's type; null while the page does not know yet (its view waits for it); by default "other". */
  pageType?: PageType | null;
};

const locationPath = () => location.pathname;
const noSubscription = () => () => {};

/**
 * The visitor-side tracker, mounted once at the app root: `usePageTracking(api.stats)`. Records one view
 * per path change (the server drops repeats within its dedup window) and keeps this browser's heartbeat
 * stream going. The path is the browser's, followed as the app navigates, unless the app passes its
 * router's; `pageType` null means the page does not know yet what it is showing, and the view is recorded
 * once it does. Sends nothing at all where `shouldTrack` says no (prds/visits.md).
 */
export function usePageTracking(api: TrackingApi, options: PageTrackingOptions = {}): void {
  const { pageType = DEFAULT_HTTP_PAGE_TYPE } = options;
  // Followed only when the app does not say (its router's path, when it has one, is the one to count).
  const followed = useSyncExternalStore(options.path === undefined ? onHistoryChange : noSubscription, locationPath);
  const path = options.path ?? followed;
  const recordPageView = useMutation(api.recordPageView);
  const heartbeat = useMutation(api.heartbeat);
  const [session] = useState(loadSession);
  // Read at every render, so the owner's switch holds from the next page on.
  const allowed = shouldTrack(path);
  // Refs survive StrictMode's second effect run, so that run records nothing.
  const recordedPath = useRef<string | null>(null);
  const firstOfLoad = useRef(true);

  useEffect(() => {
    if (recordedPath.current === path || (allowed && pageType === null)) return;
    recordedPath.current = path;
    const first = firstOfLoad.current;
    firstOfLoad.current = false;
    if (!allowed || !pageType) return;
    const view = { path, pageType, sessionId: session.id };
    // Analytics never breaks the site, and a lost view is not retried; but a view whose context the
    // server refuses (an over-long UTM value, say) is sent again without it, so it still counts.
    // A mutation cannot read the request's User-Agent header, so the view carries it.
    recordPageView({ ...view, visit: { ...visitContext(first), userAgent: navigator.userAgent } })
      .catch((error) => (isVisitField(serverRefusal(error).field) ? recordPageView(view) : undefined))
      .catch(() => {});
  }, [path, pageType, allowed, recordPageView, session]);

  const [stream] = useState(
    () =>
      new HeartbeatStream(
        randomUuid(),
        (currentPath) => heartbeat({ sessionId: session.id, currentPath }),
        // Tabs share a stream only when they share the session id.
        () => (session.shared ? openTabChannel<LeaderMessage>(`convex-live-stats:${session.id}`) : null),
      ),
  );
  const currentPath = useRef(path);
  useEffect(() => {
    currentPath.current = path;
    if (allowed) stream.setPath(path);
  }, [stream, path, allowed]);
  // Untracked pages stop the stream (this tab resigns the lead to another on a tracked page, else the session leaves "active now" at its timeout), so /stats never shows up there.
  useEffect(() => {
    if (!allowed) return;
    stream.start(currentPath.current);
    return () => stream.stop();
  }, [stream, allowed]);
}
