import { useState, type ReactNode } from "react";
import { EVENT_PROP_KEYS, EVENT_PROP_PREFIX, EVENT_PROPERTY, GOAL_PROPERTY, type FilterProperty } from "../../shared/config.js";
import type { BreakdownPart, BreakdownRequest } from "../hooks/useDashboardStats.js";
import type { ConversionSetup } from "../hooks/useConversionSetup.js";
import { convertedStep, isFilteredBy, type StatsFilter } from "../lib/statsFilter.js";
import { BREAKDOWN_EXPANDED_ROWS, BREAKDOWN_ROWS, ShowMoreFooter, useShowMore } from "./BreakdownPanel.js";
import { BreakdownTable } from "./BreakdownTable.js";
import { RefusalNote, type Narrowing } from "./RefusalNote.js";
import { TabList, TabPanel, tabPanelId, useStoredChoice, useStoredTab } from "./Tabs.js";

/** Names the panel's tabs and tab panel. */
const TABS_ID = "conversions";
const GOALS_TAB = { id: GOAL_PROPERTY, label: "Goals" } as const;
const EVENTS_TAB = { id: EVENT_PROPERTY, label: "Events" } as const;
const PROPERTIES_TAB = { id: EVENT_PROP_KEYS, label: "Properties" } as const;
export type ConversionsTab = typeof GOAL_PROPERTY | typeof EVENT_PROPERTY | typeof EVENT_PROP_KEYS;

/** What the Goals panel shows, and the breakdowns the dashboard asks for it in its one query. */
export type ConversionsChoice = {
  /** The tab shown: Properties only while a goal or event filter names whose events' properties to list. */
  tab: ConversionsTab;
  tabs: readonly { id: ConversionsTab; label: string }[];
  choose: (tab: ConversionsTab) => void;
  /** The goal or event filter the Properties tab breaks down (convertedStep); null when none. */
  step: StatsFilter | null;
  /** The property keys its events carry, as last answered for the Properties tab (not another tab's rows the keys' part still holds while it loads). */
  keys: readonly string[];
  /** The property whose values the Properties tab shows: the one chosen last when the step's events carry it, else their first; null until their keys are known. */
  propertyKey: string | null;
  chooseKey: (key: string) => void;
  /** The rows the table shown asks for (goals, events or a key's values): 10, or 100 after "Show more"; back to 10 on another tab or key. */
  limit: number;
  setLimit: (limit: number) => void;
  /** The breakdowns to ask: the tab's, or for Properties the keys and the chosen key's values. */
  requests: BreakdownRequest[];
  /** Takes the keys' answer (the first part of `requests`' answers), so the values asked are of a key the step has. */
  noteKeys: (keys: BreakdownPart | undefined) => void;
};

/**
 * The Goals panel's chosen tab and property key (both remembered), and what to ask for them. The keys arrive in the
 * same answer as the values, so a key is asked once the keys are known: the one chosen before when the step has it.
 */
export function useConversionsChoice(filters: readonly StatsFilter[]): ConversionsChoice {
  const step = convertedStep(filters);
  const tabs = step === null ? [GOALS_TAB, EVENTS_TAB] : [GOALS_TAB, EVENTS_TAB, PROPERTIES_TAB];
  const [tab, chooseTab] = useStoredTab<ConversionsTab>("conversions", tabs.map(({ id }) => id));
  const [storedKey, chooseStoredKey] = useStoredChoice("conversions-property");
  const [limit, setLimit] = useState(BREAKDOWN_ROWS);
  const choose = (next: ConversionsTab) => {
    chooseTab(next);
    setLimit(BREAKDOWN_ROWS);
  };
  const chooseKey = (key: string) => {
    chooseStoredKey(key);
    setLimit(BREAKDOWN_ROWS);
  };
  // The step's keys as last answered (state, not the answer itself: the request made from them is this render's).
  const [knownKeys, setKnownKeys] = useState<readonly string[]>([]);
  const propertyKey = knownKeys.find((key) => key === storedKey) ?? knownKeys[0] ?? null;
  const requests =
    tab !== EVENT_PROP_KEYS
      ? [{ property: tab, limit }]
      : [{ property: EVENT_PROP_KEYS, limit: BREAKDOWN_EXPANDED_ROWS }, ...(propertyKey === null ? [] : [{ property: `${EVENT_PROP_PREFIX}${propertyKey}`, limit }])];
  const noteKeys = (keys: BreakdownPart | undefined) => {
    if (tab !== EVENT_PROP_KEYS || keys === undefined || keys.isStale || keys.data === undefined) return;
    const answered = keys.data.map(({ value }) => value);
    // Set while rendering (React re-renders at once, before anything shows), only when the keys changed.
    if (answered.join("\u001f") !== knownKeys.join("\u001f")) setKnownKeys(answered);
  };
  return { tab, tabs, choose, step, keys: knownKeys, propertyKey, chooseKey, limit, setLimit, requests, noteKeys };
}

