import type { ReactNode } from "react";

type StatCardProps = {
  testId: string;
  label: string;
  /** The shown value; undefined while loading (a skeleton, not a zero). */
  value: ReactNode | undefined;
  hint?: ReactNode;
  live?: boolean;
};

export function StatCard({ testId, label, value, hint, live = false }: StatCardProps) {
  const labelId = `${testId}-label`;
  return (
    <section className={`stat-card${live ? " stat-card-live" : ""}`} data-testid={testId} aria-labelledby={labelId}>
      <h2 className="stat-label" id={labelId}>
        {live && <span className="live-dot" aria-hidden="true" />}
        {label}
      </h2>
      {value === undefined ? (
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
