import Link from "next/link";
import { api } from "@/lib/api/client";
import { unwrap } from "@/lib/api/errors";
import { load } from "@/lib/api/load";
import { formatDate, formatNumber } from "@/lib/format";
import { severityStyle } from "@/lib/severity";
import { taxonomyLabels } from "@/lib/taxonomy";
import type { SearchParams } from "@/lib/query";
import { Card } from "@/components/ui/card";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { PageHeader } from "@/components/ui/page-header";
import { WeeklyTrendChart } from "@/components/charts/weekly-trend-chart";
import { CategoryBars } from "@/components/category-bars";
import { ClusterList } from "@/components/cluster-list";

export const dynamic = "force-dynamic";

const PERIODS = [7, 30, 90] as const;

function period(params: SearchParams): number {
  const days = Number(params.days);
  return (PERIODS as readonly number[]).includes(days) ? days : 30;
}

export default async function OverviewPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const days = period(await searchParams);
  const client = api();
  const [summary, taxonomy] = await Promise.all([
    load(client.GET("/api/issues/summary", { params: { query: { days } } }).then(unwrap)),
    load(client.GET("/api/taxonomy").then(unwrap)),
  ]);
  const labels = taxonomyLabels(taxonomy.ok ? taxonomy.data : null);

  const switcher = (
    <div role="group" aria-label="Period" className="inline-flex rounded-md border border-slate-300 bg-white p-0.5 shadow-xs">
      {PERIODS.map((d) => (
        <a
          key={d}
          href={`/?days=${d}`}
          aria-current={d === days ? "true" : undefined}
          className={`rounded px-3 py-1 text-sm font-medium ${d === days ? "bg-indigo-600 text-white" : "text-slate-700 hover:bg-slate-100"}`}
        >
          {d} days
        </a>
      ))}
    </div>
  );

  if (!summary.ok) {
    return (
      <>
        <PageHeader title="Overview" actions={switcher} />
        <ErrorState title="Could not load the summary" message={summary.message} />
      </>
    );
  }
  const s = summary.data;
  const since = s.since.slice(0, 10);
  const cards = [
    { key: "total", label: "Issues", value: s.total_issues, note: `from ${formatNumber(s.tickets)} tickets`, href: `/issues?start_date=${since}`, color: "#4f46e5" },
    ...(["critical", "high", "medium"] as const).map((sev) => {
      const count = sev === "critical" ? s.critical_count : sev === "high" ? s.high_count : s.medium_count;
      const share = s.total_issues ? Math.round((100 * count) / s.total_issues) : 0;
      return { key: sev, label: severityStyle(sev).label, value: count, note: `${share}% of issues`, href: `/issues?severity=${sev}&start_date=${since}`, color: severityStyle(sev).hex };
    }),
  ];

  return (
    <>
      <PageHeader
        title="Overview"
        description={`Product issues reported since ${formatDate(s.since)} (the last ${days} days).`}
        actions={switcher}
      />
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        {cards.map((c) => (
          <Link prefetch={false}
            key={c.key}
            href={c.href}
            data-testid={`card-${c.key}`}
            className="group rounded-lg border border-slate-200 bg-white p-4 shadow-xs hover:border-indigo-300"
            style={{ borderTop: `3px solid ${c.color}` }}
          >
            <p className="text-xs font-medium uppercase tracking-wide text-slate-600">{c.label}</p>
            <p className="mt-1 text-3xl font-semibold tabular-nums text-slate-900" data-testid={`card-${c.key}-value`}>
              {formatNumber(c.value)}
            </p>
            <p className="mt-1 text-xs text-slate-600 group-hover:text-indigo-700">{c.note}</p>
          </Link>
        ))}
      </div>

      {s.total_issues === 0 ? (
        <div className="mt-6">
          <EmptyState title={`No issues in the last ${days} days`}>
            Tickets appear here once the analyzer has read them. Try a longer period, or check the{" "}
            <Link prefetch={false} href="/ops" className="link">
              queues
            </Link>
            .
          </EmptyState>
        </div>
      ) : (
        <div className="mt-6 grid gap-4 lg:grid-cols-3">
          <Card title="Issues per week" className="lg:col-span-2">
            <WeeklyTrendChart weeks={s.weekly_trend} />
          </Card>
          <Card title="By category">
            <CategoryBars counts={s.by_category} labels={labels} issuesQuery={`&start_date=${since}`} />
          </Card>
        </div>
      )}

      <div className="mt-4 grid gap-4 lg:grid-cols-2">
        <Card
          title="Top 10 clusters"
          action={
            <Link prefetch={false} href="/clusters" className="link text-xs">
              All clusters →
            </Link>
          }
        >
          {s.top_clusters.length ? (
            <ClusterList clusters={s.top_clusters} labels={labels} testId="top-clusters" />
          ) : (
            <EmptyState title="No clusters yet" />
          )}
        </Card>
        <Card
          title="Emerging clusters"
          action={
            <Link prefetch={false} href="/clusters?emerging=true&sort=count_7d:desc" className="link text-xs">
              All emerging →
            </Link>
          }
        >
          {s.emerging_clusters.length ? (
            <ClusterList clusters={s.emerging_clusters} labels={labels} testId="emerging-clusters" />
          ) : (
            <EmptyState title="Nothing emerging">No cluster is new this week or growing fast.</EmptyState>
          )}
        </Card>
      </div>
    </>
  );
}
