import { useId, type KeyboardEvent } from "react";
import type { BreakdownProperty } from "../../shared/config.js";
import { isSitePath } from "../../shared/validation.js";
import { SiteLink } from "../router.js";
import { displayPath, formatNumber } from "../lib/format.js";
import { isFilteredBy, propertyNoun, type StatsFilter } from "../lib/statsFilter.js";
import { describeDuration, describeValue, formatDuration, formatRate, formatShare, isPlaceholderValue, PAGE_PROPERTIES } from "../lib/statsFormat.js";

/** A row of the Stats API's `breakdown` (prds/visits.md): the visit figures for visit properties, a title for pages. */
export type BreakdownTableRow = {
  value: string;
  visitors: number;
  // A page's and a visit property's (the Stats API's event rows have none).
  pageviews?: number;
  title?: string;
  visits?: number;
  bounceRate?: number;
  visitDurationMs?: number;
};

export type BreakdownTableProps = {
  property: BreakdownProperty;
  rows: readonly BreakdownTableRow[];
  /** The name column's header, e.g. "Source". */
  column: string;
  /** What a visit is called in this table: "Visits", "Entrances" (entry pages), "Exits" (exit pages). */
  visitsLabel?: string;
  /** What the shares are of: the total of the first figure, the range's (filtered) visits for a visit property, its page views for pages; undefined while loading. */
  total: number | undefined;
  /** The dashboard's filters: a row an `is` filter names is marked, and choosing it again removes that filter. */
  filters: readonly StatsFilter[];
  /** A row's value chosen: its `is` filter added, or removed when it is on (toggleIsFilter). */
  onChoose: (value: string) => void;
  /** For the table's caption, e.g. "Sources, Nov 1 – 15, 2026 (UTC)". */
  caption: string;
  testId: string;
};

/**
 * A breakdown as Plausible lays it out: each value with a faint bar behind its name, then its
 * figures and its share. The first figure is the one the Stats API sorts the rows by (a page's
 * views, a visit property's visits: each view has one page and each visit one value, so the shares
 * add up to 100%); the bar is its length against the top row's and the share is of its total
 * (prds/dashboard-figures.md). The name is a button that adds a filter by the value to the dashboard's
 * (a page also has a link to itself beside it). Visit properties show visitors beside visits, and bounce
 * rate and duration where the panel is wide enough; in a panel as narrow as a phone, only the first
 * figure and the share.
 */
