// What an app that counts page views alone imports from convex-live-stats/react/tracker: tools/size/trackerSize.ts measures it.
export { usePageTracking } from "../../src/react/tracker.js";
