import Link from "next/link";
import type { Metadata } from "next";
import { api } from "@/lib/api/client";
import { unwrap } from "@/lib/api/errors";
import { load } from "@/lib/api/load";
import { clusterOptions } from "@/lib/server/options";
import { formatDate, humanize } from "@/lib/format";
import { exportSearch, issueQuery, ISSUES_PER_PAGE, type SearchParams } from "@/lib/query";
import { SEVERITIES, severityStyle } from "@/lib/severity";
import { taxonomyLabels } from "@/lib/taxonomy";
import { AutoSubmitForm } from "@/components/auto-submit-form";
import { consistentSubcategory, issueTypeOptions, SelectField, TaxonomyFields } from "@/components/filter-fields";
import { Pagination } from "@/components/pagination";
import { SeverityBadge } from "@/components/severity-badge";
import { SortHeader } from "@/components/sort-header";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState, ErrorState } from "@/components/ui/states";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Issues" };

const SORTS = [
  { value: "reported_at:asc", label: "Oldest reported" },
  { value: "severity:asc", label: "Worst first" },
  { value: "confidence:desc", label: "Most confident" },
  { value: "confidence:asc", label: "Least confident" },
  { value: "extracted_at:desc", label: "Recently analyzed" },
  { value: "category:asc", label: "Category" },
];