export function BreakdownTable({ property, rows, column, visitsLabel = "Visits", total, filters, onChoose, caption, testId }: BreakdownTableProps) {
  const isPage = property === "page";
  const isPageLike = PAGE_PROPERTIES.includes(property);
  const hintId = useId();
  const first = (row: BreakdownTableRow) => (isPage ? (row.pageviews ?? 0) : (row.visits ?? row.visitors));
  const firstLabel = isPage ? "Views" : visitsLabel;
  const top = Math.max(1, ...rows.map(first));
  return (
    <div className="table-scroll breakdown-scroll">
      <p id={hintId} className="visually-hidden">
        Choose {propertyNoun(property)} to add it to the dashboard's filters, and again to remove it. The up and down arrow keys move between rows.
      </p>
      <table className="breakdown-table" data-testid={testId}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="breakdown-col-name">
              {column}
            </th>
            <th scope="col" className="col-number">
              {firstLabel}
            </th>
            <th scope="col" className="col-number col-visitors">
              Visitors
            </th>
            {!isPage && (
              <>
                <th scope="col" className="col-number col-extra">
                  Bounce
                </th>
                <th scope="col" className="col-number col-extra">
                  Duration
                </th>
              </>
            )}
            <th scope="col" className="col-number col-share">
              % of {firstLabel.toLowerCase()}
            </th>
          </tr>
        </thead>
        <tbody onKeyDown={moveBetweenRows}>
          {rows.map((row) => {
            const active = isFilteredBy(filters, property, row.value);
            const { text, title, flag } = describeValue(property, row.value);
            const pageTitle = isPageLike && row.title !== undefined && row.title !== row.value ? row.title : undefined;
            return (
              <tr key={row.value} data-value={row.value} data-path={isPageLike ? row.value : undefined} className={active ? "is-active" : undefined}>
                <th scope="row" className="breakdown-name-cell">
                  <span className="breakdown-bar" style={{ width: `${(first(row) / top) * 100}%` }} aria-hidden="true" />
                  <span className="breakdown-name">
                    <button
                      type="button"
                      className={`breakdown-filter${isPlaceholderValue(row.value) ? " is-placeholder" : ""}`}
                      title={pageTitle === undefined ? title : `${pageTitle}\n${title}`}
                      aria-pressed={active}
                      aria-describedby={hintId}
                      data-testid="breakdown-filter"
                      onClick={() => onChoose(row.value)}
                    >
                      {flag !== undefined && canShowFlags() && (
                        <span className="breakdown-flag" aria-hidden="true">
                          {flag}
                        </span>
                      )}
                      <span className="breakdown-label">
                        {pageTitle ?? text}
                        {pageTitle !== undefined && <span className="breakdown-sub"> {text}</span>}
                      </span>
                    </button>
                    {isPageLike && isSitePath(row.value) && (
                      <SiteLink href={row.value} className="breakdown-open" aria-label={`Open ${displayPath(row.value)}`} title={`Open ${displayPath(row.value)}`}>
                        <OpenIcon />
                      </SiteLink>
                    )}
                  </span>
                </th>
                <td className="col-number breakdown-main" data-testid={isPage ? "top-page-views" : "breakdown-visits"}>
                  {formatNumber(first(row))}
                </td>
                <td className="col-number col-visitors" data-testid={isPage ? "top-page-visitors" : "breakdown-visitors"}>
                  {formatNumber(row.visitors)}
                </td>
                {!isPage && (
                  <>
                    <td className="col-number col-extra" data-testid="breakdown-bounce">
                      {row.bounceRate === undefined ? "–" : formatRate(row.bounceRate)}
                    </td>
                    <td className="col-number col-extra" data-testid="breakdown-duration">
                      {row.visitDurationMs === undefined ? (
                        "–"
                      ) : (
                        <span title={describeDuration(row.visitDurationMs)}>{formatDuration(row.visitDurationMs)}</span>
                      )}
                    </td>
                  </>
                )}
                <td className="col-number col-share" data-testid="breakdown-share">
                  {total === undefined ? "" : formatShare(first(row), total)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** ↑ and ↓ (Home and End) move the focus between the rows' filter buttons, so a long table need not be tabbed through. */
function moveBetweenRows(event: KeyboardEvent<HTMLTableSectionElement>) {
  const buttons = [...event.currentTarget.querySelectorAll<HTMLButtonElement>(".breakdown-filter")];
  const at = buttons.indexOf(event.target as HTMLButtonElement);
  if (at < 0) return;
  const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: buttons.length - 1 }[event.key];
  if (to === undefined || to < 0 || to >= buttons.length) return;
  event.preventDefault();
  buttons[to].focus();
}

let flagSupport: boolean | undefined;

/**
 * Whether this browser draws flags (two regional indicator letters) in colour: Windows draws
 * the letters, a system without an emoji font draws boxes; there a country shows by name only.
 * Found once, by drawing a flag on a canvas; where that cannot be done (no canvas), assumed.
 */
function canShowFlags(): boolean {
  if (flagSupport !== undefined) return flagSupport;
  flagSupport = true;
  try {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 20;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    if (context === null) return flagSupport;
    context.font = "16px sans-serif";
    context.textBaseline = "top";
    context.fillText("\u{1F1EB}\u{1F1F7}", 0, 0);
    const pixels = context.getImageData(0, 0, 20, 20).data;
    let colour = false;
    for (let index = 0; index < pixels.length && !colour; index += 4) {
      const [red, green, blue, alpha] = [pixels[index], pixels[index + 1], pixels[index + 2], pixels[index + 3]];
      colour = alpha > 0 && (Math.abs(red - green) > 24 || Math.abs(green - blue) > 24);
    }
    flagSupport = colour;
  } catch {
    // A canvas that cannot be read: keep the flags.
  }
  return flagSupport;
}

/** An arrow out of a box: "open this page". */
function OpenIcon() {
  return (
    <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path d="M9 2.5h4.5V7M13.25 2.75 7.5 8.5M11.5 9.5v3a1 1 0 0 1-1 1h-7a1 1 0 0 1-1-1v-7a1 1 0 0 1 1-1h3" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
