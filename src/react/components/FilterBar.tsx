import { useRef } from "react";
import { describeFilter, type StatsFilter } from "../lib/statsFilter.js";
import type { ResolvedSelection } from "../lib/statsPeriod.js";
import { FilterMenu } from "./FilterMenu.js";

/**
 * The dashboard's filters above the figures they narrow: the "Filter" menu that adds one, then each filter as a chip
 * ("Source is not Google ×") removed on its own. `notice` says why a filter could not be added (at most MAX_FILTERS).
 */
export function FilterBar({
  filters,
  shown,
  onChange,
  notice,
}: {
  filters: readonly StatsFilter[];
  /** The resolved range, whose values the menu lists; undefined while it loads. */
  shown: ResolvedSelection | undefined;
  onChange: (filters: readonly StatsFilter[]) => void;
  notice: string | null;
}) {
  const menuButton = useRef<HTMLButtonElement>(null);
  const remove = (index: number) => {
    onChange(filters.filter((_, at) => at !== index));
    // The chip and its button are gone: the focus goes to the menu, not to the page's start.
    menuButton.current?.focus();
  };
  return (
    <div className="filter-bar" data-testid="filter-bar">
      <FilterMenu filters={filters} shown={shown} onChange={onChange} buttonRef={menuButton} />
      {filters.length > 0 && (
        <>
          <span className="filter-bar-label" id="filter-bar-label">
            Filtered by
          </span>
          <ul className="filter-chips" aria-labelledby="filter-bar-label">
            {filters.map((filter, index) => {
              const { property, op, value, sentence } = describeFilter(filter);
              return (
                <li key={`${filter.property}${filter.op}${filter.value}`} className="filter-chip" data-testid="filter-chip" data-op={filter.op} title={sentence}>
                  <span className="filter-chip-text">
                    {property} {op} <strong>{value}</strong>
                  </span>
                  <button type="button" className="filter-chip-remove" aria-label={`Remove filter: ${sentence}`} title="Remove filter" onClick={() => remove(index)}>
                    <span aria-hidden="true">×</span>
                  </button>
                </li>
              );
            })}
          </ul>
        </>
      )}
      {/* Always there, so a screen reader hears a notice as it appears. */}
      <p className="filter-bar-notice" role="status" data-testid="filter-notice">
        {notice}
      </p>
    </div>
  );
}
