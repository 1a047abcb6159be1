// `npm run dev` runs this before `convex dev`. Offline, the Convex CLI fails with an error about
// reporting to Sentry that names neither the cause nor the way out; this says both first, then
// lets the CLI run (and print its own error). Plain Node, no dependencies; silent when online.
import { lookup as dnsLookup } from "node:dns/promises";
import { pathToFileURL } from "node:url";

/** What `convex dev` asks first when it starts a local deployment (the latest backend version). */
export const CONVEX_HOST = "version.convex.dev";
export const LOOKUP_TIMEOUT_MS = 1_500;
export const OFFLINE_MESSAGE =
  "Can't reach Convex (no network?): npm run dev needs it to download or reach your Convex backend. " +
  "To see the app offline, run: npm run demo";

/**
 * The line to print before `convex dev` when `host` does not resolve within `timeoutMs`
 * (no network, or DNS too slow to count on), else null.
 */
export async function offlineNotice({ lookup = dnsLookup, host = CONVEX_HOST, timeoutMs = LOOKUP_TIMEOUT_MS } = {}) {
  let timer;
  const timedOut = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`DNS lookup of ${host} timed out`)), timeoutMs);
  });
  try {
    await Promise.race([lookup(host), timedOut]);
    return null;
  } catch {
    return OFFLINE_MESSAGE;
  } finally {
    clearTimeout(timer);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const notice = await offlineNotice();
  if (notice !== null) console.error(notice);
  // Exit now even if a lookup is still pending, and always with 0: `convex dev` runs either way.
  process.exit(0);
}
