import { useEffect, useState } from "react";

const MINUTE_MS = 60_000;
const wholeMinute = (t: number) => t - (t % MINUTE_MS);

/**
 * The current time, to the whole minute, updated as each minute begins: what
 * the dashboard resolves its range at. Finer would change nothing (ranges are
 * whole minutes) and would re-render every second.
 */
export function useMinuteClock(): number {
  const [now, setNow] = useState(() => wholeMinute(Date.now()));
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      const current = Date.now();
      setNow(wholeMinute(current));
      timer = setTimeout(tick, MINUTE_MS - (current % MINUTE_MS));
    };
    tick();
    return () => clearTimeout(timer);
  }, []);
  return now;
}
