import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { VISIT_BLOCK_GROUPS, VISIT_BLOCK_MAX_BYTES, VISIT_BLOCK_MAX_VISITS, type VisitProperty } from "../../shared/config.js";
import { PackedReader, packInts, packedBytes } from "./packedInts.js";
import type { Step } from "./visitSteps.js";

/**
 * Settled visits packed into blocks, for filters the time buckets cannot answer (several at once, "is not",
 * "contains", a breakdown under a filter: read/filteredVisits.ts scans them). When a visit settles the worker
 * appends it to the latest block of its start's UTC day, up to VISIT_BLOCK_MAX_VISITS a block. A block is one
 * document per group of columns, in the same visit order: `core` (start minute of the day, duration, views, the
 * session's number) and one per VISIT_BLOCK_GROUPS entry (the visit's values of those properties; `pages` adds
 * each page it viewed with its views there), and `steps`: its views and custom events in time order
 * (derive/visitSteps.ts), which goals and funnels test. A scan reads `core` and only the groups its filters and breakdown
 * name. Values are numbers into the document's own list of the strings it holds (0: none), so a visit costs
 * about 25 bytes in all (prds/filters.md).
 */

export const BLOCK_GROUPS = ["core", ...(Object.keys(VISIT_BLOCK_GROUPS) as (keyof typeof VISIT_BLOCK_GROUPS)[]), "steps"] as const;
export type BlockGroup = (typeof BLOCK_GROUPS)[number];
export const vBlockGroup = v.union(...BLOCK_GROUPS.map((group) => v.literal(group)));
export type BlockDoc = Doc<"visitBlocks">;
/** Packed visits as a scan reads them: a block's document, or the snapshot's (no day: minutes since the epoch). */
type Packed = Pick<BlockDoc, "visits" | "values" | "data"> & { day?: number };

const DAY = 24 * 60 * 60 * 1000;
const MINUTE = 60_000;

/** Groups that hold visit properties' values (the rest: `core`, and `steps`). */
type PropertyGroup = keyof typeof VISIT_BLOCK_GROUPS;

/** The group a visit property's column is in. */
export function groupOfProperty(property: VisitProperty): BlockGroup {
  for (const [group, properties] of Object.entries(VISIT_BLOCK_GROUPS)) if ((properties as readonly string[]).includes(property)) return group as PropertyGroup;
  throw new Error(`no block group holds ${property}`);
}

/** A settled visit as a block keeps it: `session` is its session's number (derive/visitScopes.ts), `pages` each page it viewed. */
export type BlockVisit = {
  start: number;
  durationMs: number;
  views: number;
  session: number;
  pages: { path: string; views: number }[];
  steps: Step[];
  values: Partial<Record<VisitProperty, string>>;
};

/** One document of a block being appended to: its strings, each string's number, and its packed visits. */
type Column = { id: Id<"visitBlocks"> | null; values: string[]; numbers: Map<string, number>; data: string; bytes: number; changed: boolean };
type Part = { day: number; part: number; visits: number; columns: Record<BlockGroup, Column> };
/** The blocks a batch appends to, by day, and those it filled: written once at its end (finishVisitBlocks). */
export type BlockAppends = { open: Map<number, Part>; filled: Part[]; appended: number };
export const startBlockAppends = (): BlockAppends => ({ open: new Map(), filled: [], appended: 0 });

const emptyColumn = (): Column => ({ id: null, values: [], numbers: new Map(), data: "", bytes: 2, changed: true });

function columnOf(doc: BlockDoc): Column {
  const values = JSON.parse(doc.values) as string[];
  return { id: doc._id, values, numbers: new Map(values.map((value, i) => [value, i + 1])), data: doc.data, bytes: doc.bytes, changed: false };
}

function newPart(day: number, part: number): Part {
  return { day, part, visits: 0, columns: Object.fromEntries(BLOCK_GROUPS.map((group) => [group, emptyColumn()])) as Part["columns"] };
}

/**
 * The day's latest block, read once per batch (its documents, one per group), or a new one when it is full. A block
 * begun before blocks had steps gets its `steps` document, its earlier visits with none (settleVisits' `stepsFrom`).
 */
