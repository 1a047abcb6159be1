import { fileURLToPath } from "node:url";
import { buildTrackerScript } from "../build/trackerScript";
import { codeSize, describeSize } from "./gzipSize";

/** The budget for script.js, the whole tracker for a site without React or Convex (prds/script.md). */
export const SCRIPT_GZIP_BUDGET_BYTES = 2_048;

/** script.js exactly as `npm run build` emits it: minified and gzip bytes. */
export async function measureScript(): Promise<{ minified: number; gzip: number; code: string }> {
  const code = await buildTrackerScript();
  return { ...codeSize(code), code };
}

// `npx tsx tools/size/scriptSize.ts` prints the figure prds/script.md quotes.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`script.js: ${describeSize(await measureScript(), SCRIPT_GZIP_BUDGET_BYTES)}`);
}
