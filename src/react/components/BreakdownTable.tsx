import { useId, type KeyboardEvent, type ReactNode } from "react";
import { isStepProperty, type BreakdownProperty, type FilterProperty } from "../../shared/config.js";
import { isSitePath } from "../../shared/validation.js";
import { SiteLink } from "../router.js";
import { displayPath, formatNumber } from "../lib/format.js";
import { isFilteredBy, propertyNoun, type StatsFilter } from "../lib/statsFilter.js";
import { describeDuration, describeValue, formatConversionRate, formatDuration, formatMoney, formatRate, formatShare, isPlaceholderValue, PAGE_PROPERTIES } from "../lib/statsFormat.js";

/**
 * A row of the Stats API's `breakdown` (prds/visits.md): the visit figures for visit properties, a title for pages,
 * the conversions for goals, events and an event property's values (prds/events.md).
 */
export type BreakdownTableRow = {
  value: string;
  visitors: number;
  // A page's and a visit property's (the Stats API's event rows have none).
  pageviews?: number;
  title?: string;
  visits?: number;
  bounceRate?: number;
  visitDurationMs?: number;
  // A goal's, an event's or an event property value's: total conversions, the rate, and revenue when any.
  events?: number;
  conversionRate?: number;
  revenue?: number;
  averageRevenue?: number;
};

export type BreakdownTableProps = {
  property: FilterProperty;
  rows: readonly BreakdownTableRow[];
  /** The name column's header, e.g. "Source". */
  column: string;
  /** What a visit is called in this table: "Visits", "Entrances" (entry pages), "Exits" (exit pages). */
  visitsLabel?: string;
  /** What the shares are of: the total of the first figure, the range's (filtered) visits for a visit property, its page views for pages; undefined while loading (conversions have none). */
  total: number | undefined;
  /** The site's currency, for conversions' revenue. */
  currency?: string | null;
  /** The dashboard's filters: a row an `is` filter names is marked, and choosing it again removes that filter. */
  filters: readonly StatsFilter[];
  /** A row's value chosen: its `is` filter added, or removed when it is on (toggleIsFilter). */
  onChoose: (value: string) => void;
  /** For the table's caption, e.g. "Sources, Nov 1 – 15, 2026 (UTC)". */
  caption: string;
  testId: string;
};

/**
 * A figure column: its header, its cell, and how it shows (`className`: `col-visitors` goes in a panel as narrow as a
 * phone, `col-extra` shows only where the panel is wide, `col-share` is muted). The first column is the one the bar measures.
 */
type FigureColumn = { header: string; title?: string; className: string; testId: string; cell: (row: BreakdownTableRow) => ReactNode };