type ConversionsPanelProps = {
  choice: ConversionsChoice;
  /** The answers to `choice.requests`, in order. */
  answers: BreakdownPart[];
  /** The goals the owner defined, when the app offers them (to tell "no goal yet" from "none converted"). */
  setup: ConversionSetup | undefined;
  filters: readonly StatsFilter[];
  /** The site's currency, for revenue. */
  currency: string | null | undefined;
  /** A row chosen: its `is` filter added, or removed when on; the filters then (null: not added, too many). */
  onChoose: (property: FilterProperty, value: string) => StatsFilter[] | null;
  narrow: (availableFrom: number) => Narrowing | null;
  /** The shown range, for the tables' captions. */
  rangeLabel: string | undefined;
};

/**
 * The Goals panel (prds/events.md): the owner's goals, or every custom event by name (no goal needed), each with its
 * unique and total conversions, conversion rate and revenue when any, under the dashboard's filters. Choosing one
 * filters the whole dashboard by it and shows the properties its events carry (the Properties tab: a key's values,
 * each a filter too). Its goals, events and a key's values show 10 rows, and up to 100 on "Show more", expanding in
 * place as the other breakdown panels do.
 */
export function ConversionsPanel(props: ConversionsPanelProps) {
  const { choice, answers } = props;
  if (answers.some((answer) => answer.error !== undefined)) throw answers.find((answer) => answer.error !== undefined)?.error;
  const stale = answers.some((answer) => answer.isStale);
  const showMore = useShowMore(choice.limit, choice.setLimit, tabPanelId(TABS_ID));
  // The table shown is the last part asked (a key's values come after the keys); none while a key is not known.
  const shownPart = choice.tab === EVENT_PROP_KEYS && answers.length < 2 ? undefined : answers.at(-1);
  const refused = answers.some((answer) => answer.refused != null);
  return (
    <section
      className={`panel breakdown-panel${showMore.expanded ? " is-expanded" : ""}${stale ? " is-stale" : ""}`}
      aria-labelledby="goals-heading"
      aria-busy={stale || undefined}
      data-testid="goals-panel"
      style={showMore.panelStyle}
    >
      <div className="breakdown-header">
        <h2 id="goals-heading" className="panel-title">
          Goals
        </h2>
        <TabList label="Goals" tabs={choice.tabs} selected={choice.tab} onSelect={choice.choose} idPrefix={TABS_ID} />
      </div>
      <TabPanel idPrefix={TABS_ID} selected={choice.tab} className="breakdown-tabpanel">
        {choice.tab === EVENT_PROP_KEYS && choice.step !== null ? <PropertiesView {...props} step={choice.step} /> : <ConversionsTable {...props} tab={choice.tab} />}
      </TabPanel>
      {!refused && <ShowMoreFooter showMore={showMore} rows={shownPart?.data} isStale={stale} />}
    </section>
  );
}

/** Goals or events by name; choosing one filters the dashboard by it and turns to its properties. */
function ConversionsTable({ answers: [answer], tab, setup, filters, currency, onChoose, narrow, rangeLabel, choice }: ConversionsPanelProps & { tab: ConversionsTab }) {
  const property = tab === GOAL_PROPERTY ? GOAL_PROPERTY : EVENT_PROPERTY;
  const choose = (value: string) => {
    const next = onChoose(property, value);
    if (next !== null && isFilteredBy(next, property, value)) choice.choose(EVENT_PROP_KEYS);
  };
  const body = partBody(answer, narrow, "conversions-refused");
  if (body !== null) return body;
  const rows = answer.data ?? [];
  if (rows.length === 0) return property === GOAL_PROPERTY ? <NoGoals setup={setup} filtered={filters.length > 0} /> : <NoEvents filtered={filters.length > 0} />;
  return (
    <BreakdownTable
      property={property}
      rows={rows}
      column={property === GOAL_PROPERTY ? "Goal" : "Event"}
      total={undefined}
      currency={currency}
      filters={filters}
      onChoose={choose}
      caption={`${property === GOAL_PROPERTY ? "Goals" : "Custom events by name"}${rangeLabel === undefined ? "" : `, ${rangeLabel}`}`}
      testId={property === GOAL_PROPERTY ? "goals-table" : "events-table"}
    />
  );
}

