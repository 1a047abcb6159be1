import { getFunctionName } from "convex/server";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { SYNC_BATCH_BYTES, SYNC_UNPUBLISH_PAGE_SIZE } from "../../src/shared/config";
import { syncContent, type MutationClient } from "../../blog/lib/content/syncContent";
import type { ContentFile } from "../../blog/lib/content/parseContentFile";
import { createTestConvex, type TestConvex } from "../support/convex";

const SECRET = "test-sync-secret";

/** The markdown this repo ships, read the way the CLI reads it. */
const shipped: ContentFile[] = Object.entries(
  import.meta.glob<string>("../../content/**/*.md", { query: "?raw", import: "default", eager: true }),
).map(([file, text]) => ({ table: file.includes("/blog/") ? "posts" : "pages", name: file.split("/").pop()!, text }));

function post(name: string, frontMatter: string, body = "Body.\n"): ContentFile {
  return { table: "posts", name, text: `---\n${frontMatter}\n---\n\n${body}` };
}
function page(name: string, frontMatter: string, body = "Body.\n"): ContentFile {
  return { table: "pages", name, text: `---\n${frontMatter}\n---\n\n${body}` };
}

let t: TestConvex;
let calls: string[];
let client: MutationClient;

beforeEach(() => {
  vi.stubEnv("CONTENT_SYNC_SECRET", SECRET);
  t = createTestConvex();
  calls = [];
  client = {
    mutation: async (ref, args) => {
      calls.push(getFunctionName(ref));
      // `as never`: convex-test types its rest args per reference, which a generic reference cannot satisfy.
      return await t.mutation(ref, ...([args] as never));
    },
  };
});
afterEach(() => vi.unstubAllEnvs());

const sync = (files: ContentFile[]) => syncContent(client, SECRET, files);

describe("npm run sync", () => {
  test("creates the shipped posts and pages, then finds them unchanged", async () => {
    const first = await sync(shipped);
    expect(first).toEqual({ created: shipped.length, updated: 0, unchanged: 0, unpublished: 0, skipped: [] });

    const posts = await t.query(api.content.listPosts, {});
    const drafts = shipped.filter((file) => file.text.includes("published: false")).length;
    expect(posts).toHaveLength(shipped.filter((file) => file.table === "posts").length - drafts);
    const dates = posts.map((p) => p.date!);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(await t.query(api.content.listPages, {})).toEqual([{ slug: "about", title: "About" }]);
    expect(await t.query(api.content.getBySlug, { slug: "about" })).toMatchObject({ kind: "page", title: "About" });
    expect(await t.query(api.content.getBySlug, { slug: "notes-on-dark-mode" })).toBeNull();

    const stats = await t.query(api.content.publishedCounts, {});
    expect(stats.publishedPosts).toBe(posts.length);
    expect(stats.publishedPages).toBe(1);

    expect(await sync(shipped)).toEqual({ created: 0, updated: 0, unchanged: shipped.length, unpublished: 0, skipped: [] });
  });

  test("counts an edit as updated, and a file marked unpublished or deleted as unpublished", async () => {
    const a = post("a.md", "title: A\ndate: 2025-01-01");
    const b = post("b.md", "title: B\ndate: 2025-01-02");
    const about = page("about.md", "title: About");
    await sync([a, b, about]);

    const editedA = post("a.md", "title: A, revised\ndate: 2025-01-01");
    const draftB = post("b.md", "title: B\ndate: 2025-01-02\npublished: false");
    expect(await sync([editedA, draftB, about])).toEqual({ created: 0, updated: 1, unchanged: 1, unpublished: 1, skipped: [] });
    expect((await t.query(api.content.listPosts, {})).map((p) => p.title)).toEqual(["A, revised"]);

    // The page's file is deleted; b's row is already unpublished, so it is not counted again.
    expect(await sync([editedA])).toEqual({ created: 0, updated: 0, unchanged: 1, unpublished: 1, skipped: [] });
    expect(await t.query(api.content.getBySlug, { slug: "about" })).toBeNull();
    expect((await t.query(api.content.publishedCounts, {})).publishedPages).toBe(0);

    // A file that comes back republishes its row.
    expect(await sync([editedA, about])).toMatchObject({ updated: 1, unchanged: 1, unpublished: 0 });
    expect(await t.query(api.content.getBySlug, { slug: "about" })).toMatchObject({ kind: "page" });
  });

  test("reports malformed files by name, skips them and keeps their rows", async () => {
    const good = post("good.md", "title: Good\ndate: 2025-01-01");
    const kept = post("kept.md", "title: Kept\ndate: 2025-01-01");
    await sync([good, kept]);

    const report = await sync([
      good,
      post("kept.md", "title: [unclosed\ndate: 2025-01-01"),
      post("no-title.md", "date: 2025-01-01"),
      post("bad-date.md", "title: Bad date\ndate: 1 March 2025"),
      post("no-date.md", "title: No date"),
      post("typo.md", "titel: Typo\ndate: 2025-01-01"),
      post("Not A Slug.md", "title: Spaces\ndate: 2025-01-01"),
      post("stats.md", "title: Clashes with /stats\ndate: 2025-01-01"),
      post("tags.md", "title: Tags\ndate: 2025-01-01\ntags: plain string"),
      page("good.md", "title: Same slug as a post"),
      page("order.md", "title: Order\norder: first"),
    ]);
    expect(report).toMatchObject({ created: 0, updated: 0, unchanged: 1, unpublished: 0 });
    expect(Object.fromEntries(report.skipped.map(({ file, problem }) => [file, problem]))).toEqual({
      "content/blog/kept.md": expect.stringContaining("not valid YAML"),
      "content/blog/no-title.md": 'front matter needs a "title" string',
      "content/blog/bad-date.md": 'date "1 March 2025" must be YYYY-MM-DD',
      "content/blog/no-date.md": "a post needs a date (YYYY-MM-DD)",
      "content/blog/typo.md": 'unknown front matter key "titel"',
      "content/blog/Not A Slug.md": 'slug "Not A Slug" must be lower-case words joined by hyphens',
      "content/blog/stats.md": 'slug "stats" is reserved for a built-in route',
      "content/blog/tags.md": '"tags" must be a list of strings',
      "content/pages/good.md": 'slug "good" is already used by content/blog/good.md',
      "content/pages/order.md": '"order" must be a number',
    });
    // The malformed file did not unpublish (or change) the row it belongs to.
    expect(await t.query(api.content.getBySlug, { slug: "kept" })).toMatchObject({ kind: "post", title: "Kept" });
  });

  test("splits large syncs into batches and pages through many deleted files", async () => {
    const body = "x".repeat(SYNC_BATCH_BYTES / 3);
    const big = [1, 2, 3, 4].map((n) => post(`big-${n}.md`, `title: Big ${n}\ndate: 2025-01-0${n}`, body));
    expect(await sync(big)).toMatchObject({ created: 4 });
    expect(calls.filter((name) => name === "content:syncBatch").length).toBeGreaterThan(1);

    const many = Array.from({ length: SYNC_UNPUBLISH_PAGE_SIZE + 20 }, (_, n) => page(`page-${n}.md`, `title: Page ${n}`));
    expect(await sync([...big, ...many])).toMatchObject({ created: many.length, unchanged: big.length, unpublished: 0 });
    calls = [];
    expect(await sync([])).toMatchObject({ created: 0, unpublished: many.length + big.length });
    expect(calls.filter((name) => name === "content:unpublishMissing").length).toBeGreaterThan(2);
    expect(await t.query(api.content.publishedCounts, {})).toMatchObject({ publishedPosts: 0, publishedPages: 0 });
  });
});

