import { fileURLToPath } from "node:url";
import { buildSingleChunk } from "../build/singleChunk";
import { codeSize, describeSize } from "./gzipSize";

/** The budget for what the tracker costs a site already shipping React and Convex (README, "Bundle size"): `usePageTracking` alone. */
export const TRACKER_GZIP_BUDGET_BYTES = 2_200;

/** ... and with `useTrackEvent` too (custom events, with its automatic outbound, download and 404 events). */
export const TRACKER_WITH_EVENTS_GZIP_BUDGET_BYTES = 2_750;

/** What an app imports: the page tracker alone, or with custom events. */
export type TrackerImport = "pageTracking" | "withEvents";

/**
 * What the tracker adds to a visitor's download: `usePageTracking` as an app
 * imports it (convex-live-stats/react/tracker, src/react/tracker.ts) and all it
 * imports (heartbeat stream, session, tab channel, visit context, history
 * follower, tracking switch, config constants), built and minified as `vite
 * build` does, with React and the Convex client left out (the site has them
 * anyway). Bytes.
 */
export async function measureTracker(imported: TrackerImport = "pageTracking"): Promise<{ minified: number; gzip: number; code: string }> {
  const code = await buildSingleChunk({
    build: {
      modulePreload: false,
      rollupOptions: {
        // The entry re-exports what an app imports, so the build keeps nothing else (src/react/tracker.ts exports both hooks).
        input: imported === "pageTracking" ? "tools/size/pageTrackingEntry.ts" : "src/react/tracker.ts",
        preserveEntrySignatures: "exports-only",
        external: (id) => /^(react|react-dom|convex)(\/|$)/.test(id),
      },
    },
  });
  return { ...codeSize(code), code };
}

// `npx tsx tools/size/trackerSize.ts` prints the figures the README quotes.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`tracker: ${describeSize(await measureTracker(), TRACKER_GZIP_BUDGET_BYTES)}`);
  console.log(`tracker with custom events: ${describeSize(await measureTracker("withEvents"), TRACKER_WITH_EVENTS_GZIP_BUDGET_BYTES)}`);
}
