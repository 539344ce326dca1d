/** Counts per week (weeks start on Monday, UTC) of the given timestamps, from the first week
 * that has one to the week of `now`, empty weeks included so a chart shows the gaps. */
export function weeklyCounts(timestamps: string[], now: Date = new Date(), maxWeeks = 26): { day: string; count: number }[] {
  const weekStart = (t: number) => {
    const d = new Date(t);
    const day = (d.getUTCDay() + 6) % 7; // Monday = 0
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day);
  };
  const times = timestamps.map((s) => new Date(s).getTime()).filter((t) => !Number.isNaN(t));
  if (times.length === 0) return [];
  const WEEK = 7 * 86_400_000;
  const last = weekStart(now.getTime());
  const first = Math.max(weekStart(Math.min(...times)), last - (maxWeeks - 1) * WEEK);
  const counts = new Map<number, number>();
  for (const t of times) {
    const w = weekStart(t);
    if (w >= first) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const out = [];
  for (let w = first; w <= last; w += WEEK) {
    out.push({ day: new Date(w).toISOString().slice(0, 10), count: counts.get(w) ?? 0 });
  }
  return out;
}
