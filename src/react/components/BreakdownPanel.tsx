import { useState, type CSSProperties } from "react";
import type { BreakdownProperty } from "../../shared/config.js";
import type { StatsFilter } from "../lib/statsFilter.js";
import { RefusalNote, type Narrowing } from "./RefusalNote.js";
import type { ResolvedSelection } from "../lib/statsPeriod.js";
import type { BreakdownPart, LivePart, Summary } from "../hooks/useDashboardStats.js";
import { formatNumber } from "../lib/format.js";
import { BreakdownTable } from "./BreakdownTable.js";
import { TabList, TabPanel, tabPanelId, useStoredTab } from "./Tabs.js";

/** Rows a breakdown shows at first, and after "Show more". */
export const BREAKDOWN_ROWS = 10;
export const BREAKDOWN_EXPANDED_ROWS = 100;

export type BreakdownTab<Id extends string = string> = {
  id: Id;
  /** The tab's name, e.g. "Referrers". */
  label: string;
  property: BreakdownProperty;
  /** The name column's header, e.g. "Referrer". */
  column: string;
  /** What a visit is called here ("Entrances" for entry pages). */
  visitsLabel?: string;
  /** The data-testid of the tab's table; default `breakdown-${id}`. */
  testId?: string;
};

export type BreakdownPanelSpec<Id extends string = string> = {
  /** Names the panel's ids and its remembered tab, e.g. "sources". */
  id: string;
  title: string;
  tabs: readonly BreakdownTab<Id>[];
};

/** Which tab of a panel is chosen (remembered) and how many rows it shows: the dashboard keeps them, to ask for every panel's breakdown at once. */
export type BreakdownChoice = { tab: BreakdownTab; choose: (id: string) => void; limit: number; setLimit: (limit: number) => void };

/**
 * "Show more" that expands a panel in place (prds/dashboard-figures.md): up to 100 rows, which scroll within the height
 * the first 10 took (measured as it expands), so the panel keeps its grid cell and its neighbours do not move. The
 * panel takes `expanded` (its `is-expanded` class) and `panelStyle`, and shows ShowMoreFooter.
 */
export type ShowMore = { limit: number; expanded: boolean; toggle: () => void; tabPanelId: string; panelStyle: CSSProperties | undefined };

export function useShowMore(limit: number, setLimit: (limit: number) => void, tabPanelId: string): ShowMore {
  // The rows' height before "Show more": the expanded rows scroll within it.
  const [rowsHeight, setRowsHeight] = useState<number | null>(null);
  const expanded = limit > BREAKDOWN_ROWS;
  const toggle = () => {
    if (!expanded) setRowsHeight(rowsHeightIn(tabPanelId));
    setLimit(expanded ? BREAKDOWN_ROWS : BREAKDOWN_EXPANDED_ROWS);
  };
  const panelStyle = expanded && rowsHeight !== null ? ({ "--breakdown-rows-height": `${rowsHeight}px` } as CSSProperties) : undefined;
  return { limit, expanded, toggle, tabPanelId, panelStyle };
}

/**
 * The height the rows may take: from their top to the tab panel's bottom (a toolbar above them is not theirs).
 * Fractional, as laid out: a rounded height would move the panels below by a fraction of a pixel.
 */
function rowsHeightIn(tabPanelId: string): number | null {
  const panel = document.getElementById(tabPanelId);
  const rows = panel?.querySelector(".breakdown-scroll") ?? panel;
  if (panel === null || rows == null) return null;
  return panel.getBoundingClientRect().bottom - rows.getBoundingClientRect().top || null;
}

/** While a panel may have more rows, or shows them: how many there are, and one button that turns from "Show more" to "Show fewer". */
export function ShowMoreFooter({ showMore, rows, isStale }: { showMore: ShowMore; rows: readonly unknown[] | undefined; isStale: boolean }) {
  const { limit, expanded, toggle, tabPanelId } = showMore;
  const mayHaveMore = rows !== undefined && rows.length >= limit && limit < BREAKDOWN_EXPANDED_ROWS;
  if (!mayHaveMore && !expanded) return null;
  return (
    <div className="breakdown-footer">
      {expanded && rows !== undefined && rows.length > BREAKDOWN_ROWS && (
        // The rows scroll within the panel: say there are more than the eye sees.
        <span className="breakdown-count" data-testid="breakdown-count">
          {formatNumber(rows.length)} rows: scroll to see them all
        </span>
      )}
      {/* One button, so focus stays on it as it turns from "Show more" to "Show fewer". */}
      <button type="button" className="button button-quiet button-small" onClick={toggle} disabled={!expanded && isStale} aria-expanded={expanded} aria-controls={tabPanelId}>
        {expanded ? "Show fewer" : "Show more"}
      </button>
    </div>
  );
}

