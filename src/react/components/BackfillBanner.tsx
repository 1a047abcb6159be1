import type { FunctionReturnType } from "convex/server";
import type { api } from "../../../convex/_generated/api";
import { formatDateTime, formatNumber } from "../lib/format";

type Backfill = NonNullable<FunctionReturnType<typeof api.stats.getPageViewStats>["backfill"]>;

const PHASE_NAMES: Record<Backfill["phase"], string> = {
  pageViews: "page views",
  visits: "visits",
  reset: "a fresh start",
  activeSessions: "active sessions",
  posts: "posts",
  pages: "pages",
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
