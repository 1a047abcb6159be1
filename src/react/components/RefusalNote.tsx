import type { Refusal } from "../lib/refusal.js";

/** A shorter range a refused question could be answered for: its first day, for the button, and how to show it. */
export type Narrowing = { label: string; apply: () => void };

/**
 * Why the server refuses a filtered question, in its words, and when it said from when it could answer exactly,
 * a button to show the range from then ("Show from Nov 3, 2026").
 */
export function RefusalNote({ refusal, narrow, testId }: { refusal: Refusal; narrow: (availableFrom: number) => Narrowing | null; testId: string }) {
  const narrowing = refusal.availableFrom === undefined ? null : narrow(refusal.availableFrom);
  return (
    <div className="refusal-note" data-testid={testId} data-code={refusal.code} role="status">
      <p>{refusal.message}</p>
      {narrowing !== null && (
        <button type="button" className="button button-small" onClick={narrowing.apply}>
          Show from {narrowing.label}
        </button>
      )}
    </div>
  );
}