export function useBreakdownChoice<Id extends string>(spec: BreakdownPanelSpec<Id>): BreakdownChoice {
  const ids = spec.tabs.map((tab) => tab.id);
  const [selected, setSelected] = useStoredTab<Id>(spec.id, ids);
  const [limit, setLimit] = useState(BREAKDOWN_ROWS);
  const tab = spec.tabs.find((candidate) => candidate.id === selected) ?? spec.tabs[0];
  const choose = (id: string) => {
    if (!(ids as string[]).includes(id)) return;
    setSelected(id as Id);
    setLimit(BREAKDOWN_ROWS);
  };
  return { tab, choose, limit, setLimit };
}

/**
 * One of the dashboard's breakdown panels: a heading, tabs (one breakdown each), and the chosen
 * tab's table, 10 rows first and up to 100 on "Show more", which expand in place: the rows scroll
 * within the height the 10 took, so the panel keeps its cell and its neighbours do not move. A
 * filtered breakdown the server refuses as too broad says so here; a failure of the range's query
 * shows in the panel's error boundary.
 */
export function BreakdownPanel<Id extends string>({
  spec,
  choice,
  answer,
  summary,
  shown,
  filters,
  onChoose,
  narrow,
}: {
  spec: BreakdownPanelSpec<Id>;
  choice: BreakdownChoice;
  /** The chosen tab's breakdown, and the range's summary for the rows' shares. */
  answer: BreakdownPart;
  summary: LivePart<Summary>;
  /** The resolved range; undefined while it loads. */
  shown: ResolvedSelection | undefined;
  filters: readonly StatsFilter[];
  /** A row chosen: its `is` filter added, or removed when on. */
  onChoose: (property: BreakdownProperty, value: string) => void;
  /** The shown range from a refused filter's earliest exact start, when there is one. */
  narrow: (availableFrom: number) => Narrowing | null;
}) {
  if (answer.error !== undefined) throw answer.error;
  const { tab, choose, limit, setLimit } = choice;
  const { data: rows, isStale, refused: tooBroad } = answer;
  const idPrefix = `${spec.id}-breakdown`;
  const showMore = useShowMore(limit, setLimit, tabPanelId(idPrefix));
  const headingId = `${spec.id}-heading`;
  // The first figure's total (BreakdownTable): the range's page views for pages, its visits for a visit property.
  const total = summary.data === undefined ? undefined : tab.property === "page" ? summary.data.pageviews : summary.data.visits;

  const testId = tab.testId ?? `breakdown-${tab.id}`;

  return (
    <section
      className={`panel breakdown-panel${showMore.expanded ? " is-expanded" : ""}${isStale ? " is-stale" : ""}`}
      aria-labelledby={headingId}
      aria-busy={isStale || undefined}
      data-testid={`${spec.id}-panel`}
      style={showMore.panelStyle}
    >
      <div className="breakdown-header">
        <h2 id={headingId} className="panel-title">
          {spec.title}
        </h2>
        {spec.tabs.length > 1 && <TabList label={spec.title} tabs={spec.tabs} selected={tab.id} onSelect={choose} idPrefix={idPrefix} />}
      </div>
      <TabPanel idPrefix={idPrefix} selected={tab.id} className="breakdown-tabpanel">
        {tooBroad !== null ? (
          <RefusalNote refusal={tooBroad} narrow={narrow} testId="breakdown-too-broad" />
        ) : rows === undefined ? (
          <div className="skeleton skeleton-block" aria-busy="true" aria-label={`Loading ${tab.label.toLowerCase()}`} />
        ) : rows.length === 0 ? (
          <p className="panel-empty breakdown-empty" data-testid={testId}>
            {filters.length === 0 ? "Nothing in this range yet." : "Nothing matches the filters in this range."}
          </p>
        ) : (
          <BreakdownTable
            property={tab.property}
            rows={rows}
            column={tab.column}
            visitsLabel={tab.visitsLabel}
            total={total}
            filters={filters}
            onChoose={(value) => onChoose(tab.property, value)}
            caption={`${tab.label}${shown === undefined ? "" : `, ${shown.label}`}`}
            testId={testId}
          />
        )}
      </TabPanel>
      {tooBroad === null && <ShowMoreFooter showMore={showMore} rows={rows} isStale={isStale} />}
    </section>
  );
}
