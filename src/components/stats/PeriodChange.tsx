import { formatNumber } from "../../lib/format";
import { describeChange } from "../../lib/statsPeriod";

/** A figure against the previous period's: "▲ 12%" in the colour of its trend, read out as "up 12% from the previous period". */
export function PeriodChange({ current, previous }: { current: number; previous: number }) {
  const { trend, text, label } = describeChange(current, previous);
  return (
    <span className={`period-change period-change-${trend}`} data-testid="period-change" data-trend={trend} title={`Previous period: ${formatNumber(previous)}`}>
      <span aria-hidden="true">{text}</span>
      <span className="visually-hidden">{label}</span>
    </span>
  );
}
