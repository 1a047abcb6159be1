import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type RefObject } from "react";
import { BREAKDOWN_PROPERTIES, FILTER_OPS, type BreakdownProperty, type FilterOp } from "../../shared/config.js";
import { useQuietStableQuery } from "../hooks/useStableQuery.js";
import { useShareToken } from "../hooks/useShareToken.js";
import { refusalOf } from "../lib/refusal.js";
import { withTokenArg } from "../lib/shareToken.js";
import { addFilter, MAX_FILTERS_NOTICE, OP_LABEL, PROPERTY_LABEL, withFiltersArg, type StatsFilter } from "../lib/statsFilter.js";
import { describeValue } from "../lib/statsFormat.js";
import type { ResolvedSelection } from "../lib/statsPeriod.js";
import { useStatsApi } from "../StatsApiContext.js";

/** Values the menu lists for a property: its top values in the range, as a breakdown "Show more" lists them. */
const LISTED_VALUES = 100;

/**
 * The "Filter" button and the form it opens (a non-modal dialog): a property, an operator (is, is not, contains) and
 * a value, picked from the property's values in the shown range under the other filters, or typed (a part of one
 * for "contains"). The first field takes the focus; Escape, Cancel or a click outside closes it and gives the focus
 * back to the button.
 */
export function FilterMenu({
  filters,
  shown,
  onChange,
  buttonRef,
}: {
  filters: readonly StatsFilter[];
  shown: ResolvedSelection | undefined;
  onChange: (filters: readonly StatsFilter[]) => void;
  buttonRef: RefObject<HTMLButtonElement | null>;
}) {
  const [open, setOpen] = useState(false);
  const container = useRef<HTMLDivElement>(null);
  const dialogId = useId();
  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    const outside = (event: MouseEvent) => {
      if (!container.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", outside);
    return () => document.removeEventListener("mousedown", outside);
  }, [open]);

  return (
    <div className="filter-menu" ref={container}>
      <button
        ref={buttonRef}
        type="button"
        className="button button-quiet button-small filter-menu-button"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? dialogId : undefined}
        onClick={() => setOpen(!open)}
        data-testid="filter-menu-button"
      >
        <FilterIcon /> Filter
      </button>
      {open && (
        <FilterForm
          id={dialogId}
          filters={filters}
          shown={shown}
          onApply={(next) => {
            onChange(next);
            close();
          }}
          onClose={close}
        />
      )}
    </div>
  );
}

function FilterForm(props: {
  id: string;
  filters: readonly StatsFilter[];
  shown: ResolvedSelection | undefined;
  onApply: (filters: StatsFilter[]) => void;
  onClose: () => void;
}) {
  const { filters, shown } = props;
  const [property, setProperty] = useState<BreakdownProperty>(BREAKDOWN_PROPERTIES[0]);
  const [op, setOp] = useState<FilterOp>("is");
  // What is typed, and the listed value chosen (a country's code behind its name), until the text changes again.
  const [text, setText] = useState("");
  const [chosen, setChosen] = useState<string | null>(null);
  const firstField = useRef<HTMLSelectElement>(null);
  const ids = { title: useId(), value: useId(), values: useId(), note: useId() };

  useEffect(() => firstField.current?.focus(), []);

  const value = op === "contains" ? text.trim() : (chosen ?? text.trim());
  const next = value === "" ? null : addFilter(filters, { property, op, value });
  const full = value !== "" && next === null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (next !== null) props.onApply(next);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== "Escape") return;
    // The dialog's own Escape: nothing else on the page acts on it.
    event.stopPropagation();
    props.onClose();
  };

  return (
    <div className="filter-dialog" role="dialog" id={props.id} aria-labelledby={ids.title} onKeyDown={onKeyDown} data-testid="filter-dialog">
      <form onSubmit={submit} noValidate>
        <h2 className="filter-dialog-title" id={ids.title}>
          Add a filter
        </h2>
        <label className="filter-field">
          Property
          <select
            ref={firstField}
            value={property}
            onChange={(event) => {
              setProperty(event.target.value as BreakdownProperty);
              setChosen(null);
            }}
          >
            {BREAKDOWN_PROPERTIES.map((each) => (
              <option key={each} value={each}>
                {PROPERTY_LABEL[each]}
              </option>
            ))}
          </select>
        </label>
        <label className="filter-field">
          Operator
          <select value={op} onChange={(event) => setOp(event.target.value as FilterOp)}>
            {FILTER_OPS.map((each) => (
              <option key={each} value={each}>
                {OP_LABEL[each]}
              </option>
            ))}
          </select>
        </label>
        {op === "contains" ? (
          <label className="filter-field filter-field-value">
            Text
            <input type="text" value={text} onChange={(event) => setText(event.target.value)} aria-describedby={ids.note} autoComplete="off" />
          </label>
        ) : (
          <ValuePicker
            ids={ids}
            property={property}
            filters={filters}
            shown={shown}
            text={text}
            chosen={chosen}
            onType={(typed) => {
              setText(typed);
              setChosen(null);
            }}
            onChoose={(listed, label) => {
              setText(label);
              setChosen(listed);
            }}
          />
        )}
        <p className="filter-dialog-note" id={ids.note} role={full ? "alert" : undefined}>
          {full
            ? MAX_FILTERS_NOTICE
            : op === "contains"
              ? "Matches any value with this text in it, in upper or lower case."
              : "Choose a listed value, or type one."}
        </p>
        <div className="filter-dialog-actions">
          <button type="button" className="button button-quiet button-small" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-small" disabled={next === null}>
            Apply
          </button>
        </div>
      </form>
    </div>
  );
}

