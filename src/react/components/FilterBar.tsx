import { describeFilter, type StatsFilter } from "../lib/statsFilter.js";

/** The dashboard's filter as a chip ("Source is Google ×") above the figures it narrows; nothing when there is none. */
export function FilterBar({ filter, onRemove }: { filter: StatsFilter | null; onRemove: () => void }) {
  if (filter === null) return null;
  const { property, value, sentence } = describeFilter(filter);
  return (
    <div className="filter-bar" data-testid="filter-bar">
      <span className="filter-bar-label" id="filter-bar-label">
        Filtered by
      </span>
      <ul className="filter-chips" aria-labelledby="filter-bar-label">
        <li className="filter-chip" data-testid="filter-chip" title={sentence}>
          <span className="filter-chip-text">
            {property} is <strong>{value}</strong>
          </span>
          <button type="button" className="filter-chip-remove" aria-label={`Remove filter: ${sentence}`} title="Remove filter" onClick={onRemove}>
            <span aria-hidden="true">×</span>
          </button>
        </li>
      </ul>
    </div>
  );
}
