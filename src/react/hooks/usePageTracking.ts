import { useEffect, useRef, useState } from "react";
import { useMutation } from "convex/react";
import { api } from "../../../convex/_generated/api";
import type { PageType } from "../../shared/config";
import { HeartbeatStream, type LeaderMessage } from "../../tracker/heartbeatStream";
import { serverRefusal } from "../../tracker/serverRefusal";
import { loadSession } from "../../tracker/session";
import { openTabChannel } from "../../tracker/tabChannel";
import { shouldTrack } from "../../tracker/trackingAllowed";
import { isVisitField, visitContext } from "../../tracker/visitContext";

/**
 * The visitor-side tracker, mounted once at the app root. Records one view per
 * path change (the server drops repeats within its dedup window) and keeps
 * this browser's heartbeat stream going. `pageType` is null while the page
 * does not know yet what it is showing; the view is recorded once it does.
 * Sends nothing at all where `shouldTrack` says no (prds/visits.md).
 */
export function usePageTracking(path: string, pageType: PageType | null): void {
  const recordPageView = useMutation(api.stats.recordPageView);
  const heartbeat = useMutation(api.stats.heartbeat);
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
        crypto.getRandomValues(new Uint32Array(2)).join("-"),
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
