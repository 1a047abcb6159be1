import { useCallback, useEffect, useRef, useState } from "react";
import { useMutation } from "convex/react";
import { onLinkClick, trackNotFound, type AutomaticEvents, type TrackEvent } from "../../tracker/customEvents.js";
import { loadSession } from "../../tracker/session.js";
import { shouldTrack } from "../../tracker/trackingAllowed.js";
import type { TrackEventApi } from "../statsApi.js";

/**
 * Custom events: `const track = useTrackEvent(api.stats)`, then `track("Signup", { props: { plan: "pro" },
 * revenue: { amount: "29.99", currency: "EUR" } })` (prds/events-client.md). Each is sent from the current
 * page (`location.pathname`) in the page tracker's session, and only where the page tracker would send
 * (`shouldTrack`, read at each call). `track` never throws, and an event the server refuses is dropped.
 * The automatic events are off unless turned on here: `outboundLinks` and `fileDownloads` once, at the
 * app's root (each mount listens to clicks), `notFound` in the app's "not found" page.
 */
export function useTrackEvent(api: TrackEventApi, { outboundLinks, fileDownloads, notFound }: AutomaticEvents = {}): TrackEvent {
  const trackEvent = useMutation(api.trackEvent);
  const [session] = useState(loadSession);
  const track = useCallback<TrackEvent>(
    (name, options) => {
      const path = location.pathname;
      if (!shouldTrack(path)) return;
      // As pairs, which carry any key (a Convex object's field cannot start with "$" or leave ASCII). A mutation
      // cannot read the request's User-Agent header, so the event carries it (a bot's records nothing).
      const props = options?.props && Object.entries(options.props).map(([key, value]) => ({ key, value }));
      const event = { sessionId: session.id, name, path, props, revenue: options?.revenue, userAgent: navigator.userAgent };
      // Through a promise, so even a synchronous throw (no `trackEvent` re-exported) is dropped: analytics never breaks the app.
      Promise.resolve(event).then(trackEvent).catch(() => {});
    },
    [trackEvent, session],
  );

  useEffect(() => onLinkClick({ outboundLinks, fileDownloads }, track), [outboundLinks, fileDownloads, track]);

  // A ref survives StrictMode's second effect run, so that run sends nothing; another path is another 404.
  const notFoundPath = useRef<string | null>(null);
  useEffect(() => {
    if (!notFound || notFoundPath.current === location.pathname) return;
    notFoundPath.current = location.pathname;
    trackNotFound(track, location.pathname);
  });

  return track;
}
