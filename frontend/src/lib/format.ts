/** Formatting shared by every page: numbers, dates, trends and the taxonomy's labels. */

const numberFormat = new Intl.NumberFormat("en-US");

export function formatNumber(n: number): string {
  return numberFormat.format(n);
}

/** `12 Nov 2026`; the dashboard shows dates in UTC, like the API. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return `${formatDate(iso)} ${d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" })} UTC`;
}

/** `3 h ago`, `2 d ago`; `now` is a parameter so tests and server renders agree. */
export function formatAgo(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return "—";
  const secs = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  return `${formatDuration(secs)} ago`;
}

export function formatDuration(secs: number): string {
  if (secs < 60) return `${secs} s`;
  if (secs < 3600) return `${Math.floor(secs / 60)} min`;
  if (secs < 86400) return `${Math.floor(secs / 3600)} h`;
  return `${Math.floor(secs / 86400)} d`;
}

export type TrendDirection = "new" | "up" | "down" | "flat";

/** A week-over-week trend as PMs read it. `null` means the prior week had no issues: the
 * cluster is new this week, not "+100 %". */
export function describeTrend(trendPct: number | null | undefined, count7d: number): {
  direction: TrendDirection;
  text: string;
} {
  if (trendPct === null || trendPct === undefined) {
    return count7d > 0 ? { direction: "new", text: "new" } : { direction: "flat", text: "—" };
  }
  const rounded = Math.round(trendPct);
  if (rounded > 0) return { direction: "up", text: `+${rounded}%` };
  if (rounded < 0) return { direction: "down", text: `${rounded}%` };
  return { direction: "flat", text: "0%" };
}

/** `ux_confusion` → `Ux confusion`, for values without a label of their own. */
export function humanize(key: string): string {
  const words = key.replace(/_/g, " ").trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const PM_STATUS_LABELS: Record<string, string> = {
  new: "New",
  reviewing: "Reviewing",
  acknowledged: "Acknowledged",
  fixed: "Fixed",
  wont_fix: "Won't fix",
};

export function pmStatusLabel(status: string): string {
  return PM_STATUS_LABELS[status] ?? humanize(status);
}

export function pluralize(n: number, one: string, many = `${one}s`): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}
