import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type RefObject } from "react";
import { BREAKDOWN_PROPERTIES, EVENT_PROP_KEYS, EVENT_PROP_PREFIX, EVENT_PROPERTY, FILTER_OPS, GOAL_PROPERTY, type FilterOp, type FilterProperty } from "../../shared/config.js";
import { useConversionSetup } from "../hooks/useConversionSetup.js";
import { useQuietStableQuery } from "../hooks/useStableQuery.js";
import { useShareToken } from "../hooks/useShareToken.js";
import { refusalOf } from "../lib/refusal.js";
import { withTokenArg } from "../lib/shareToken.js";
import { addFilter, filterOps, filterPropertyLabel, MAX_FILTERS_NOTICE, OP_LABEL, PROPERTY_LABEL, withFiltersArg, type StatsFilter } from "../lib/statsFilter.js";
import { describeValue } from "../lib/statsFormat.js";
import type { ResolvedSelection } from "../lib/statsPeriod.js";
import { useStatsApi } from "../StatsApiContext.js";

/** Values the menu lists for a property: its top values in the range, as a breakdown "Show more" lists them. */
const LISTED_VALUES = 100;

/**
 * The "Filter" button and the form it opens (a non-modal dialog): a property (a page's or a visit's, a goal, an event's
 * name, or an event property's value, its key picked first), an operator (is, is not, contains: a goal takes "is"
 * only) and a value, picked from the property's values in the shown range under the other filters, or typed (a part
 * of one for "contains"). The first field takes the focus; Escape, Cancel or a click outside closes it and gives the
 * focus back to the button.
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

/** The menu's properties: pages and visit properties, then conversions (EVENT_PROP_PREFIX alone: an event's property, its key chosen next). */
const PROPERTY_GROUPS: readonly { label: string; properties: readonly { property: FilterProperty; label: string }[] }[] = [
  { label: "Pages and visits", properties: BREAKDOWN_PROPERTIES.map((property) => ({ property, label: PROPERTY_LABEL[property] })) },
  {
    label: "Goals and events",
    properties: [
      { property: GOAL_PROPERTY, label: filterPropertyLabel(GOAL_PROPERTY) },
      { property: EVENT_PROPERTY, label: filterPropertyLabel(EVENT_PROPERTY) },
      { property: EVENT_PROP_PREFIX, label: "Property" },
    ],
  },
];

/** A field's text and the listed value chosen in it (a country's code behind its name), until the text changes again. */
function useTypedOrListed() {
  const [text, setText] = useState("");
  const [chosen, setChosen] = useState<string | null>(null);
  return {
    text,
    chosen,
    value: chosen ?? text.trim(),
    type: (typed: string) => {
      setText(typed);
      setChosen(null);
    },
    choose: (listed: string, label: string) => {
      setText(label);
      setChosen(listed);
    },
    forget: () => setChosen(null),
  };
}

