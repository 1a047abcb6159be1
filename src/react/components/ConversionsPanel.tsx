import type { ReactNode } from "react";
import { EVENT_PROPERTY, GOAL_PROPERTY } from "../../shared/config.js";
import type { BreakdownPart } from "../hooks/useDashboardStats.js";
import { formatNumber } from "../lib/format.js";
import { formatShare } from "../lib/statsFormat.js";
import { RefusalNote, type Narrowing } from "./RefusalNote.js";
import { TabList, TabPanel, useStoredTab } from "./Tabs.js";

const TABS = [
  { id: EVENT_PROPERTY, label: "Events" },
  { id: GOAL_PROPERTY, label: "Goals" },
] as const;
export type ConversionsTab = (typeof TABS)[number]["id"];

/** Which tab the panel shows (remembered): the dashboard asks for its breakdown with every other live figure. */
export const useConversionsTab = () => useStoredTab<ConversionsTab>("conversions", [EVENT_PROPERTY, GOAL_PROPERTY]);

/**
 * The Conversions panel: custom events of the range by name, or the owner's goals (prds/events.md), each with its
 * visitors, events, conversion rate (of the range's visitors) and revenue. Events show as soon as the first one is
 * sent: no goal needs declaring first. Counted for the whole site: under filters (`answer` null) the panel says so
 * rather than show figures the filters do not narrow.
 */
export function ConversionsPanel(props: {
  tab: ConversionsTab;
  onTab: (tab: ConversionsTab) => void;
  answer: BreakdownPart | null;
  currency: string | undefined;
  narrow: (availableFrom: number) => Narrowing | null;
}) {
  const { tab, answer, currency, narrow } = props;
  let body: ReactNode;
  if (answer === null) {
    body = (
      <p className="panel-empty breakdown-empty" data-testid="events-unfiltered">
        Events are counted for the whole site: remove the filters to see them.
      </p>
    );
  } else if (answer.refused !== null) body = <RefusalNote refusal={answer.refused} narrow={narrow} testId="events-refused" />;
  else if (answer.data === undefined) body = <div className="skeleton skeleton-block" aria-busy="true" aria-label="Loading events" />;
  else if (answer.data.length === 0) {
    body =
      tab === GOAL_PROPERTY ? (
        <p className="panel-empty breakdown-empty" data-testid="goals-empty">
          No goal converted in this range. Make one of an event: <code>npx convex run stats:createGoal '{"{"}"name": "Sign-ups", "event": "Signup"{"}"}'</code>.
        </p>
      ) : (
        <p className="panel-empty breakdown-empty" data-testid="events-empty">
          No events in this range yet. Send one with <code>track("Signup")</code> (React) or <code>liveStats("Signup")</code> (script tag).
        </p>
      );
  } else body = <EventsTable rows={answer.data} currency={currency} column={tab === GOAL_PROPERTY ? "Goal" : "Event"} />;
  return (
    <section className={`panel breakdown-panel${answer?.isStale ? " is-stale" : ""}`} aria-labelledby="events-heading" aria-busy={answer?.isStale || undefined} data-testid="events-panel">
      <div className="breakdown-header">
        <h2 id="events-heading" className="panel-title">
          Conversions
        </h2>
        <TabList label="Conversions" tabs={TABS} selected={tab} onSelect={props.onTab} idPrefix="conversions" />
      </div>
      <TabPanel idPrefix="conversions" selected={tab} className="breakdown-tabpanel">
        {body}
      </TabPanel>
    </section>
  );
}

function EventsTable({ rows, currency, column }: { rows: NonNullable<BreakdownPart["data"]>; currency: string | undefined; column: string }) {
  const withRevenue = rows.some((row) => row.revenue !== undefined);
  const money = new Intl.NumberFormat("en-US", currency === undefined ? {} : { style: "currency", currency });
  return (
    <table className="breakdown-table" data-testid="events-table">
      <caption className="visually-hidden">{column === "Goal" ? "Goals and their conversions" : "Custom events by name"}</caption>
      <thead>
        <tr>
          <th scope="col" className="breakdown-col-name">
            {column}
          </th>
          <th scope="col" className="col-number">
            Visitors
          </th>
          <th scope="col" className="col-number">
            Events
          </th>
          <th scope="col" className="col-number" title="Visitors who sent it, of the range's visitors">
            CR
          </th>
          {withRevenue && (
            <th scope="col" className="col-number">
              Revenue
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.value}>
            <th scope="row" className="breakdown-name-cell">
              <span className="breakdown-name">{row.value}</span>
            </th>
            <td className="col-number">{formatNumber(row.visitors)}</td>
            <td className="col-number">{formatNumber(row.events ?? 0)}</td>
            <td className="col-number">{formatShare(row.conversionRate ?? 0, 1)}</td>
            {withRevenue && <td className="col-number">{row.revenue === undefined ? "–" : money.format(row.revenue)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
