import type { FunctionReturnType } from "convex/server";
import type { StatsApi } from "../statsApi.js";
import type { ConversionSetup } from "../hooks/useConversionSetup.js";
import { useQuietStableQuery } from "../hooks/useStableQuery.js";
import { useShareToken } from "../hooks/useShareToken.js";
import { formatNumber } from "../lib/format.js";
import { withTokenArg } from "../lib/shareToken.js";
import { hasStepFilter, visitFilters, withFiltersArg, type StatsFilter } from "../lib/statsFilter.js";
import { formatShare } from "../lib/statsFormat.js";
import type { ResolvedSelection } from "../lib/statsPeriod.js";
import { RefusalNote, type Narrowing } from "./RefusalNote.js";
import { useStoredChoice } from "./Tabs.js";

type FunnelQuery = NonNullable<StatsApi["dashboardFunnel"]>;
type FunnelStep = Extract<FunctionReturnType<FunnelQuery>, { steps: unknown }>["steps"][number];

const CREATE_FUNNEL_COMMAND = `npx convex run stats:createFunnel '{"name": "Checkout", "steps": ["Viewed pricing", "Started checkout", "Paid"]}'`;

/**
 * The Funnels view: one of the site's funnels (chosen, and remembered), each step with the visits of the range that
 * reached it in order, its share of the first step's and the drop-off from the step before, live. A funnel counts its
 * own goals, so it takes the dashboard's page and visit-property filters only, and says so under a goal, event or
 * property filter. A scan the server cannot answer exactly says why in place.
 */
export function FunnelsPanel({
  query,
  setup,
  shown,
  filters,
  narrow,
}: {
  /** The app's `dashboardFunnel`. */
  query: FunnelQuery;
  /** The site's funnels; undefined while they load (a failure is thrown to the panel's error boundary). */
  setup: ConversionSetup | Error | undefined;
  /** The resolved range; undefined while it loads. */
  shown: ResolvedSelection | undefined;
  filters: readonly StatsFilter[];
  narrow: (availableFrom: number) => Narrowing | null;
}) {
  if (setup instanceof Error) throw setup;
  const [stored, choose] = useStoredChoice("funnel");
  const funnels = setup?.funnels ?? [];
  const funnel = funnels.find(({ name }) => name === stored) ?? funnels[0];
  const counted = visitFilters(filters);
  const token = useShareToken();
  const answer = useQuietStableQuery(
    query,
    shown !== undefined && funnel !== undefined ? withTokenArg(withFiltersArg({ from: shown.range.from, to: shown.range.to, funnel: funnel.name }, counted), token) : "skip",
  );
  if (answer.error !== undefined) throw answer.error;
  const result = answer.data;
  return (
    <section className={`panel breakdown-panel${answer.isStale ? " is-stale" : ""}`} aria-labelledby="funnels-heading" aria-busy={answer.isStale || undefined} data-testid="funnels-panel">
      <div className="breakdown-header">
        <h2 id="funnels-heading" className="panel-title">
          Funnels
        </h2>
        {funnels.length > 0 && funnel !== undefined && (
          <label className="chart-metric">
            <span className="visually-hidden">Funnel</span>
            <select value={funnel.name} onChange={(event) => choose(event.target.value)} data-testid="funnel-choice">
              {funnels.map(({ name }) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {hasStepFilter(filters) && (
        <p className="funnel-note" data-testid="funnel-filters-note">
          A funnel counts its own goals: shown under the page and visit filters only.
        </p>
      )}
      {setup === undefined ? (
        <div className="skeleton skeleton-block" aria-busy="true" aria-label="Loading funnels" />
      ) : funnel === undefined ? (
        <p className="panel-empty breakdown-empty" data-testid="funnels-empty">
          <span>
            No funnels yet. Make one of your goals, in the order visitors reach them: <code>{CREATE_FUNNEL_COMMAND}</code>.
          </span>
        </p>
      ) : result === undefined ? (
        <div className="skeleton skeleton-block" aria-busy="true" aria-label={`Loading the funnel ${funnel.name}`} />
      ) : "refused" in result ? (
        <RefusalNote refusal={result.refused} narrow={narrow} testId="funnel-refused" />
      ) : (
        <FunnelSteps steps={result.steps} caption={`The funnel ${funnel.name}${shown === undefined ? "" : `, ${shown.label}`}`} />
      )}
    </section>
  );
}

/** A funnel's steps as a table: each step's bar (its visits against the first step's), visits, share of the first step, and drop-off. */
function FunnelSteps({ steps, caption }: { steps: readonly FunnelStep[]; caption: string }) {
  const first = steps[0]?.visits ?? 0;
  return (
    <div className="table-scroll">
      <table className="breakdown-table" data-testid="funnel-steps">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="breakdown-col-name">
              Step
            </th>
            <th scope="col" className="col-number">
              Visits
            </th>
            <th scope="col" className="col-number" title="Visits that reached this step, of those that reached the first">
              Of first
            </th>
            <th scope="col" className="col-number" title="Visits that reached the step before and not this one">
              Dropped
            </th>
          </tr>
        </thead>
        <tbody>
          {steps.map((step, index) => {
            const before = index === 0 ? null : steps[index - 1].visits;
            return (
              <tr key={step.goal} data-value={step.goal}>
                <th scope="row" className="breakdown-name-cell">
                  <span className="breakdown-bar" style={{ width: `${first === 0 ? 0 : (step.visits / first) * 100}%` }} aria-hidden="true" />
                  <span className="breakdown-name funnel-step">
                    <span className="breakdown-label">
                      {index + 1}. {step.goal}
                    </span>
                  </span>
                </th>
                <td className="col-number breakdown-main" data-testid="funnel-visits">
                  {formatNumber(step.visits)}
                </td>
                <td className="col-number" data-testid="funnel-of-first">
                  {first === 0 ? "–" : formatShare(step.visits, first)}
                </td>
                <td className="col-number" data-testid="funnel-dropped">
                  {before === null || before === 0 ? "–" : `${formatNumber(before - step.visits)} (${formatShare(before - step.visits, before)})`}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