/**
 * The value of an "is" or "is not" filter: a text field that narrows the property's listed values (a combobox: ↑ and ↓
 * choose among them, Enter takes one), each listed as the dashboard writes it. The values are the property's
 * breakdown for the shown range under the dashboard's other filters (those on this property would list only
 * themselves); when the server refuses that, it says why, and a typed value still works.
 */
function ValuePicker(props: {
  ids: { value: string; values: string; note: string };
  property: BreakdownProperty;
  filters: readonly StatsFilter[];
  shown: ResolvedSelection | undefined;
  text: string;
  chosen: string | null;
  onType: (text: string) => void;
  onChoose: (value: string, label: string) => void;
}) {
  const { ids, property, shown, text } = props;
  const api = useStatsApi();
  const token = useShareToken();
  const others = props.filters.filter((filter) => filter.property !== property);
  const values = useQuietStableQuery(
    api.breakdown,
    shown === undefined ? "skip" : withTokenArg(withFiltersArg({ property, ...shown.range, limit: LISTED_VALUES }, others), token),
  );
  const [active, setActive] = useState(-1);
  const typed = props.chosen === null ? text.trim().toLowerCase() : "";
  const options = (values.isStale ? [] : (values.data ?? []))
    .map(({ value }) => ({ value, label: describeValue(property, value).text }))
    .filter(({ value, label }) => typed === "" || label.toLowerCase().includes(typed) || value.toLowerCase().includes(typed));
  const refusal = values.error === undefined ? null : (refusalOf(values.error)?.message ?? "Couldn't list the values.");
  const optionId = (index: number) => `${ids.values}-${index}`;

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const to = { ArrowDown: Math.min(active + 1, options.length - 1), ArrowUp: Math.max(active - 1, 0) }[event.key];
    if (to !== undefined && options.length > 0) {
      event.preventDefault();
      setActive(to);
    } else if (event.key === "Enter" && active >= 0 && active < options.length) {
      event.preventDefault();
      props.onChoose(options[active].value, options[active].label);
      setActive(-1);
    }
  };

  return (
    <div className="filter-field filter-field-value">
      <label htmlFor={ids.value}>Value</label>
      <input
        id={ids.value}
        type="text"
        role="combobox"
        aria-expanded={options.length > 0}
        aria-controls={ids.values}
        aria-autocomplete="list"
        aria-activedescendant={active >= 0 && active < options.length ? optionId(active) : undefined}
        aria-describedby={ids.note}
        autoComplete="off"
        value={text}
        onChange={(event) => {
          props.onType(event.target.value);
          setActive(-1);
        }}
        onKeyDown={onKeyDown}
      />
      {refusal !== null && (
        <p className="filter-values-note" role="status">
          {refusal}
        </p>
      )}
      <ul className="filter-values" id={ids.values} role="listbox" aria-label={`${PROPERTY_LABEL[property]} values`} aria-busy={values.data === undefined && values.error === undefined}>
        {options.map(({ value, label }, index) => (
          <li
            key={value}
            id={optionId(index)}
            role="option"
            aria-selected={props.chosen === value || index === active}
            className={index === active ? "is-active" : undefined}
            // Chosen with the pointer without taking the focus from the text field.
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => props.onChoose(value, label)}
          >
            {label}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A funnel. */
function FilterIcon() {
  return (
    <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path d="M2 3h12l-4.5 5.5V13l-3-1.5V8.5z" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" />
    </svg>
  );
}