describe("the sync mutations", () => {
  const validPost = { slug: "ok", title: "OK", published: true, date: "2025-01-01" };

  test("refuse a wrong or missing secret with one answer, whether or not one is configured, and write nothing", async () => {
    const refusal = async (secret: string) => {
      const error = await t.mutation(api.content.syncBatch, { secret, posts: [validPost], pages: [] }).then(
        () => null,
        (error: Error) => error.message,
      );
      expect(error).toMatch(/Content sync refused: pass the deployment's CONTENT_SYNC_SECRET \(set it once with npx convex env set CONTENT_SYNC_SECRET/);
      return error;
    };
    const wrong = await refusal("guess");
    expect(await refusal("")).toBe(wrong);
    expect(await refusal(`${SECRET}x`)).toBe(wrong);
    vi.stubEnv("CONTENT_SYNC_SECRET", "");
    expect(await refusal("")).toBe(wrong);
    expect(await refusal(SECRET)).toBe(wrong);
    await expect(
      t.mutation(api.content.unpublishMissing, { secret: "guess", table: "posts", keepSlugs: [], paginationOpts: { numItems: 10, cursor: null } }),
    ).rejects.toThrow(/Content sync refused/);
    expect(await t.query(api.content.listPosts, {})).toEqual([]);
  });

  test("reject an invalid document and write nothing of its batch", async () => {
    const badPost = { slug: "Bad Slug", title: "Bad", published: true, date: "2025-01-01" };
    await expect(t.mutation(api.content.syncBatch, { secret: SECRET, posts: [validPost, badPost], pages: [] })).rejects.toThrow(
      /must be lower-case words/,
    );
    expect(await t.query(api.content.listPosts, {})).toEqual([]);
    expect((await t.query(api.content.publishedCounts, {})).publishedPosts).toBe(0);
  });
});
