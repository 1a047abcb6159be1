import { useEffect, useRef, useState } from "react";
import { useMutation } from "convex/react";
import { api } from "../../convex/_generated/api";
import type { PageType } from "../../convex/model/config";
import { HeartbeatStream, type LeaderMessage } from "../lib/heartbeatStream";
import { loadSession } from "../lib/session";
import { openTabChannel } from "../lib/tabChannel";

/**
 * The visitor-side tracker, mounted once at the app root. Records one view per
 * path change (the server drops repeats within its dedup window) and keeps
 * this browser's heartbeat stream going. `pageType` is null while the page
 * does not know yet what it is showing; the view is recorded once it does.
 */
export function usePageTracking(path: string, pageType: PageType | null): void {
  const recordPageView = useMutation(api.stats.recordPageView);
  const heartbeat = useMutation(api.stats.heartbeat);
  const [session] = useState(loadSession);
  // A ref survives StrictMode's second effect run, so that run records nothing.
  const recordedPath = useRef<string | null>(null);

  useEffect(() => {
    if (pageType === null || recordedPath.current === path) return;
    recordedPath.current = path;
    // Analytics never breaks the site, and a lost view is not retried.
    recordPageView({ path, pageType, sessionId: session.id }).catch(() => {});
  }, [path, pageType, recordPageView, session]);

  const [stream] = useState(
    () =>
      new HeartbeatStream(
        crypto.getRandomValues(new Uint32Array(2)).join("-"),
        (currentPath) => heartbeat({ sessionId: session.id, currentPath }),
        // Tabs share a stream only when they share the session id.
        () => (session.shared ? openTabChannel<LeaderMessage>(`convex-live-stats:${session.id}`) : null),
      ),
  );
  const startPath = useRef(path);
  useEffect(() => {
    stream.start(startPath.current);
    return () => stream.stop();
  }, [stream]);
  useEffect(() => {
    startPath.current = path;
    stream.setPath(path);
  }, [stream, path]);
}