/** The figure columns of a property's breakdown, first the one its rows are sorted by and the bar measures; `first` is its value. */
function figureColumns({ property, rows, visitsLabel = "Visits", total, currency }: BreakdownTableProps): { first: (row: BreakdownTableRow) => number; columns: FigureColumn[] } {
  if (isStepProperty(property)) {
    const money = (amount: number | undefined) => (amount === undefined ? "–" : formatMoney(amount, currency));
    // Revenue columns only where something earned any (Plausible's): most goals have none.
    const revenue: FigureColumn[] = rows.some((row) => row.revenue !== undefined)
      ? [
          { header: "Revenue", className: "col-number", testId: "breakdown-revenue", cell: (row) => money(row.revenue) },
          { header: "Average", title: "Average revenue per conversion", className: "col-number col-extra", testId: "breakdown-average-revenue", cell: (row) => money(row.averageRevenue) },
        ]
      : [];
    return {
      first: (row) => row.visitors,
      columns: [
        { header: "Unique", title: "Visitors who converted", className: "col-number", testId: "breakdown-unique", cell: (row) => formatNumber(row.visitors) },
        { header: "Total", title: "Conversions", className: "col-number col-visitors", testId: "breakdown-total", cell: (row) => formatNumber(row.events ?? 0) },
        { header: "CR", title: "Conversion rate: visitors who converted, of the visitors the other filters match", className: "col-number", testId: "breakdown-conversion-rate", cell: (row) => formatConversionRate(row.conversionRate ?? 0) },
        ...revenue,
      ],
    };
  }
  const isPage = property === "page";
  const first = (row: BreakdownTableRow) => (isPage ? (row.pageviews ?? 0) : (row.visits ?? row.visitors));
  const firstLabel = isPage ? "Views" : visitsLabel;
  const visitFigures: FigureColumn[] = isPage
    ? []
    : [
        { header: "Bounce", className: "col-number col-extra", testId: "breakdown-bounce", cell: (row) => (row.bounceRate === undefined ? "–" : formatRate(row.bounceRate)) },
        {
          header: "Duration",
          className: "col-number col-extra",
          testId: "breakdown-duration",
          cell: (row) => (row.visitDurationMs === undefined ? "–" : <span title={describeDuration(row.visitDurationMs)}>{formatDuration(row.visitDurationMs)}</span>),
        },
      ];
  return {
    first,
    columns: [
      { header: firstLabel, className: "col-number", testId: isPage ? "top-page-views" : "breakdown-visits", cell: (row) => formatNumber(first(row)) },
      { header: "Visitors", className: "col-number col-visitors", testId: isPage ? "top-page-visitors" : "breakdown-visitors", cell: (row) => formatNumber(row.visitors) },
      ...visitFigures,
      { header: `% of ${firstLabel.toLowerCase()}`, className: "col-number col-share", testId: "breakdown-share", cell: (row) => (total === undefined ? "" : formatShare(first(row), total)) },
    ],
  };
}

/**
 * A breakdown as Plausible lays it out: each value with a faint bar behind its name, then its
 * figures and its share. The first figure is the one the Stats API sorts the rows by (a page's
 * views, a visit property's visits: each view has one page and each visit one value, so the shares
 * add up to 100%); the bar is its length against the top row's and the share is of its total
 * (prds/dashboard-figures.md). The name is a button that adds a filter by the value to the dashboard's
 * (a page also has a link to itself beside it). Visit properties show visitors beside visits, and bounce
 * rate and duration where the panel is wide enough; in a panel as narrow as a phone, only the first
 * figure and the share. Goals, events and event property values show their unique and total conversions,
 * conversion rate, and revenue when any.
 */
export function BreakdownTable(props: BreakdownTableProps) {
  const { property, rows, column, filters, onChoose, caption, testId } = props;
  const isPageLike = PAGE_PROPERTIES.includes(property as BreakdownProperty);
  const hintId = useId();
  const { first, columns } = figureColumns(props);
  const [main, ...others] = columns;
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
            {columns.map((figure) => (
              <th key={figure.testId} scope="col" className={figure.className} title={figure.title}>
                {figure.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody onKeyDown={moveBetweenRows}>
          {rows.map((row) => {
            const active = isFilteredBy(filters, property, row.value);
            const { text, title, flag } = describeValue(property, row.value);
            const pageTitle = isPageLike && row.title !== undefined && row.title !== row.value ? row.title : undefined;
            const placeholder = !isStepProperty(property) && isPlaceholderValue(row.value);
            return (
              <tr key={row.value} data-value={row.value} data-path={isPageLike ? row.value : undefined} className={active ? "is-active" : undefined}>
                <th scope="row" className="breakdown-name-cell">
                  <span className="breakdown-bar" style={{ width: `${(first(row) / top) * 100}%` }} aria-hidden="true" />
                  <span className="breakdown-name">
                    <button
                      type="button"
                      className={`breakdown-filter${placeholder ? " is-placeholder" : ""}`}
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
                <td className={`${main.className} breakdown-main`} data-testid={main.testId}>
                  {main.cell(row)}
                </td>
                {others.map((figure) => (
                  <td key={figure.testId} className={figure.className} data-testid={figure.testId}>
                    {figure.cell(row)}
                  </td>
                ))}
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
