/** The four severities, worst first, and the one colour each has on every page and chart. */
export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];

type Palette = { label: string; hex: string; badge: string; dot: string };

// Badge text/background pairs meet WCAG AA (≥ 4.5:1); `hex` is the chart fill.
const PALETTE: Record<Severity, Palette> = {
  critical: { label: "Critical", hex: "#dc2626", badge: "bg-red-100 text-red-800 ring-red-200", dot: "bg-red-600" },
  high: { label: "High", hex: "#ea580c", badge: "bg-orange-100 text-orange-800 ring-orange-200", dot: "bg-orange-600" },
  medium: { label: "Medium", hex: "#ca8a04", badge: "bg-yellow-100 text-yellow-900 ring-yellow-200", dot: "bg-yellow-600" },
  low: { label: "Low", hex: "#2563eb", badge: "bg-blue-100 text-blue-800 ring-blue-200", dot: "bg-blue-600" },
};

const UNKNOWN: Palette = { label: "Unknown", hex: "#64748b", badge: "bg-slate-100 text-slate-800 ring-slate-200", dot: "bg-slate-500" };

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

export function severityStyle(value: string): Palette {
  return isSeverity(value) ? PALETTE[value] : { ...UNKNOWN, label: value };
}

/** Sorts worst first; unknown values last. */
export function bySeverity(a: string, b: string): number {
  const rank = (s: string) => (isSeverity(s) ? SEVERITIES.indexOf(s) : SEVERITIES.length);
  return rank(a) - rank(b);
}
