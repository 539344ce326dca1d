import { pmStatusLabel } from "@/lib/format";

const STYLES: Record<string, string> = {
  new: "bg-slate-100 text-slate-800",
  reviewing: "bg-indigo-100 text-indigo-800",
  acknowledged: "bg-amber-100 text-amber-900",
  fixed: "bg-emerald-100 text-emerald-800",
  wont_fix: "bg-zinc-200 text-zinc-800",
};

export function PmStatusBadge({ status }: { status: string }) {
  return (
    <span className={`inline-flex rounded px-1.5 py-0.5 text-xs font-medium ${STYLES[status] ?? STYLES.new}`}>
      {pmStatusLabel(status)}
    </span>
  );
}
