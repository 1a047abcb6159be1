import { HEARTBEAT_DEBOUNCE_MS, HEARTBEAT_INTERVAL_MS } from "../shared/config.js";
import type { TrackingEvent } from "../component/record/events.js";
import { onLinkClick, trackNotFound, type AutomaticEvents, type TrackEvent } from "../tracker/customEvents.js";
import { loadSession } from "../tracker/session.js";
import { isBrowserCounted } from "../tracker/trackingAllowed.js";
import { isVisitField, visitContext } from "../tracker/visitContext.js";

/** The script tag's settings (prds/script.md): `data-outbound-links`, `data-file-downloads` and `data-404` turn on the automatic events. */
export type ScriptOptions = AutomaticEvents & {
  /** The deployment's HTTP actions URL, `https://<deployment>.convex.site` (`data-api`). */
  api: string;
  /** The route is in the hash, `/#/about` (`data-hash`). */
  hashRouting?: boolean;
};

/** `window.liveStats`: the page's custom events; before script.js runs, the site's one-line stub queues its calls in `q`. */
type PageApi = { liveStats?: TrackEvent & { q?: Parameters<TrackEvent>[] } };

/**
 * The script tag's tracker: a view per path (SPA navigation and, opted in,
 * hash routes included), this tab's heartbeats while it is visible and one as it hides, and custom
 * events (`window.liveStats`, and the automatic ones turned on), sent to
 * POST /api/event. It runs for the page's life: there is no stop.
 */
export function startTracking({ api, hashRouting, ...automatic }: ScriptOptions): void {
  const endpoint = `${api.replace(/\/+$/, "")}/api/event`;
  const sessionId = loadSession().id;
  let path = "";
  let firstOfLoad = true;
  let heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  let lastHeartbeatPath = "";
  let lastHeartbeatAt = 0;
  // After a 429, nothing is sent before this instant (the server's Retry-After).
  let quietUntil = 0;
  let hidden = false;

  // Read on every event, so the owner's switch holds at once.
  const mayTrack = () => Date.now() >= quietUntil && isBrowserCounted();

  // text/plain (a string body's type): a "simple" request, so no CORS preflight doubles every event. Failures are dropped.
  const post = async (event: TrackingEvent) => {
    if (!mayTrack()) return;
    try {
      const response = await fetch(endpoint, { method: "POST", body: JSON.stringify(event), keepalive: true });
      if (response.status === 429) quietUntil = Date.now() + 1000 * Number(response.headers.get("Retry-After"));
      return response;
    } catch {
      // Offline or blocked: analytics never breaks the site.
    }
  };

  const heartbeat = (send: (event: TrackingEvent) => unknown) => {
    const now = Date.now();
    if (lastHeartbeatPath === path && now - lastHeartbeatAt < HEARTBEAT_DEBOUNCE_MS) return;
    lastHeartbeatPath = path;
    lastHeartbeatAt = now;
    send({ type: "heartbeat", sessionId, path });
  };

  // Every interval while the tab is visible; paused while hidden, and at once when it is shown again.
  const beat = () => {
    clearTimeout(heartbeatTimer);
    if (hidden) return;
    heartbeatTimer = setTimeout(beat, HEARTBEAT_INTERVAL_MS);
    heartbeat(post);
  };

  const view = async () => {
    const bareView = { type: "pageview", sessionId, path } as const;
    const visit = visitContext(firstOfLoad);
    firstOfLoad = false;
    const response = await post({ ...bareView, visit });
    // As the React tracker does: a view whose visit fields the server refused goes once more without them.
    if (response?.status === 400 && isVisitField((await response.json()).field)) await post(bareView);
  };

  const currentPath = () => {
    const route = hashRouting && /^#!?(\/[^?]*)/.exec(location.hash);
    // The server drops fragments, so the hash's route joins the page's path: /app/#/x is /app/x.
    return route ? location.pathname.replace(/\/$/, "") + route[1] : location.pathname;
  };

  const navigate = () => {
    const next = currentPath();
    if (next === path) return;
    path = next;
    // An unreadable 400 body is dropped like any failure.
    view().catch(() => {});
    beat();
  };

  const noteVisibility = () => {
    hidden = document.visibilityState === "hidden";
  };

  for (const method of ["pushState", "replaceState"] as const) {
    const original = history[method];
    history[method] = function (...args: Parameters<History["pushState"]>) {
      original.apply(this, args);
      navigate();
    };
  }
  addEventListener("popstate", navigate);
  if (hashRouting) addEventListener("hashchange", navigate);
  document.addEventListener("visibilitychange", () => {
    noteVisibility();
    // Hidden (looked away, or leaving: browsers hide a page before unloading it): the time read until now, kept alive past an unload.
    if (hidden) heartbeat(post);
    beat();
  });
  // Left while still visible (no visibilitychange first): the last heartbeat by beacon. A hidden tab sent its last one as it hid.
  addEventListener("pagehide", () => !hidden && mayTrack() && heartbeat((event) => navigator.sendBeacon(endpoint, JSON.stringify(event))));
  // The view first, so the session's events follow its view.
  noteVisibility();
  navigate();

  // Sent with keepalive (post's fetch), so a click that leaves the page still gets its event out.
  const track: TrackEvent = (name, options) => void post({ type: "event", sessionId, name, path, props: options?.props, revenue: options?.revenue });
  if (automatic.notFound) trackNotFound(track, path);
  onLinkClick(automatic, track);
  const page = window as PageApi;
  for (const queued of page.liveStats?.q ?? []) track(...queued);
  page.liveStats = track;
}