/** The properties of the filtered goal's or event's events: a key chosen (remembered), then its values, each a filter. */
function PropertiesView({ answers: [keys, values], step, choice, filters, currency, onChoose, narrow, rangeLabel }: ConversionsPanelProps & { step: StatsFilter }) {
  const what = `${step.property === GOAL_PROPERTY ? "goal" : "event"} ${step.value}`;
  const body = partBody(keys, narrow, "properties-refused");
  if (body !== null) return body;
  // No key yet: the keys are still loading (their part may hold another tab's rows meanwhile), or there are none.
  if (choice.propertyKey === null) {
    if (keys.isStale) return <Loading />;
    return (
      <p className="panel-empty breakdown-empty" data-testid="properties-empty">
        <span>
          No property on the {what}'s events in this range. Send them with its events: <code>{`track("Signup", { props: { plan: "pro" } })`}</code>.
        </span>
      </p>
    );
  }
  const key = choice.propertyKey;
  const property = `${EVENT_PROP_PREFIX}${key}` as const;
  return (
    <>
      <div className="conversions-toolbar">
        <label className="chart-metric">
          <span>Property of the {what}</span>{" "}
          <select value={key} onChange={(event) => choice.chooseKey(event.target.value)} data-testid="property-key">
            {choice.keys.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
      </div>
      {partBody(values, narrow, "property-values-refused") ??
        (values.data?.length === 0 ? (
          <p className="panel-empty breakdown-empty" data-testid="property-values-empty">
            No value of {key} in this range.
          </p>
        ) : (
          <BreakdownTable
            property={property}
            rows={values.data ?? []}
            column={key}
            total={undefined}
            currency={currency}
            filters={filters}
            onChoose={(value) => onChoose(property, value)}
            caption={`Values of ${key} on the ${what}'s events${rangeLabel === undefined ? "" : `, ${rangeLabel}`}`}
            testId="property-values-table"
          />
        ))}
    </>
  );
}

/** A part's refusal in its words, or its skeleton while it loads; null once it has rows to show. */
function partBody(part: BreakdownPart | undefined, narrow: (availableFrom: number) => Narrowing | null, refusedTestId: string): ReactNode | null {
  if (part?.refused != null) return <RefusalNote refusal={part.refused} narrow={narrow} testId={refusedTestId} />;
  if (part?.data === undefined) return <Loading />;
  return null;
}

const Loading = () => <div className="skeleton skeleton-block" aria-busy="true" aria-label="Loading conversions" />;

/** No goal converted: without any goal yet, how to make one. */
function NoGoals({ setup, filtered }: { setup: ConversionSetup | undefined; filtered: boolean }) {
  const noGoalYet = setup?.goals.length === 0;
  return (
    <p className="panel-empty breakdown-empty" data-testid="goals-empty">
      <span>
        {noGoalYet ? "No goals yet." : filtered ? "No goal converted under these filters in this range." : "No goal converted in this range."}
        {(noGoalYet || setup === undefined) && (
          <>
            {" "}
            Make one of an event: <code>npx convex run stats:createGoal '{'{"name": "Sign-ups", "event": "Signup"}'}'</code>.
          </>
        )}
      </span>
    </p>
  );
}

function NoEvents({ filtered }: { filtered: boolean }) {
  return (
    <p className="panel-empty breakdown-empty" data-testid="events-empty">
      {filtered ? (
        "No event under these filters in this range."
      ) : (
        <span>
          No events in this range yet. Send one with <code>track("Signup")</code> (React) or <code>liveStats("Signup")</code> (script tag).
        </span>
      )}
    </p>
  );
}
