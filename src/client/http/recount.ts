import { ADMIN_RECOUNT_MAX_ROWS } from "../../shared/config.js";
import type { PageFigures, RecountItem, RecountSample, RowCount } from "../../component/operate/recount.js";
import type { HttpContext } from "./routes.js";

// The recount's counting half (component/operate/recount.ts reads the sample): each sampled page's raw rows,
// a bounded query at a time, against its derived figures.

/** A path's folded views, counted a bounded query at a time. */
async function countRawViews({ ctx, component }: HttpContext, path: string, foldedUpTo: bigint | null): Promise<number> {
  let rows = 0;
  let cursor: string | null = null;
  for (;;) {
    const counted: RowCount = await ctx.runQuery(component.operate.countFoldedViews, { path, foldedUpTo, cursor });
    rows += counted.rows;
    if (counted.isDone) return rows;
    cursor = counted.continueCursor;
  }
}

/** Why a page's derived figures disagree with its raw rows, e.g. "derived 12 views, raw rows 13"; null when both agree. */
export function pageMismatch(page: PageFigures, rawRows: number): string | null {
  const disagreeing = [
    (page.pathStatsViews ?? 0) !== rawRows && `derived ${page.pathStatsViews ?? 0} views${page.pathStatsViews === null ? " (no pathStats row)" : ""}`,
    (page.bucketViews ?? 0) !== rawRows && `all-time bucket ${page.bucketViews ?? 0} views${page.bucketViews === null ? " (no bucket)" : ""}`,
  ].filter(Boolean);
  return disagreeing.length === 0 ? null : `${disagreeing.join(", ")}, raw rows ${rawRows}`;
}

/**
 * Counts each sampled page's rows and compares; a page that disagrees, or
 * whose count throws, is a failed item and the others go on. A page whose
 * derived figures say it would take the request past ADMIN_RECOUNT_MAX_ROWS
 * is left out (`skipped`). Then the site's two totals, which cost nothing more.
 */
export async function recountSampledPages(http: HttpContext, sample: RecountSample): Promise<{ items: RecountItem[]; skipped: number }> {
  const items: RecountItem[] = [];
  let skipped = 0;
  let rowsLeft = ADMIN_RECOUNT_MAX_ROWS;
  for (const [index, page] of sample.pages.entries()) {
    const target = `page:${page.path}`;
    const progress = `[admin] recount ${index + 1}/${sample.pages.length} ${page.path}`;
    if (Math.max(page.pathStatsViews ?? 0, page.bucketViews ?? 0) > rowsLeft) {
      skipped++;
      console.log(`${progress}: left out, over the ${ADMIN_RECOUNT_MAX_ROWS}-row budget`);
      continue;
    }
    try {
      const rawRows = await countRawViews(http, page.path, sample.foldedUpTo);
      rowsLeft -= rawRows;
      const error = pageMismatch(page, rawRows);
      items.push(error === null ? { target } : { target, error });
      console.log(`${progress}: ${error ?? `${rawRows} views, as derived`}`);
    } catch (thrown) {
      const error = `counting its views failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`;
      items.push({ target, error });
      console.log(`${progress}: ${error}`);
    }
  }
  const { counterViews, bucketViews } = sample.site;
  items.push(counterViews === bucketViews ? { target: "site" } : { target: "site", error: `counter ${counterViews} views, all-time bucket ${bucketViews} views` });
  return { items, skipped };
}
