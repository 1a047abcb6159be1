import { useEffect, useId, useRef, useState, type FormEvent, type RefObject } from "react";
import type { StatsRangeControls } from "../hooks/useStatsRange.js";
import { useKeyboardShortcuts } from "../hooks/useKeyboardShortcuts.js";
import { COMPARISONS, PERIOD_OPTIONS, rangeDates, type Comparison, type NamedPeriod } from "../lib/statsPeriod.js";

const SHORTCUTS_HINT = `Keyboard shortcuts: ${PERIOD_OPTIONS.map(({ shortcut, label }) => `${shortcut} ${label.toLowerCase()}`).join(", ")}; left and right arrows: the previous and next period.`;

/**
 * Chooses the dashboard's range: a labelled native select of periods, buttons
 * (and ←, →) for the period before and after, and two date fields for a custom
 * range; beside it, what the figures are compared with. Plausible's single-key
 * shortcuts work anywhere on the page except while typing in a field.
 */
export function PeriodPicker({ controls }: { controls: StatsRangeControls }) {
  const { state, selection, select, canShift, shift, applyCustom, comparison, chooseComparison } = controls;
  const shown = state.status === "ready" ? state : undefined;
  // "Custom range" chosen, its dates not applied yet: the figures still show the previous range.
  const [drafting, setDrafting] = useState(false);
  const [focusRequests, setFocusRequests] = useState(0);
  const fromInput = useRef<HTMLInputElement>(null);
  const selectId = useId();
  const hintId = useId();
  const customOpen = drafting || selection.period === "custom";

  useEffect(() => {
    if (focusRequests > 0) fromInput.current?.focus();
  }, [focusRequests]);

  const choose = (period: NamedPeriod | "custom") => {
    if (period === "custom") {
      setDrafting(true);
      setFocusRequests((count) => count + 1);
      return;
    }
    setDrafting(false);
    select({ period });
  };

  useKeyboardShortcuts({
    ...Object.fromEntries(PERIOD_OPTIONS.map(({ period, shortcut }) => [shortcut.toLowerCase(), () => choose(period)])),
    // Only when there is somewhere to go, so an arrow that cannot move the range still scrolls the page.
    ...(canShift.back && { ArrowLeft: () => shift(-1) }),
    ...(canShift.forward && { ArrowRight: () => shift(1) }),
  });

  const initial = selection.period === "custom" ? selection : shown !== undefined ? rangeDates(shown.range, shown.timeZone) : null;

  return (
    <div className="period-picker">
      <div className="period-controls">
        <StepButton direction={-1} enabled={canShift.back} onClick={() => shift(-1)} />
        <label className="visually-hidden" htmlFor={selectId}>
          Date range
        </label>
        <select
          id={selectId}
          className="period-select"
          value={customOpen ? "custom" : selection.period}
          onChange={(event) => choose(event.target.value as NamedPeriod | "custom")}
          aria-describedby={hintId}
          title={SHORTCUTS_HINT}
        >
          {PERIOD_OPTIONS.map(({ period, label }) => (
            <option key={period} value={period}>
              {label}
            </option>
          ))}
        </select>
        <StepButton direction={1} enabled={canShift.forward} onClick={() => shift(1)} />
        <p className="visually-hidden" id={hintId}>
          {SHORTCUTS_HINT}
        </p>
      </div>
      <ComparisonSelect value={comparison} onChange={chooseComparison} />
      {customOpen && initial !== null && (
        <CustomRangeForm
          // New dates from elsewhere (a shortcut, the back button) start the form afresh.
          key={`${initial.from}/${initial.to}`}
          initial={initial}
          today={shown?.today}
          fromInput={fromInput}
          onApply={(from, to) => {
            const error = applyCustom(from, to);
            if (error === null) setDrafting(false);
            return error;
          }}
          onCancel={selection.period === "custom" ? undefined : () => setDrafting(false)}
        />
      )}
    </div>
  );
}

function ComparisonSelect({ value, onChange }: { value: Comparison; onChange: (comparison: Comparison) => void }) {
  return (
    <label className="comparison-picker">
      <span className="comparison-picker-label">Compare with</span>
      <select className="period-select" value={value} onChange={(event) => onChange(event.target.value as Comparison)} data-testid="comparison-select">
        {Object.entries(COMPARISONS).map(([comparison, { label }]) => (
          <option key={comparison} value={comparison}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}

function StepButton({ direction, enabled, onClick }: { direction: -1 | 1; enabled: boolean; onClick: () => void }) {
  const name = direction === -1 ? "Previous period" : "Next period";
  return (
    <button
      type="button"
      className="period-step"
      aria-label={name}
      title={`${name} (${direction === -1 ? "←" : "→"})`}
      aria-keyshortcuts={direction === -1 ? "ArrowLeft" : "ArrowRight"}
      disabled={!enabled}
      onClick={onClick}
    >
      <span aria-hidden="true">{direction === -1 ? "‹" : "›"}</span>
    </button>
  );
}

function CustomRangeForm(props: {
  initial: { from: string; to: string };
  today: string | undefined;
  fromInput: RefObject<HTMLInputElement | null>;
  /** Shows the dates; returns why it cannot, or null. */
  onApply: (from: string, to: string) => string | null;
  /** Absent when the custom range is what is shown: there is nothing to go back to. */
  onCancel: (() => void) | undefined;
}) {
  const [from, setFrom] = useState(props.initial.from);
  const [to, setTo] = useState(props.initial.to);
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();
  const describedBy = error === null ? undefined : errorId;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setError(props.onApply(from, to));
  };

  return (
    // noValidate: resolvePeriod's messages say what is wrong, in every browser, in the words the API uses.
    <form className="custom-range" aria-label="Custom range" onSubmit={submit} noValidate>
      <label>
        From
        <input type="date" ref={props.fromInput} value={from} max={props.today} onChange={(e) => setFrom(e.target.value)} aria-invalid={error !== null} aria-describedby={describedBy} />
      </label>
      <label>
        To
        <input type="date" value={to} max={props.today} onChange={(e) => setTo(e.target.value)} aria-invalid={error !== null} aria-describedby={describedBy} />
      </label>
      <button type="submit" className="button button-small">
        Apply
      </button>
      {props.onCancel !== undefined && (
        <button type="button" className="button button-quiet button-small" onClick={props.onCancel}>
          Cancel
        </button>
      )}
      {error !== null && (
        <p className="custom-range-error" id={errorId} role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
