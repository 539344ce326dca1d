import Link from "next/link";
import type { Metadata } from "next";
import { api } from "@/lib/api/client";
import { unwrap } from "@/lib/api/errors";
import { load } from "@/lib/api/load";
import { formatAgo, formatNumber } from "@/lib/format";
import { clusterQuery, CLUSTERS_PER_PAGE, withParams, type SearchParams } from "@/lib/query";
import { taxonomyLabels } from "@/lib/taxonomy";
import { AutoSubmitForm } from "@/components/auto-submit-form";
import { consistentSubcategory, pmStatusOptions, SelectField, TaxonomyFields } from "@/components/filter-fields";
import { Pagination } from "@/components/pagination";
import { PmStatusBadge } from "@/components/pm-status-badge";
import { SortHeader } from "@/components/sort-header";
import { Trend } from "@/components/trend";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState, ErrorState } from "@/components/ui/states";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Clusters" };

const SORTS = [
  { value: "issue_count:desc", label: "Most issues" },
  { value: "count_7d:desc", label: "Most issues this week" },
  { value: "trend_pct:desc", label: "Fastest growing" },
  { value: "unique_customers:desc", label: "Most customers" },
  { value: "last_seen:desc", label: "Recently seen" },
  { value: "first_seen:desc", label: "Newest" },
  { value: "cluster_name:asc", label: "Name (A–Z)" },
];

export default async function ClustersPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const client = api();
  const taxonomy = await load(client.GET("/api/taxonomy").then(unwrap));
  const tax = taxonomy.ok ? taxonomy.data : null;
  const labels = taxonomyLabels(tax);
  const query = clusterQuery(params);
  query.subcategory = consistentSubcategory(tax, query.category, query.subcategory);
  const sort = query.sort ?? "issue_count:desc";
  const result = await load(client.GET("/api/clusters", { params: { query: { ...query, sort } } }).then(unwrap));
  const status = typeof params.status === "string" && ["inactive", "all"].includes(params.status) ? params.status : "active";
  const filtered = Boolean(query.category || query.subcategory || query.pm_status || query.emerging || status !== "active");

  return (
    <>
      <PageHeader
        title="Clusters"
        description="Groups of the same product problem, with how fast each grows and who it touches."
        actions={
          <a href={`/export/clusters${withParams(params, {})}`} className="btn-secondary" download>
            Export CSV
          </a>
        }
      />
      <AutoSubmitForm action="/clusters" label="Filter clusters">
        <TaxonomyFields taxonomy={tax} category={query.category} subcategory={query.subcategory} />
        <SelectField name="pm_status" label="PM status" value={query.pm_status} options={pmStatusOptions(tax)} allLabel="Any status" className="w-36" />
        <SelectField
          name="status"
          label="Clusters"
          value={status === "active" ? undefined : status}
          options={[
            { value: "inactive", label: "Closed or merged" },
            { value: "all", label: "All" },
          ]}
          allLabel="Active"
          className="w-36"
        />
        <SelectField name="sort" label="Sort by" value={sort} options={SORTS.filter((s) => s.value !== "issue_count:desc")} allLabel="Most issues" className="w-48" />
        <div className="flex items-center gap-2 pb-1.5">
          <input id="filter-emerging" type="checkbox" name="emerging" value="true" defaultChecked={query.emerging === true} className="h-4 w-4 rounded border-slate-300 text-indigo-600" />
          <label htmlFor="filter-emerging" className="text-sm text-slate-800">
            Emerging only
          </label>
        </div>
        <div className="ml-auto flex gap-2">
          <button type="submit" className="btn-primary">
            Apply
          </button>
          {filtered ? (
            <Link prefetch={false} href="/clusters" className="btn-secondary">
              Reset
            </Link>
          ) : null}
        </div>
      </AutoSubmitForm>

      <div className="mt-4">
        {!result.ok ? (
          <ErrorState title="Could not load the clusters" message={result.message} />
        ) : result.data.items.length === 0 ? (
          <EmptyState title="No clusters match these filters">
            {filtered ? (
              <Link prefetch={false} href="/clusters" className="link">
                Clear the filters
              </Link>
            ) : (
              "Clusters appear once tickets have been analyzed and grouped."
            )}
          </EmptyState>
        ) : (
          <>
            <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-xs">
              <table className="min-w-full text-sm" data-testid="clusters-table">
                <caption className="sr-only">Clusters</caption>
                <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-700">
                  <tr>
                    <SortHeader path="/clusters" params={params} field="cluster_name" current={sort} label="Cluster" defaultDir="asc" />
                    <th scope="col" className="px-3 py-2 text-left font-medium">
                      Category
                    </th>
                    <SortHeader path="/clusters" params={params} field="issue_count" current={sort} label="Issues" align="right" />
                    <SortHeader path="/clusters" params={params} field="unique_customers" current={sort} label="Customers" align="right" />
                    <SortHeader path="/clusters" params={params} field="count_7d" current={sort} label="7 days" align="right" />
                    <SortHeader path="/clusters" params={params} field="trend_pct" current={sort} label="Trend" align="right" />
                    <th scope="col" className="px-3 py-2 text-left font-medium">
                      PM status
                    </th>
                    <SortHeader path="/clusters" params={params} field="last_seen" current={sort} label="Last seen" />
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {result.data.items.map((c) => (
                    <tr key={c.id} className="hover:bg-slate-50" data-testid="cluster-row">
                      <td className="max-w-md px-3 py-2">
                        <Link prefetch={false} href={`/clusters/${c.id}`} className="font-medium text-slate-900 hover:text-indigo-700 hover:underline">
                          {c.cluster_name}
                        </Link>
                        {c.is_emerging ? <span className="ml-2 rounded bg-violet-100 px-1.5 py-0.5 text-xs font-medium text-violet-800">emerging</span> : null}
                        {!c.is_active ? <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">{c.merged_into ? "merged" : "closed"}</span> : null}
                      </td>
                      <td className="px-3 py-2 text-slate-700">
                        <span data-testid="cluster-category" data-category={c.category}>
                          {labels.category(c.category)}
                        </span>
                        <span className="block text-xs text-slate-500">{labels.subcategory(c.category, c.subcategory)}</span>
                      </td>
                      <td className="px-3 py-2 text-right font-semibold tabular-nums">{formatNumber(c.issue_count)}</td>
                      <td className="px-3 py-2 text-right tabular-nums">{formatNumber(c.unique_customers)}</td>
                      <td className="px-3 py-2 text-right tabular-nums">{formatNumber(c.count_7d)}</td>
                      <td className="px-3 py-2 text-right">
                        <Trend trendPct={c.trend_pct} count7d={c.count_7d} />
                      </td>
                      <td className="px-3 py-2">
                        <PmStatusBadge status={c.pm_status} />
                      </td>
                      <td className="whitespace-nowrap px-3 py-2 text-slate-600">{formatAgo(c.last_seen)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination path="/clusters" params={params} page={result.data.page} pages={result.data.pages} total={result.data.total} perPage={CLUSTERS_PER_PAGE} noun="clusters" />
          </>
        )}
      </div>
    </>
  );
}
