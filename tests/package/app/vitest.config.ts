import { defineConfig } from "vitest/config";

// The fresh app's own tests, on convex-test with the package's `register` (as a user would write them).
export default defineConfig({
  root: import.meta.dirname,
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test", "convex-live-stats"] } },
  },
});
