import type { PaginationOptions, WithoutSystemFields } from "convex/server";
import { ConvexError } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { pagesByPublished, postsByPublished } from "./aggregates";
import { secretMatches } from "../../src/shared/secrets";

export type ContentTable = "posts" | "pages";
export type SaveResult = "created" | "updated" | "unchanged";
export type SyncResult = SaveResult | "unpublished";
export type ContentFields<T extends ContentTable> = WithoutSystemFields<Doc<T>>;
/** The fields every post and page has that validation looks at. */
type ContentCore = { slug: string; title: string; published: boolean; date?: string };

/** Lower-case words joined by single hyphens: the slug is the whole URL path after "/". */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Slugs the router serves itself, so content there could never be reached. */
const RESERVED_SLUGS = new Set(["stats"]);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Why these fields cannot be saved, or null when they can. Shared by the
 * sync client (to skip a bad file) and the server (to reject it).
 */
export function contentProblem(table: ContentTable, fields: ContentCore): string | null {
  if (!SLUG.test(fields.slug)) return `slug "${fields.slug}" must be lower-case words joined by hyphens`;
  if (RESERVED_SLUGS.has(fields.slug)) return `slug "${fields.slug}" is reserved for a built-in route`;
  if (fields.title.trim() === "") return "title must not be empty";
  if (table === "posts") {
    if (fields.date === undefined) return "a post needs a date (YYYY-MM-DD)";
    if (!ISO_DATE.test(fields.date) || Number.isNaN(Date.parse(fields.date))) return `date "${fields.date}" must be YYYY-MM-DD`;
  }
  return null;
}

function assertValidContent(table: ContentTable, fields: ContentCore): void {
  const problem = contentProblem(table, fields);
  if (problem !== null) throw new ConvexError({ code: "INVALID_ARGUMENT", field: fields.slug, message: problem });
}

/**
 * The sync is a public mutation, so it only runs for whoever knows the deployment's own secret (not the admin
 * endpoints' STATS_ADMIN_SECRET: a leaked cron secret must not rewrite the site). Compared in constant time; unset
 * and wrong get one answer, so a caller cannot tell which.
 */
export async function assertSyncSecret(secret: string): Promise<void> {
  if (await secretMatches(secret, process.env.CONTENT_SYNC_SECRET)) return;
  throw new ConvexError(
    `Content sync refused: pass the deployment's CONTENT_SYNC_SECRET (set it once with npx convex env set CONTENT_SYNC_SECRET "$(openssl rand -hex 32)")`,
  );
}

async function getBySlug<T extends ContentTable>(ctx: QueryCtx, table: T, slug: string): Promise<Doc<T> | null> {
  return (await ctx.db
    .query(table)
    // `as never`: TypeScript cannot narrow the field type of a generic table.
    .withIndex("by_slug", (q) => q.eq("slug", slug as never))
    .unique()) as Doc<T> | null;
}

/**
 * Inserts or updates a post or page by slug, keeping the published-count
 * aggregates in step. The only way content should be written.
 */
export async function saveContent<T extends ContentTable>(
  ctx: MutationCtx,
  table: T,
  fields: ContentFields<T>,
): Promise<{ result: SaveResult; id: Id<T> }> {
  const existing = await getBySlug(ctx, table, fields.slug);
  if (existing === null) {
    const id = (await ctx.db.insert(table, fields as never)) as Id<T>;
    await aggregateFor(table).insert(ctx, (await ctx.db.get(id)) as never);
    return { result: "created", id };
  }
  if (sameFields(existing, fields)) return { result: "unchanged", id: existing._id };
  await ctx.db.replace(existing._id, fields as never);
  // replaceOrInsert: rows written before the aggregate existed are adopted here.
  await aggregateFor(table).replaceOrInsert(ctx, existing as never, (await ctx.db.get(existing._id)) as never);
  return { result: "updated", id: existing._id };
}

function aggregateFor(table: ContentTable) {
  return table === "posts" ? postsByPublished : pagesByPublished;
}

function sameFields(doc: Record<string, unknown>, fields: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(fields), ...Object.keys(doc).filter((k) => !k.startsWith("_"))]);
  return [...keys].every((k) => JSON.stringify(doc[k]) === JSON.stringify(fields[k]));
}