function FilterForm(props: {
  id: string;
  filters: readonly StatsFilter[];
  shown: ResolvedSelection | undefined;
  onApply: (filters: StatsFilter[]) => void;
  onClose: () => void;
}) {
  const { filters, shown } = props;
  const [picked, setPicked] = useState<FilterProperty>(BREAKDOWN_PROPERTIES[0]);
  const [op, setOp] = useState<FilterOp>("is");
  const key = useTypedOrListed();
  const entry = useTypedOrListed();
  const setup = useConversionSetup();
  const firstField = useRef<HTMLSelectElement>(null);
  const ids = { title: useId(), opHint: useId(), key: useId(), keys: useId(), value: useId(), values: useId(), note: useId() };

  useEffect(() => firstField.current?.focus(), []);

  const byKey = picked === EVENT_PROP_PREFIX;
  const property: FilterProperty | null = !byKey ? picked : key.value === "" ? null : `${EVENT_PROP_PREFIX}${key.value}`;
  const ops = filterOps(picked);
  const value = op === "contains" ? entry.text.trim() : entry.value;
  // The Stats API refuses a goal it does not know: said here rather than by every panel.
  const unknownGoal = property === GOAL_PROPERTY && value !== "" && setup !== undefined && !(setup instanceof Error) && !setup.goals.some((goal) => goal.name === value);
  const next = property === null || value === "" || unknownGoal ? null : addFilter(filters, { property, op, value });
  const full = property !== null && value !== "" && !unknownGoal && next === null;

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
  const pick = (chosen: FilterProperty) => {
    setPicked(chosen);
    if (!filterOps(chosen).includes(op)) setOp("is");
    entry.forget();
  };

  return (
    <div className="filter-dialog" role="dialog" id={props.id} aria-labelledby={ids.title} onKeyDown={onKeyDown} data-testid="filter-dialog">
      <form onSubmit={submit} noValidate>
        <h2 className="filter-dialog-title" id={ids.title}>
          Add a filter
        </h2>
        <label className="filter-field">
          Property
          <select ref={firstField} value={picked} onChange={(event) => pick(event.target.value as FilterProperty)}>
            {PROPERTY_GROUPS.map((group) => (
              <optgroup key={group.label} label={group.label}>
                {group.properties.map((each) => (
                  <option key={each.property} value={each.property}>
                    {each.label}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
        {byKey && (
          <ValuePicker
            label="Key"
            ids={{ value: ids.key, values: ids.keys, note: ids.note }}
            listName="Property keys"
            // The keys the events under the dashboard's filters carry.
            listed={{ property: EVENT_PROP_KEYS, filters, describe: (listedKey) => listedKey }}
            shown={shown}
            typed={key}
            onChange={entry.forget}
          />
        )}
        <label className="filter-field">
          Operator
          <select value={op} onChange={(event) => setOp(event.target.value as FilterOp)} aria-describedby={ops.length < FILTER_OPS.length ? ids.opHint : undefined}>
            {FILTER_OPS.map((each) => (
              <option key={each} value={each} disabled={!ops.includes(each)}>
                {OP_LABEL[each]}
              </option>
            ))}
          </select>
        </label>
        {ops.length < FILTER_OPS.length && (
          <p className="filter-dialog-note" id={ids.opHint}>
            A goal filter takes "is" only: it keeps the visits that reached the goal.
          </p>
        )}
        {op === "contains" ? (
          <label className="filter-field filter-field-value">
            Text
            <input type="text" value={entry.text} onChange={(event) => entry.type(event.target.value)} aria-describedby={ids.note} autoComplete="off" />
          </label>
        ) : (
          <ValuePicker
            label="Value"
            ids={ids}
            listName={property === null ? "Values" : `${filterPropertyLabel(property)} values`}
            // An event property's values are listed once its key is picked from the list, not for each letter typed.
            listed={
              property === null || (byKey && key.chosen === null)
                ? null
                : { property, filters: filters.filter((filter) => filter.property !== property), describe: (listedValue) => describeValue(property, listedValue).text }
            }
            shown={shown}
            typed={entry}
          />
        )}
        <p className="filter-dialog-note" id={ids.note} role={full ? "alert" : undefined}>
          {full
            ? MAX_FILTERS_NOTICE
            : unknownGoal
              ? `No goal is named "${value}".`
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
 * A text field that narrows a breakdown's listed values (a combobox: ↑ and ↓ choose among them, Enter takes one), each
 * listed as the dashboard writes it: an "is" or "is not" filter's value, or an event property's key. The values are
 * the breakdown's rows for the shown range under the filters given (the dashboard's others: those on this property
 * would list only themselves); when the server refuses that, it says why, and a typed value still works.
 */
function ValuePicker(props: {
  label: string;
  ids: { value: string; values: string; note: string };
  listName: string;
  /** The breakdown to list, under which filters, and how to write its values; null lists nothing. */
  listed: { property: string; filters: readonly StatsFilter[]; describe: (value: string) => string } | null;
  shown: ResolvedSelection | undefined;
  typed: ReturnType<typeof useTypedOrListed>;
  /** Called as the field changes, typed or chosen. */
  onChange?: () => void;
}) {
  const { ids, listed, shown, typed } = props;
  const api = useStatsApi();
  const token = useShareToken();
  const values = useQuietStableQuery(
    api.breakdown,
    shown === undefined || listed === null ? "skip" : withTokenArg(withFiltersArg({ property: listed.property, ...shown.range, limit: LISTED_VALUES }, listed.filters), token),
  );
  const [active, setActive] = useState(-1);
  const narrowedBy = typed.chosen === null ? typed.text.trim().toLowerCase() : "";
  const options = (values.isStale || listed === null ? [] : (values.data ?? []).map(({ value }) => ({ value, label: listed.describe(value) })))
    .filter(({ value, label }) => narrowedBy === "" || label.toLowerCase().includes(narrowedBy) || value.toLowerCase().includes(narrowedBy));
  const refusal = values.error === undefined || listed === null ? null : (refusalOf(values.error)?.message ?? "Couldn't list the values.");
  const optionId = (index: number) => `${ids.values}-${index}`;
  const choose = (value: string, label: string) => {
    typed.choose(value, label);
    props.onChange?.();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const to = { ArrowDown: Math.min(active + 1, options.length - 1), ArrowUp: Math.max(active - 1, 0) }[event.key];
    if (to !== undefined && options.length > 0) {
      event.preventDefault();
      setActive(to);
    } else if (event.key === "Enter" && active >= 0 && active < options.length) {
      event.preventDefault();
      choose(options[active].value, options[active].label);
      setActive(-1);
    }
  };

  return (
    <div className="filter-field filter-field-value">
      <label htmlFor={ids.value}>{props.label}</label>
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
        value={typed.text}
        onChange={(event) => {
          typed.type(event.target.value);
          props.onChange?.();
          setActive(-1);
        }}
        onKeyDown={onKeyDown}
      />
      {refusal !== null && (
        <p className="filter-values-note" role="status">
          {refusal}
        </p>
      )}
      <ul
        className="filter-values"
        id={ids.values}
        role="listbox"
        aria-label={props.listName}
        aria-busy={listed !== null && values.data === undefined && values.error === undefined}
      >
        {options.map(({ value, label }, index) => (
          <li
            key={value}
            id={optionId(index)}
            role="option"
            aria-selected={typed.chosen === value || index === active}
            className={index === active ? "is-active" : undefined}
            // Chosen with the pointer without taking the focus from the text field.
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => choose(value, label)}
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
