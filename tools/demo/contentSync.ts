import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SYNC_COMMAND = "tools/sync/syncCommand.ts";

/** A fresh CONTENT_SYNC_SECRET, to set on the deployment and hand to the sync. */
export const newSyncSecret = (): string => randomBytes(16).toString("hex");

/**
 * Runs the site's own content sync (what `npm run sync` runs) against the
 * deployment at `convexUrl`: content/ goes in through the real mutations over HTTP.
 * Resolves with its one-line report.
 */
export async function syncSiteContent(convexUrl: string, secret: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", SYNC_COMMAND], {
    cwd: REPO_ROOT,
    env: { ...process.env, VITE_CONVEX_URL: convexUrl, CONVEX_URL: convexUrl, CONTENT_SYNC_SECRET: secret },
  });
  return stdout.trim();
}