/** Saves one synced file; a published row that its file now marks unpublished counts as unpublished. */
export async function syncContent<T extends ContentTable>(
  ctx: MutationCtx,
  table: T,
  fields: ContentFields<T> & ContentCore,
): Promise<SyncResult> {
  assertValidContent(table, fields);
  const before = await getBySlug(ctx, table, fields.slug);
  const { result } = await saveContent(ctx, table, fields);
  return before?.published === true && !fields.published ? "unpublished" : result;
}

/**
 * Unpublishes every published row of one page of the table whose slug is not
 * kept (its file was deleted). Paginated so a large site stays in the limits.
 */
export async function unpublishMissing(
  ctx: MutationCtx,
  table: ContentTable,
  keepSlugs: string[],
  paginationOpts: PaginationOptions,
): Promise<{ unpublished: number; continueCursor: string; isDone: boolean }> {
  const keep = new Set(keepSlugs);
  const { page, continueCursor, isDone } = await ctx.db
    .query(table)
    .withIndex("by_published", (q) => q.eq("published", true))
    .paginate(paginationOpts);
  let unpublished = 0;
  for (const { _id, _creationTime, ...fields } of page) {
    if (keep.has(fields.slug)) continue;
    await saveContent(ctx, table, { ...fields, published: false });
    unpublished++;
  }
  return { unpublished, continueCursor, isDone };
}

export type PostSummary = Pick<Doc<"posts">, "slug" | "title" | "date" | "description" | "tags">;

// No date or order index: a site's published rows are few, so sorting them here is cheap.
async function publishedRows<T extends ContentTable>(ctx: QueryCtx, table: T): Promise<Doc<T>[]> {
  return (await ctx.db
    .query(table)
    // `as never`, as in getBySlug: TypeScript cannot narrow the field type of a generic table.
    .withIndex("by_published", (q) => q.eq("published", true as never))
    .collect()) as Doc<T>[];
}

/** Published posts, newest first, without their bodies. */
export async function listPublishedPosts(ctx: QueryCtx): Promise<PostSummary[]> {
  return (await publishedRows(ctx, "posts"))
    .sort((a, b) => (b.date ?? "").localeCompare(a.date ?? "") || a.title.localeCompare(b.title))
    .map(({ slug, title, date, description, tags }) => ({ slug, title, date, description, tags }));
}

export type PageLink = Pick<Doc<"pages">, "slug" | "title">;

/** Published static pages in their `order`, for the site's navigation. */
export async function listPublishedPages(ctx: QueryCtx): Promise<PageLink[]> {
  return (await publishedRows(ctx, "pages"))
    .sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity) || a.title.localeCompare(b.title))
    .map(({ slug, title }) => ({ slug, title }));
}

export type PublishedContent =
  | { kind: "post"; slug: string; title: string; date?: string; description?: string; tags?: string[]; content: string }
  | { kind: "page"; slug: string; title: string; content: string };

/** The published post, else the published page, at this slug (posts win a clash). */
export async function getPublishedBySlug(ctx: QueryCtx, slug: string): Promise<PublishedContent | null> {
  const post = await getBySlug(ctx, "posts", slug);
  if (post?.published) {
    const { title, date, description, tags, content } = post;
    return { kind: "post", slug, title, date, description, tags, content: content ?? "" };
  }
  const page = await getBySlug(ctx, "pages", slug);
  if (page?.published) return { kind: "page", slug, title: page.title, content: page.content ?? "" };
  return null;
}

/** Published posts and pages, counted from the aggregates the sync keeps (O(log n)). */
export async function publishedCounts(ctx: QueryCtx): Promise<{ publishedPosts: number; publishedPages: number }> {
  const [publishedPosts, publishedPages] = await Promise.all([
    postsByPublished.count(ctx, { namespace: true }),
    pagesByPublished.count(ctx, { namespace: true }),
  ]);
  return { publishedPosts, publishedPages };
}

/** Rows per transaction when indexing existing content into the aggregates (each reads a few tree nodes). */
export const CONTENT_INDEX_PAGE_SIZE = 200;

/**
 * Indexes a page of a content table into its aggregate, adopting rows written
 * before the aggregate existed (idempotent: rows already in it are left as they
 * are). Returns the cursor to go on from, or null once the table is done.
 */
export async function indexContentPage(ctx: MutationCtx, table: ContentTable, cursor: string | null): Promise<string | null> {
  const page = await ctx.db.query(table).paginate({ cursor, numItems: CONTENT_INDEX_PAGE_SIZE });
  for (const row of page.page) await aggregateFor(table).insertIfDoesNotExist(ctx, row as never);
  return page.isDone ? null : page.continueCursor;
}
