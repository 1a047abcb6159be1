import type { Plugin } from "vite";
import { buildSingleChunk } from "./singleChunk.ts";

/** The script tag's file in the built site, not hashed: other sites link to it by this name (prds/script.md). */
export const TRACKER_SCRIPT_FILE = "script.js";

/** script.js: src/script/main.ts and all it imports as one minified IIFE, with no imports of its own and nothing shared with the app. */
export function buildTrackerScript(): Promise<string> {
  return buildSingleChunk({
    build: { modulePreload: false, rollupOptions: { input: "src/script/main.ts", output: { format: "iife", entryFileNames: TRACKER_SCRIPT_FILE } } },
  });
}

/** `vite build` emits script.js beside the app; the dev server builds it afresh for each request to /script.js. */
export function trackerScriptPlugin(): Plugin {
  return {
    name: "tracker-script",
    async generateBundle() {
      this.emitFile({ type: "asset", fileName: TRACKER_SCRIPT_FILE, source: await buildTrackerScript() });
    },
    configureServer(server) {
      server.middlewares.use(`/${TRACKER_SCRIPT_FILE}`, (_request, response, next) => {
        buildTrackerScript().then((code) => response.setHeader("Content-Type", "text/javascript").end(code), next);
      });
    },
  };
}
