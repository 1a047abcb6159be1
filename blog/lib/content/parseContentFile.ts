import { VFile } from "vfile";
import { matter } from "vfile-matter";
import { contentProblem, type ContentFields, type ContentTable } from "../../../convex/model/content";

/** One markdown file of content/blog (posts) or content/pages (pages). */
export type ContentFile = { table: ContentTable; name: string; text: string };

export type ParsedContent =
  | { ok: true; table: "posts"; fields: ContentFields<"posts"> }
  | { ok: true; table: "pages"; fields: ContentFields<"pages"> }
  | { ok: false; problem: string };

type FrontMatter = Record<string, unknown>;

const ALLOWED_KEYS: Record<ContentTable, string[]> = {
  posts: ["title", "date", "description", "tags", "published"],
  pages: ["title", "order", "published"],
};

/** The slug is the file name, so a file can always be matched with its row, even when it is malformed. */
export function slugOfFile(name: string): string {
  return name.replace(/\.md$/, "");
}

/**
 * Reads a file's YAML front matter and body into the fields of its row, or
 * says what is wrong with it.
 */
export function parseContentFile({ table, name, text }: ContentFile): ParsedContent {
  const file = new VFile({ path: name, value: text });
  try {
    matter(file, { strip: true });
  } catch (error) {
    return { ok: false, problem: `front matter is not valid YAML (${(error as Error).message.split("\n")[0]})` };
  }
  const data = file.data.matter as FrontMatter;
  const unknownKey = Object.keys(data).find((key) => !ALLOWED_KEYS[table].includes(key));
  if (unknownKey !== undefined) return { ok: false, problem: `unknown front matter key "${unknownKey}"` };
  const typeProblem = checkTypes(table, data);
  if (typeProblem !== null) return { ok: false, problem: typeProblem };

  const common = {
    slug: slugOfFile(name),
    title: (data.title as string).trim(),
    published: (data.published as boolean | undefined) ?? true,
    content: String(file.value).trim(),
  };
  const parsed: ParsedContent =
    table === "posts"
      ? {
          ok: true,
          table,
          fields: withoutUndefined({ ...common, date: data.date as string, description: data.description as string | undefined, tags: data.tags as string[] | undefined }),
        }
      : { ok: true, table, fields: withoutUndefined({ ...common, order: data.order as number | undefined }) };
  const problem = contentProblem(table, parsed.fields);
  return problem === null ? parsed : { ok: false, problem };
}

function checkTypes(table: ContentTable, data: FrontMatter): string | null {
  if (typeof data.title !== "string") return 'front matter needs a "title" string';
  if (data.published !== undefined && typeof data.published !== "boolean") return '"published" must be true or false';
  if (table === "posts") {
    if (data.date !== undefined && typeof data.date !== "string") return '"date" must be written YYYY-MM-DD';
    if (data.description !== undefined && typeof data.description !== "string") return '"description" must be a string';
    if (data.tags !== undefined && !(Array.isArray(data.tags) && data.tags.every((tag) => typeof tag === "string"))) {
      return '"tags" must be a list of strings';
    }
  } else if (data.order !== undefined && typeof data.order !== "number") {
    return '"order" must be a number';
  }
  return null;
}

/** Convex stores a missing optional field as absent, so compare and send it that way. */
function withoutUndefined<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}
