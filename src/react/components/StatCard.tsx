import type { ReactNode } from "react";

export type StatCardProps = {
  testId: string;
  label: string;
  /** The shown value; undefined while loading (a skeleton, not a zero). */
  value: ReactNode | undefined;
  hint?: ReactNode;
  live?: boolean;
  /** The value answers an older question while a newer one loads: shown dimmed and busy, never replaced by a skeleton. */
  stale?: boolean;
  /** Shown instead of the value when it could not be loaded (see PanelErrorBoundary). */
  error?: ReactNode;
};

export function StatCard({ testId, label, value, hint, live = false, stale = false, error }: StatCardProps) {
  const labelId = `${testId}-label`;
  const className = `stat-card${live ? " stat-card-live" : ""}${stale ? " is-stale" : ""}`;
  return (
    <section className={className} data-testid={testId} aria-labelledby={labelId} aria-busy={stale || undefined}>
      <h2 className="stat-label" id={labelId}>
        {live && <span className="live-dot" aria-hidden="true" />}
        {label}
      </h2>
      {error !== undefined ? (
        error
      ) : value === undefined ? (
        <div className="skeleton skeleton-value" aria-busy="true" aria-label={`${label}: loading`} />
      ) : (
        <p className="stat-value" data-testid="stat-value" aria-live={live ? "polite" : undefined}>
          {value}
        </p>
      )}
      {hint && <p className="stat-hint">{hint}</p>}
    </section>
  );
}
