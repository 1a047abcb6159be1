import { ADMIN_RECOUNT_MAX_ROWS } from "../../shared/config.js";
import type { PageFigures, RecountItem, RecountSample, RowCount } from "../../component/operate/recount.js";
import type { HttpContext } from "./routes.js";

// The recount's counting half (component/operate/recount.ts reads the sample): each sampled page's raw rows,
// a bounded query at a time, against its derived figures.

/**
 * A path's folded views, counted a bounded query at a time. Throws when raw retention deleted
 * some of them after the sample was read (its tally moved): the two sides no longer match up.
 */
async function countRawViews({ ctx, component }: HttpContext, page: PageFigures, foldedUpTo: bigint | null): Promise<number> {
  let rows = 0;
  let cursor: string | null = null;
  for (;;) {
    const counted: RowCount = await ctx.runQuery(component.operate.countFoldedViews, { path: page.path, foldedUpTo, cursor });
    if (counted.retiredViews !== page.retiredViews) throw new Error("raw retention deleted some of its views during the recount; run it again");
    rows += counted.rows;
    if (counted.isDone) return rows;
    cursor = counted.continueCursor;
  }
}

/**
 * Why a page's derived figures disagree with its raw rows (plus the views raw retention deleted, which they
 * still count), e.g. "derived 12 views, raw rows 13"; null when both agree.
 */
export function pageMismatch(page: PageFigures, rawRows: number): string | null {
  const counted = rawRows + page.retiredViews;
  const disagreeing = [
    (page.pathStatsViews ?? 0) !== counted && `derived ${page.pathStatsViews ?? 0} views${page.pathStatsViews === null ? " (no pathStats row)" : ""}`,
    (page.bucketViews ?? 0) !== counted && `all-time bucket ${page.bucketViews ?? 0} views${page.bucketViews === null ? " (no bucket)" : ""}`,
  ].filter(Boolean);
  const retired = page.retiredViews === 0 ? "" : ` and ${page.retiredViews} deleted by raw retention`;
  return disagreeing.length === 0 ? null : `${disagreeing.join(", ")}, raw rows ${rawRows}${retired}`;
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
      const rawRows = await countRawViews(http, page, sample.foldedUpTo);
      rowsLeft -= rawRows;
      const error = pageMismatch(page, rawRows);
      items.push(error === null ? { target } : { target, error });
      console.log(`${progress}: ${error ?? `${rawRows + page.retiredViews} views, as derived`}`);
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