export default async function IssuesPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const client = api();
  const taxonomy = await load(client.GET("/api/taxonomy").then(unwrap));
  const tax = taxonomy.ok ? taxonomy.data : null;
  const labels = taxonomyLabels(tax);
  const query = issueQuery(params);
  query.subcategory = consistentSubcategory(tax, query.category, query.subcategory);
  const sort = query.sort ?? "reported_at:desc";
  const [result, clusters] = await Promise.all([
    load(client.GET("/api/issues", { params: { query: { ...query, sort } } }).then(unwrap)),
    load(clusterOptions(labels)),
  ]);
  const clusterNames = new Map((clusters.ok ? clusters.data : []).map((c) => [c.id, c.name]));
  const severities = new Set(query.severity?.split(",") ?? []);
  const filtered = Object.entries(query).some(([k, v]) => v !== undefined && k !== "per_page" && k !== "page" && k !== "sort");
  const exportHref = `/export/issues${exportSearch(query) ? `?${exportSearch(query)}` : ""}`;

  return (
    <>
      <PageHeader
        title="Issues"
        description="Every product issue found in the tickets, newest reports first."
        actions={
          <a href={exportHref} className="btn-secondary" download data-testid="export-issues">
            Export CSV
          </a>
        }
      />
      <AutoSubmitForm action="/issues" label="Filter issues">
        <div className="w-64">
          <label htmlFor="filter-search" className="field-label">
            Search
          </label>
          <input id="filter-search" type="search" name="search" defaultValue={query.search ?? ""} placeholder="Summary, detail or quote" className="field" />
        </div>
        <TaxonomyFields taxonomy={tax} category={query.category} subcategory={query.subcategory} />
        <SelectField name="issue_type" label="Type" value={query.issue_type} options={issueTypeOptions(tax)} allLabel="All types" className="w-40" />
        <fieldset>
          <legend className="field-label">Severity</legend>
          <div className="mt-1 flex gap-1">
            {SEVERITIES.map((s) => (
              <label key={s} className={`flex cursor-pointer items-center gap-1 rounded-md px-2 py-1.5 text-xs font-medium ring-1 ring-inset ${severityStyle(s).badge}`}>
                <input type="checkbox" name="severity" value={s} defaultChecked={severities.has(s)} className="h-3.5 w-3.5" />
                {severityStyle(s).label}
              </label>
            ))}
          </div>
        </fieldset>
        <div>
          <label htmlFor="filter-start" className="field-label">
            Reported from
          </label>
          <input id="filter-start" type="date" name="start_date" defaultValue={query.start_date?.slice(0, 10) ?? ""} className="field" />
        </div>
        <div>
          <label htmlFor="filter-end" className="field-label">
            Reported before
          </label>
          <input id="filter-end" type="date" name="end_date" defaultValue={query.end_date?.slice(0, 10) ?? ""} className="field" />
        </div>
        <SelectField
          name="cluster_id"
          label="Cluster"
          value={query.cluster_id}
          options={(clusters.ok ? clusters.data : []).map((c) => ({ value: c.id, label: `${c.name} (${c.issues})` }))}
          allLabel="Any cluster"
          className="w-56"
        />
        <SelectField name="sort" label="Sort by" value={sort === "reported_at:desc" ? undefined : sort} options={SORTS} allLabel="Newest reported" className="w-44" />
        <div className="ml-auto flex gap-2">
          <button type="submit" className="btn-primary">
            Apply
          </button>
          {filtered ? (
            <Link prefetch={false} href="/issues" className="btn-secondary">
              Reset
            </Link>
          ) : null}
        </div>
      </AutoSubmitForm>

      <div className="mt-4">
        {!result.ok ? (
          <ErrorState title="Could not load the issues" message={result.message} />
        ) : result.data.items.length === 0 ? (
          <EmptyState title="No issues match these filters">
            {filtered ? (
              <Link prefetch={false} href="/issues" className="link">
                Clear the filters
              </Link>
            ) : (
              "Issues appear once the analyzer has read the tickets."
            )}
          </EmptyState>
        ) : (
          <>
            <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-xs">
              <table className="min-w-full text-sm" data-testid="issues-table">
                <caption className="sr-only">Issues</caption>
                <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-700">
                  <tr>
                    <SortHeader path="/issues" params={params} field="severity" current={sort} label="Severity" defaultDir="asc" />
                    <th scope="col" className="px-3 py-2 text-left font-medium">Issue</th>
                    <SortHeader path="/issues" params={params} field="category" current={sort} label="Category" defaultDir="asc" />
                    <th scope="col" className="px-3 py-2 text-left font-medium">Cluster</th>
                    <SortHeader path="/issues" params={params} field="reported_at" current={sort} label="Reported" />
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {result.data.items.map((i) => (
                    <tr key={i.id} className="align-top" data-testid="issue-row">
                      <td className="px-3 py-2">
                        <SeverityBadge severity={i.severity} />
                      </td>
                      <td className="max-w-xl px-3 py-2">
                        <p className="font-medium text-slate-900">{i.summary}</p>
                        {i.representative_quote ? <p className="mt-0.5 line-clamp-2 text-slate-700 italic">“{i.representative_quote}”</p> : null}
                        <p className="mt-0.5 text-xs text-slate-600">
                          {humanize(i.issue_type)}
                          {i.confidence != null ? ` · ${Math.round(i.confidence * 100)}% confident` : ""}
                          {i.corrected_by ? ` · corrected by ${i.corrected_by}` : ""}
                        </p>
                      </td>
                      <td className="px-3 py-2 text-slate-700">
                        {labels.category(i.category)}
                        <span className="block text-xs text-slate-500">{labels.subcategory(i.category, i.subcategory)}</span>
                      </td>
                      <td className="max-w-56 px-3 py-2">
                        {i.cluster_id ? (
                          <Link prefetch={false} href={`/clusters/${i.cluster_id}`} className="link line-clamp-2">
                            {clusterNames.get(i.cluster_id) ?? "Open cluster"}
                          </Link>
                        ) : (
                          <span className="text-slate-500">not clustered yet</span>
                        )}
                      </td>
                      <td className="whitespace-nowrap px-3 py-2 text-slate-600">
                        {formatDate(i.ticket.created_at)}
                        <span className="block text-xs">
                          {i.ticket.url ? (
                            <a href={i.ticket.url} target="_blank" rel="noreferrer" className="link">
                              #{i.ticket.source_id}
                            </a>
                          ) : (
                            `#${i.ticket.source_id}`
                          )}
                          {i.ticket.requester_org_name ? ` · ${i.ticket.requester_org_name}` : ""}
                        </span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination path="/issues" params={params} page={result.data.page} pages={result.data.pages} total={result.data.total} perPage={ISSUES_PER_PAGE} noun="issues" />
          </>
        )}
      </div>
    </>
  );
}
