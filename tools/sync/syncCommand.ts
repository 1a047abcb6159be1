// `npm run sync`: upserts content/blog/*.md and content/pages/*.md into the deployment at VITE_CONVEX_URL.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import type { ContentTable } from "../../convex/model/content";
import type { ContentFile } from "../../blog/lib/content/parseContentFile";
import { formatSyncReport, syncContent } from "../../blog/lib/content/syncContent";

const CONTENT_DIRS: Record<ContentTable, string> = { posts: "content/blog", pages: "content/pages" };

function readContentFiles(root: string): ContentFile[] {
  return (["posts", "pages"] as const).flatMap((table) => {
    const dir = path.join(root, CONTENT_DIRS[table]);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith(".md"))
      .sort()
      .map((name) => ({ table, name, text: readFileSync(path.join(dir, name), "utf8") }));
  });
}

// `npx convex dev` writes the deployment URL to .env.local; the shell's own variables win.
if (existsSync(".env.local")) process.loadEnvFile(".env.local");
const url = process.env.CONVEX_URL ?? process.env.VITE_CONVEX_URL;
const secret = process.env.CONTENT_SYNC_SECRET;
if (!url || !secret) {
  console.error("npm run sync needs VITE_CONVEX_URL (or CONVEX_URL) and CONTENT_SYNC_SECRET, in the environment or .env.local.");
  console.error("Set the same secret on the deployment first: npx convex env set CONTENT_SYNC_SECRET <secret>");
  process.exit(2);
}
const report = await syncContent(new ConvexHttpClient(url), secret, readContentFiles(process.cwd()));
console.log(formatSyncReport(report));
// Exit non-zero when a file was skipped, so CI notices; the valid files are synced either way.
process.exitCode = report.skipped.length > 0 ? 1 : 0;
