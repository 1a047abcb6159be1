import type { ReactNode } from "react";
import type { BreakdownPart } from "../hooks/useDashboardStats.js";
import { formatNumber } from "../lib/format.js";
import { formatShare } from "../lib/statsFormat.js";
import { RefusalNote, type Narrowing } from "./RefusalNote.js";

/**
 * Custom events of the range by name (prds/events.md): each name's visitors, events, conversion rate (of the range's
 * visitors) and revenue, as soon as the first one is sent: no goal needs declaring first. Counted for the whole site:
 * under filters (`answer` null) the panel says so rather than show figures the filters do not narrow.
 */
export function EventsPanel({ answer, currency, narrow }: { answer: BreakdownPart | null; currency: string | undefined; narrow: (availableFrom: number) => Narrowing | null }) {
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
    body = (
      <p className="panel-empty breakdown-empty" data-testid="events-empty">
        No events in this range yet. Send one with <code>track("Signup")</code> (React) or <code>liveStats("Signup")</code> (script tag).
      </p>
    );
  } else body = <EventsTable rows={answer.data} currency={currency} />;
  return (
    <section className={`panel breakdown-panel${answer?.isStale ? " is-stale" : ""}`} aria-labelledby="events-heading" aria-busy={answer?.isStale || undefined} data-testid="events-panel">
      <div className="breakdown-header">
        <h2 id="events-heading" className="panel-title">
          Events
        </h2>
      </div>
      {body}
    </section>
  );
}

function EventsTable({ rows, currency }: { rows: NonNullable<BreakdownPart["data"]>; currency: string | undefined }) {
  const withRevenue = rows.some((row) => row.revenue !== undefined);
  const money = new Intl.NumberFormat("en-US", currency === undefined ? {} : { style: "currency", currency });
  return (
    <table className="breakdown-table" data-testid="events-table">
      <caption className="visually-hidden">Custom events by name</caption>
      <thead>
        <tr>
          <th scope="col" className="breakdown-col-name">
            Event
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
