import type { PageViewStats } from "../hooks/useDashboardStats.js";
import { formatDateTime, formatNumber } from "../lib/format.js";

type Backfill = NonNullable<PageViewStats["backfill"]>;

const PHASE_NAMES: Record<Backfill["phase"], string> = {
  pageViews: "page views",
  customEvents: "events",
  visits: "visits",
  reset: "a fresh start",
  activeSessions: "active sessions",
  liveVisits: "active visits",
};

/** Shown while the backend rebuilds its counts, so low numbers are not mistaken for real ones. */
export function BackfillBanner({ backfill }: { backfill: Backfill }) {
  return (
    <div className="banner" role="status" data-testid="backfill-banner">
      <span className="spinner" aria-hidden="true" />
      <div>
        <strong>Statistics are being rebuilt.</strong> Figures may be incomplete until it finishes: now counting{" "}
        {PHASE_NAMES[backfill.phase]}, {formatNumber(backfill.processed)} rows so far (started {formatDateTime(backfill.startedAt)}).
      </div>
    </div>
  );
}
