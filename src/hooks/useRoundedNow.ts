import { useEffect, useState } from "react";

const roundDown = (time: number, step: number) => time - (time % step);

/**
 * Date.now() rounded down to `step`, moving on at each boundary: a query that
 * takes it re-runs once per step, and every open dashboard asks the same question.
 */
export function useRoundedNow(step: number): number {
  const [now, setNow] = useState(() => roundDown(Date.now(), step));
  useEffect(() => {
    const next = now + step;
    // max(): a timer that fires early still moves on; one that fires late (a sleeping laptop) catches up.
    const timer = setTimeout(() => setNow(Math.max(next, roundDown(Date.now(), step))), next - Date.now());
    return () => clearTimeout(timer);
  }, [now, step]);
  return now;
}
