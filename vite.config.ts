import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import { committedDocuments } from "./tests/support/committedDocuments.ts";
import { indexedTableScans } from "./tests/support/indexedTableScans.ts";
import { literalUnionValidation } from "./tests/support/literalUnionValidation.ts";
import { recordedReads } from "./tests/support/recordedReads.ts";
import { trackerScriptPlugin } from "./tools/build/trackerScript.ts";

export default defineConfig({
  // The script tag's tracker, /script.js, built from src/script/ (prds/script.md).
  plugins: [react(), trackerScriptPlugin()],
  test: {
    // Both cores (Vitest keeps one for itself by default, which here is half the machine): the convex files are CPU-bound.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // convex-test scans every document on every query; this keeps big seeds linear (see the file).
        // committedDocuments and recordedReads let write-conflict tests see every component's writes and reads (see the files).
        // literalUnionValidation spares convex-test a thrown Error per union member a written value is not (see the file).
        plugins: [indexedTableScans(), committedDocuments(), recordedReads(), literalUnionValidation()],
        test: {
          name: "convex",
          include: ["tests/convex/**/*.test.ts"],
          // The runtime convex-test recommends: closest to Convex's own V8 isolate.
          environment: "edge-runtime",
          server: { deps: { inline: ["convex-test"] } },
        },
      },
      {
        extends: true,
        test: {
          name: "ui",
          include: ["tests/{react,tracker,blog,script}/**/*.test.{ts,tsx}"],
          // A DOM for React and Testing Library; the real Convex functions run beside it through the test bridge.
          environment: "happy-dom",
          server: { deps: { inline: ["convex-test"] } },
        },
      },
      {
        extends: true,
        test: {
          name: "tools",
          include: ["tests/tools/**/*.test.ts"],
          // The local Convex emulator and the scripts under tools/ run in plain Node.
          environment: "node",
        },
      },
    ],
  },
});
