import Link from "next/link";
import type { Cluster } from "@/lib/api/types";
import { formatNumber } from "@/lib/format";
import type { Labels } from "@/lib/taxonomy";
import { Trend } from "./trend";

/** A compact ranked list of clusters (the overview's top and emerging lists). */
export function ClusterList({ clusters, labels, testId }: { clusters: Cluster[]; labels: Labels; testId: string }) {
  return (
    <>
    <p className="mb-1 flex justify-end text-[11px] font-medium uppercase tracking-wide text-slate-500">Issues · week over week</p>
    <ol className="divide-y divide-slate-100" data-testid={testId}>
      {clusters.map((c, i) => (
        <li key={c.id} className="flex items-center gap-3 py-2">
          <span className="w-5 shrink-0 text-right text-xs tabular-nums text-slate-500">{i + 1}</span>
          <div className="min-w-0 flex-1">
            <Link prefetch={false} href={`/clusters/${c.id}`} className="block truncate text-sm font-medium text-slate-900 hover:text-indigo-700 hover:underline">
              {c.cluster_name}
            </Link>
            <p className="truncate text-xs text-slate-600">
              {labels.category(c.category)} · {labels.subcategory(c.category, c.subcategory)}
            </p>
          </div>
          <div className="shrink-0 text-right">
            <p className="text-sm font-semibold tabular-nums text-slate-900">{formatNumber(c.issue_count)}</p>
            <Trend trendPct={c.trend_pct} count7d={c.count_7d} />
          </div>
        </li>
      ))}
    </ol>
    </>
  );
}
