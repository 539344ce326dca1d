import { describeTrend } from "@/lib/format";

const STYLES = {
  up: "text-rose-700",
  down: "text-emerald-700",
  new: "text-violet-700",
  flat: "text-slate-500",
} as const;

const ARROWS = { up: "▲", down: "▼", new: "●", flat: "" } as const;

/** Week-over-week change: more issues is bad news (red, up), fewer is good (green, down). */
export function Trend({ trendPct, count7d }: { trendPct: number | null | undefined; count7d: number }) {
  const { direction, text } = describeTrend(trendPct, count7d);
  const label = direction === "new" ? "new this week" : direction === "flat" ? "no change" : `${text} week over week`;
  return (
    <span className={`inline-flex items-center gap-1 text-xs font-semibold tabular-nums ${STYLES[direction]}`} title={label}>
      {ARROWS[direction] ? <span aria-hidden="true">{ARROWS[direction]}</span> : null}
      <span>{text}</span>
      <span className="sr-only">({label})</span>
    </span>
  );
}
