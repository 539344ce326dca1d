import Link from "next/link";
import type { CountBy } from "@/lib/api/types";
import { formatNumber } from "@/lib/format";
import type { Labels } from "@/lib/taxonomy";

/** Issues by category as labelled bars: readable at a glance, exact on inspection, and each a
 * link to the issues behind it. */
export function CategoryBars({ counts, labels, issuesQuery = "" }: { counts: CountBy[]; labels: Labels; issuesQuery?: string }) {
  const max = Math.max(1, ...counts.map((c) => c.count));
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  return (
    <ul className="space-y-2" aria-label="Issues by category">
      {counts.map((c) => (
        <li key={c.key}>
          <Link prefetch={false} href={`/issues?category=${encodeURIComponent(c.key)}${issuesQuery}`} className="group block">
            <div className="flex items-baseline justify-between gap-2 text-sm">
              <span className="truncate text-slate-800 group-hover:text-indigo-700 group-hover:underline">{labels.category(c.key)}</span>
              <span className="shrink-0 tabular-nums text-slate-600">
                <span className="font-semibold text-slate-900" data-testid={`category-count-${c.key}`}>{formatNumber(c.count)}</span>
                <span className="ml-1 text-xs">{total ? Math.round((100 * c.count) / total) : 0}%</span>
              </span>
            </div>
            <div className="mt-1 h-2 rounded-full bg-slate-100">
              <div className="h-2 rounded-full bg-indigo-500" style={{ width: `${(100 * c.count) / max}%` }} />
            </div>
          </Link>
        </li>
      ))}
    </ul>
  );
}
