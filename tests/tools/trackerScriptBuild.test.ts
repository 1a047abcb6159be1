import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { buildApp } from "../../tools/demo/buildApp";
import { buildTrackerScript, TRACKER_SCRIPT_FILE } from "../../tools/build/trackerScript";

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "site-build-"));
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

// The site's build (vite build with vite.config.ts, as `npm run build` and the demo run it) ships the script tag's file.
it("the site's build emits script.js at its root, unhashed, as the tracker script builds alone", { timeout: 120_000 }, async () => {
  await buildApp("http://127.0.0.1:3210", outDir);
  const shipped = fs.readFileSync(path.join(outDir, TRACKER_SCRIPT_FILE), "utf8");
  expect(shipped).toBe(await buildTrackerScript());
  expect(fs.readFileSync(path.join(outDir, "index.html"), "utf8")).not.toContain(TRACKER_SCRIPT_FILE);
});