async function openPart(ctx: MutationCtx, appends: BlockAppends, day: number): Promise<Part> {
  const cached = appends.open.get(day);
  if (cached !== undefined) return cached;
  const core = await ctx.db
    .query("visitBlocks")
    .withIndex("by_group_day_part", (q) => q.eq("group", "core").eq("day", day))
    .order("desc")
    .first();
  const latest: BlockDoc[] = [];
  if (core !== null) {
    for (const group of BLOCK_GROUPS) {
      const doc = group === "core" ? core : await ctx.db.query("visitBlocks").withIndex("by_group_day_part", (q) => q.eq("group", group).eq("day", day).eq("part", core.part)).unique();
      if (doc !== null) latest.push(doc);
    }
  }
  let part: Part;
  if (latest.length === 0) part = newPart(day, 0);
  else if (isFull(latest[0].visits, latest)) part = newPart(day, latest[0].part + 1);
  else {
    part = newPart(day, latest[0].part);
    part.visits = latest[0].visits;
    for (const doc of latest) part.columns[doc.group] = columnOf(doc);
    if (!latest.some((doc) => doc.group === "steps")) append(part.columns.steps, new Array<number>(part.visits).fill(0));
  }
  appends.open.set(day, part);
  return part;
}

const isFull = (visits: number, columns: { bytes: number }[]) => visits >= VISIT_BLOCK_MAX_VISITS || columns.some((column) => column.bytes >= VISIT_BLOCK_MAX_BYTES);

/** The number of a value in the column's strings (1 on), added when new; 0 for none. */
function numberOf(column: Column, value: string | undefined): number {
  if (value === undefined) return 0;
  let number = column.numbers.get(value);
  if (number === undefined) {
    number = column.values.push(value);
    column.numbers.set(value, number);
    column.bytes += new TextEncoder().encode(value).length + 3;
  }
  return number;
}

function append(column: Column, numbers: number[]): void {
  const packed = packInts(numbers);
  column.data += packed;
  column.bytes += packedBytes(packed);
  column.changed = true;
}

/** Appends a settled visit to the latest block of its start's day. */
export async function appendToBlock(ctx: MutationCtx, appends: BlockAppends, visit: BlockVisit): Promise<void> {
  const day = Math.floor(visit.start / DAY) * DAY;
  let part = await openPart(ctx, appends, day);
  if (isFull(part.visits, Object.values(part.columns))) {
    appends.filled.push(part);
    part = newPart(day, part.part + 1);
    appends.open.set(day, part);
  }
  addToPart(part, visit);
  appends.appended++;
}

/** Packs the visit into the part's columns, its start as minutes from the part's day. */
function addToPart(part: Part, visit: BlockVisit): void {
  const { core, pages, steps } = part.columns;
  append(core, [Math.floor((visit.start - part.day) / MINUTE), visit.durationMs, visit.views, visit.session]);
  const pageNumbers = visit.pages.flatMap(({ path, views }) => [numberOf(pages, path), views]);
  append(pages, [numberOf(pages, visit.values.entryPage), numberOf(pages, visit.values.exitPage), visit.pages.length, ...pageNumbers]);
  append(steps, [visit.steps.length, ...visit.steps.flatMap((step) => packedStep(steps, step))]);
  for (const [group, properties] of Object.entries(VISIT_BLOCK_GROUPS)) {
    if (group === "pages") continue;
    const column = part.columns[group as BlockGroup];
    append(
      column,
      properties.map((property) => numberOf(column, visit.values[property])),
    );
  }
  part.visits++;
}

/** A step as numbers: a view is its page's number × 2; an event its name's × 2 + 1, its properties (count, then key and value numbers) and its revenue (signed, zigzag). */
function packedStep(column: Column, step: Step): number[] {
  if ("page" in step) return [numberOf(column, step.page) * 2];
  const props = step.props.flatMap(({ key, value }) => [numberOf(column, key), numberOf(column, value)]);
  return [numberOf(column, step.event) * 2 + 1, step.props.length, ...props, step.revenue >= 0 ? step.revenue * 2 : -step.revenue * 2 - 1];
}

