import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { api } from "../../../convex/_generated/api";
import type { ContentFields, ContentTable } from "../../../convex/model/content";
import { SYNC_BATCH_BYTES, SYNC_UNPUBLISH_PAGE_SIZE } from "../../../src/shared/config";
import { parseContentFile, slugOfFile, type ContentFile } from "./parseContentFile";

/** What the sync needs of a Convex client: ConvexHttpClient in the CLI, convex-test in tests. */
export type MutationClient = {
  mutation<M extends FunctionReference<"mutation">>(mutation: M, args: FunctionArgs<M>): Promise<FunctionReturnType<M>>;
};

export type SyncReport = {
  created: number;
  updated: number;
  unchanged: number;
  unpublished: number;
  skipped: { file: string; problem: string }[];
};

type Batch = { posts: ContentFields<"posts">[]; pages: ContentFields<"pages">[] };

/**
 * Upserts every valid file and unpublishes the rows whose file is gone.
 * A malformed file is reported and skipped, and its row is left as it was.
 */
export async function syncContent(client: MutationClient, secret: string, files: ContentFile[]): Promise<SyncReport> {
  const report: SyncReport = { created: 0, updated: 0, unchanged: 0, unpublished: 0, skipped: [] };
  const keepSlugs: Record<ContentTable, string[]> = { posts: [], pages: [] };
  const claimedBy = new Map<string, string>();
  const batches: Batch[] = [];
  let batch: Batch = { posts: [], pages: [] };
  let batchBytes = 0;

  for (const file of files) {
    const label = `${file.table === "posts" ? "content/blog" : "content/pages"}/${file.name}`;
    keepSlugs[file.table].push(slugOfFile(file.name));
    const parsed = parseContentFile(file);
    if (!parsed.ok) {
      report.skipped.push({ file: label, problem: parsed.problem });
      continue;
    }
    // Posts and pages share one URL space, so a slug may serve only one file.
    const owner = claimedBy.get(parsed.fields.slug);
    if (owner !== undefined) {
      report.skipped.push({ file: label, problem: `slug "${parsed.fields.slug}" is already used by ${owner}` });
      continue;
    }
    claimedBy.set(parsed.fields.slug, label);

    const bytes = JSON.stringify(parsed.fields).length;
    if (batchBytes + bytes > SYNC_BATCH_BYTES && batchBytes > 0) {
      batches.push(batch);
      batch = { posts: [], pages: [] };
      batchBytes = 0;
    }
    if (parsed.table === "posts") batch.posts.push(parsed.fields);
    else batch.pages.push(parsed.fields);
    batchBytes += bytes;
  }
  batches.push(batch);

  for (const { posts, pages } of batches) {
    const counts = await client.mutation(api.content.syncBatch, { secret, posts, pages });
    report.created += counts.created;
    report.updated += counts.updated;
    report.unchanged += counts.unchanged;
    report.unpublished += counts.unpublished;
  }
  for (const table of ["posts", "pages"] as const) {
    report.unpublished += await unpublishMissing(client, secret, table, keepSlugs[table]);
  }
  return report;
}

async function unpublishMissing(client: MutationClient, secret: string, table: ContentTable, keepSlugs: string[]): Promise<number> {
  let unpublished = 0;
  let cursor: string | null = null;
  for (;;) {
    const page: { unpublished: number; continueCursor: string; isDone: boolean } = await client.mutation(api.content.unpublishMissing, {
      secret,
      table,
      keepSlugs,
      paginationOpts: { numItems: SYNC_UNPUBLISH_PAGE_SIZE, cursor },
    });
    unpublished += page.unpublished;
    if (page.isDone) return unpublished;
    cursor = page.continueCursor;
  }
}

/** One line for people: "3 created, 1 updated, 4 unchanged, 0 unpublished, 1 skipped". */
export function formatSyncReport({ created, updated, unchanged, unpublished, skipped }: SyncReport): string {
  const lines = [`${created} created, ${updated} updated, ${unchanged} unchanged, ${unpublished} unpublished, ${skipped.length} skipped`];
  for (const { file, problem } of skipped) lines.push(`  skipped ${file}: ${problem}`);
  return lines.join("\n");
}
