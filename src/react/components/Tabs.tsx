import { useRef, useState, type KeyboardEvent, type ReactNode } from "react";

export type TabOption<Id extends string> = { id: Id; label: string };

/** The id of the panel TabPanel renders for `idPrefix`'s tabs. */
export const tabPanelId = (idPrefix: string) => `${idPrefix}-panel`;

/**
 * A row of tabs (WAI-ARIA's tabs pattern, with automatic activation): the selected tab is the one
 * in the page's tab order; ← and → (Home, End) move to and show another. `idPrefix` names the
 * tabs (`${idPrefix}-tab-${id}`) and the panel (`${idPrefix}-panel`), which TabPanel renders.
 */
export function TabList<Id extends string>({
  label,
  tabs,
  selected,
  onSelect,
  idPrefix,
  className,
}: {
  /** The tab list's accessible name, e.g. "Sources". */
  label: string;
  tabs: readonly TabOption<Id>[];
  selected: Id;
  onSelect: (id: Id) => void;
  idPrefix: string;
  className?: string;
}) {
  const refs = useRef(new Map<Id, HTMLButtonElement>());
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = tabs.findIndex((tab) => tab.id === selected);
    let next: number;
    switch (event.key) {
      case "ArrowLeft":
        next = (index - 1 + tabs.length) % tabs.length;
        break;
      case "ArrowRight":
        next = (index + 1) % tabs.length;
        break;
      case "Home":
        next = 0;
        break;
      case "End":
        next = tabs.length - 1;
        break;
      default:
        return;
    }
    // Handled here: the page's own shortcuts (← and → step the date range) leave it alone.
    event.preventDefault();
    const id = tabs[next].id;
    onSelect(id);
    refs.current.get(id)?.focus();
  };
  return (
    <div role="tablist" aria-label={label} className={`tabs${className ? ` ${className}` : ""}`} onKeyDown={onKeyDown}>
      {tabs.map((tab) => {
        const isSelected = tab.id === selected;
        return (
          <button
            key={tab.id}
            ref={(element) => {
              if (element === null) refs.current.delete(tab.id);
              else refs.current.set(tab.id, element);
            }}
            type="button"
            role="tab"
            id={`${idPrefix}-tab-${tab.id}`}
            className="tab"
            aria-selected={isSelected}
            aria-controls={isSelected ? tabPanelId(idPrefix) : undefined}
            tabIndex={isSelected ? 0 : -1}
            onClick={() => onSelect(tab.id)}
          >
            {tab.label}
          </button>
        );
      })}
    </div>
  );
}

/** The selected tab's content. */
export function TabPanel({ idPrefix, selected, children, className }: { idPrefix: string; selected: string; children: ReactNode; className?: string }) {
  return (
    <div role="tabpanel" id={tabPanelId(idPrefix)} aria-labelledby={`${idPrefix}-tab-${selected}`} tabIndex={0} className={className}>
      {children}
    </div>
  );
}

const TAB_STORAGE_PREFIX = "convex-live-stats:tab:";

function readStored(key: string): string | null {
  try {
    return localStorage.getItem(TAB_STORAGE_PREFIX + key);
  } catch {
    return null;
  }
}

/**
 * A choice remembered in this browser (localStorage) so the dashboard opens as it was left: a panel's tab, the
 * funnel shown. Null until something is chosen; whether it is still on offer is the caller's to check.
 */
export function useStoredChoice(key: string): [string | null, (value: string) => void] {
  const [selected, setSelected] = useState<string | null>(() => readStored(key));
  const select = (value: string) => {
    setSelected(value);
    try {
      localStorage.setItem(TAB_STORAGE_PREFIX + key, value);
    } catch {
      // Storage blocked: the choice lasts as long as the page.
    }
  };
  return [selected, select];
}

/** A panel's chosen tab, remembered (useStoredChoice); the first tab when none is, or the one remembered is no longer offered. */
export function useStoredTab<Id extends string>(key: string, ids: readonly Id[]): [Id, (id: Id) => void] {
  const [stored, select] = useStoredChoice(key);
  return [ids.find((id) => id === stored) ?? ids[0], select];
}