function readStep(reader: PackedReader, values: string[]): Step {
  const token = reader.next();
  const text = (number: number) => values[number - 1];
  if (token % 2 === 0) return { page: text(token / 2) };
  const props: { key: string; value: string }[] = [];
  for (let count = reader.next(); count > 0; count--) props.push({ key: text(reader.next()), value: text(reader.next()) });
  const zigzag = reader.next();
  return { event: text((token - 1) / 2), props, revenue: zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2 };
}

/** Visits packed afresh, a document's fields per group (day 0: starts are minutes since the epoch): the snapshot of visits in progress. */
export function packVisits(visits: BlockVisit[]): Record<BlockGroup, Pick<BlockDoc, "visits" | "values" | "data" | "bytes">> {
  const part = newPart(0, 0);
  for (const visit of visits) addToPart(part, visit);
  return Object.fromEntries(
    BLOCK_GROUPS.map((group) => {
      const { values, data, bytes } = part.columns[group];
      return [group, { visits: part.visits, values: JSON.stringify(values), data, bytes }];
    }),
  ) as Record<BlockGroup, Pick<BlockDoc, "visits" | "values" | "data" | "bytes">>;
}

/** Writes every block document the batch appended to. */
export async function finishVisitBlocks(ctx: MutationCtx, appends: BlockAppends): Promise<void> {
  for (const part of [...appends.filled, ...appends.open.values()]) {
    for (const group of BLOCK_GROUPS) {
      const column = part.columns[group];
      if (!column.changed) continue;
      const doc = { day: part.day, part: part.part, group, visits: part.visits, values: JSON.stringify(column.values), data: column.data, bytes: column.bytes };
      if (column.id === null) column.id = await ctx.db.insert("visitBlocks", doc);
      else await ctx.db.replace(column.id, doc);
      column.changed = false;
    }
  }
  appends.filled = [];
}

/** A visit as a scan meets it (one object reused for every visit of a block): values and pages as strings. */
export type ScannedVisit = {
  start: number;
  durationMs: number;
  views: number;
  // A session's number; a visit in progress whose session has none yet, its id.
  session: number | string;
  values: Partial<Record<VisitProperty, string>>;
  pages: { path: string; views: number }[];
  steps: Step[];
};

/**
 * Calls `each` with every visit of a block, decoding `core` and the groups given (the rest of a visit's values are
 * left undefined): `docs` are one block's documents (or the snapshot's), keyed by group.
 */
export function forEachBlockVisit(docs: Partial<Record<BlockGroup, Packed>>, each: (visit: ScannedVisit) => void): void {
  const core = docs.core;
  if (core === undefined) return;
  const readers = Object.entries(docs)
    .filter(([group]) => group !== "core")
    .map(([group, doc]) => ({ group: group as BlockGroup, values: JSON.parse(doc!.values) as string[], reader: new PackedReader(doc!.data) }));
  const coreReader = new PackedReader(core.data);
  const visit: ScannedVisit = { start: 0, durationMs: 0, views: 0, session: 0, values: {}, pages: [], steps: [] };
  for (let i = 0; i < core.visits; i++) {
    visit.start = (core.day ?? 0) + coreReader.next() * MINUTE;
    visit.durationMs = coreReader.next();
    visit.views = coreReader.next();
    visit.session = coreReader.next();
    for (const { group, values, reader } of readers) {
      const valueOf = () => {
        const number = reader.next();
        return number === 0 ? undefined : values[number - 1];
      };
      if (group === "pages") {
        visit.values.entryPage = valueOf();
        visit.values.exitPage = valueOf();
        const count = reader.next();
        visit.pages = [];
        for (let page = 0; page < count; page++) visit.pages.push({ path: valueOf()!, views: reader.next() });
        continue;
      }
      if (group === "steps") {
        visit.steps = [];
        for (let count = reader.next(); count > 0; count--) visit.steps.push(readStep(reader, values));
        continue;
      }
      for (const property of VISIT_BLOCK_GROUPS[group as Exclude<PropertyGroup, "pages">]) visit.values[property] = valueOf();
    }
    each(visit);
  }
}
