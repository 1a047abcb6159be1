// convex-live-stats/react/tracker: the tracker hooks alone, for an app that loads the dashboard lazily. Importing
// it from here (not from convex-live-stats/react, which also holds the dashboard and its chart library) keeps the
// dashboard out of every visitor's download: a bundler cannot drop a module with side effects (uPlot has some)
// that a statically imported entry reaches.
export { usePageTracking, type PageTrackingOptions } from "./hooks/usePageTracking.js";
export { useTrackEvent } from "./hooks/useTrackEvent.js";
export type { AutomaticEvents, EventOptions, TrackEvent } from "../tracker/customEvents.js";
export type { TrackingApi, TrackEventApi } from "./statsApi.js";
