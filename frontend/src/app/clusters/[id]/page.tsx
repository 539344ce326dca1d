import Link from "next/link";
import { notFound } from "next/navigation";
import type { Metadata } from "next";
import { api } from "@/lib/api/client";
import { unwrap } from "@/lib/api/errors";
import { load } from "@/lib/api/load";
import { currentControls } from "@/lib/auth/session";
import { clusterOptions } from "@/lib/server/options";
import { formatAgo, formatDate, formatDateTime, formatNumber, humanize } from "@/lib/format";
import { weeklyCounts } from "@/lib/series";
import { bySeverity } from "@/lib/severity";
import { taxonomyLabels } from "@/lib/taxonomy";
import { Sparkline } from "@/components/charts/sparkline";
import { EditorOptionsProvider } from "@/components/forms/editor-context";
import { IssueEditor } from "@/components/forms/issue-editor";
import { ActiveForm } from "@/components/forms/active-form";
import { MergeForm } from "@/components/forms/merge-form";
import { RenameForm } from "@/components/forms/rename-form";
import { ReviewForm } from "@/components/forms/review-form";
import { PmStatusBadge } from "@/components/pm-status-badge";
import { SeverityBadge } from "@/components/severity-badge";
import { Trend } from "@/components/trend";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState, ErrorState } from "@/components/ui/states";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const result = await load(api().GET("/api/clusters/{id}", { params: { path: { id } } }).then(unwrap));
  return { title: result.ok ? result.data.cluster.cluster_name : "Cluster" };
}

function Metric({ label, value, children }: { label: string; value: string; children?: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">{label}</dt>
      <dd className="mt-0.5 flex items-baseline gap-2 text-lg font-semibold tabular-nums text-slate-900">
        {value}
        {children}
      </dd>
    </div>
  );
}

export default async function ClusterPage({ params }: Props) {
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  const client = api();
  const [detail, taxonomy, controls] = await Promise.all([
    load(client.GET("/api/clusters/{id}", { params: { path: { id } } }).then(unwrap)),
    load(client.GET("/api/taxonomy").then(unwrap)),
    currentControls(),
  ]);
  if (!detail.ok && detail.status === 404) notFound();
  if (!detail.ok) return <ErrorState title="Could not load this cluster" message={detail.message} />;
  const tax = taxonomy.ok ? taxonomy.data : null;
  const labels = taxonomyLabels(tax);
  const { cluster: c, issues, tickets } = detail.data;
  // The choices of the editing forms, which a viewer does not get.
  const options = controls.edit ? await load(clusterOptions(labels, c.category)) : { ok: true as const, data: [] };
  const others = options.ok ? options.data.filter((o) => o.id !== c.id) : [];
  const weeks = weeklyCounts(issues.map((i) => i.ticket.created_at));
  const sortedTickets = [...tickets].sort((a, b) => bySeverity(a.severity, b.severity) || b.ticket_created_at.localeCompare(a.ticket_created_at));

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-600">
        <Link prefetch={false} href="/clusters" className="link">
          Clusters
        </Link>{" "}
        / {labels.category(c.category)} / {labels.subcategory(c.category, c.subcategory)}
      </nav>
      <PageHeader
        title={<span data-testid="cluster-name">{c.cluster_name}</span>}
        description={c.cluster_summary ?? undefined}
        actions={
          <>
            <PmStatusBadge status={c.pm_status} />
            {c.is_emerging ? <span className="rounded bg-violet-100 px-1.5 py-0.5 text-xs font-medium text-violet-800">emerging</span> : null}
            {c.merged_into ? (
              <Link prefetch={false} href={`/clusters/${c.merged_into}`} className="rounded bg-slate-200 px-1.5 py-0.5 text-xs font-medium text-slate-800 hover:underline">
                merged — see the cluster it joined
              </Link>
            ) : !c.is_active ? (
              <span className="rounded bg-slate-200 px-1.5 py-0.5 text-xs font-medium text-slate-800">closed</span>
            ) : null}
          </>
        }
      />

      <div className="grid gap-4 lg:grid-cols-3">
        <div className="space-y-4 lg:col-span-2">
          <Card>
            <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
              <Metric label="Issues" value={formatNumber(c.issue_count)} />
              <Metric label="Customers" value={formatNumber(c.unique_customers)} />
              <Metric label="Last 7 days" value={formatNumber(c.count_7d)}>
                <Trend trendPct={c.trend_pct} count7d={c.count_7d} />
              </Metric>
              <Metric label="Prior 7 days" value={formatNumber(c.count_prior_7d)} />
            </dl>
            <p className="mt-3 text-xs text-slate-600">
              First seen {formatDate(c.first_seen)} · last seen {formatAgo(c.last_seen)} · statistics from {formatDateTime(c.stats_updated_at)}
            </p>
            {weeks.length > 1 ? (
              <div className="mt-3">
                <p className="text-xs font-medium text-slate-700">Issues per week</p>
                <Sparkline points={weeks} label={`Issues per week: ${weeks.map((w) => w.count).join(", ")}`} />
              </div>
            ) : null}
          </Card>

          <Card
            title={`Issues (${formatNumber(c.issue_count)})`}
            action={
              <Link prefetch={false} href={`/issues?cluster_id=${c.id}`} className="link text-xs">
                {issues.length < c.issue_count ? `Showing the latest ${formatNumber(issues.length)} — all in the explorer →` : "Open in the issue explorer →"}
              </Link>
            }
          >
            {issues.length === 0 ? (
              <EmptyState title="No issues in this cluster">Its issues were moved or merged elsewhere.</EmptyState>
            ) : (
              <EditorOptionsProvider value={{ taxonomy: tax, clusters: others }}>
                <div className="-m-4 overflow-x-auto">
                  <table className="min-w-full text-sm" data-testid="issues-table">
                    <caption className="sr-only">Issues in this cluster</caption>
                    <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-700">
                      <tr>
                        <th scope="col" className="px-3 py-2 text-left font-medium">Severity</th>
                        <th scope="col" className="px-3 py-2 text-left font-medium">Issue</th>
                        <th scope="col" className="px-3 py-2 text-left font-medium">Reported</th>
                        {controls.edit ? <th scope="col" className="px-3 py-2 text-left font-medium"><span className="sr-only">Actions</span></th> : null}
                      </tr>
                    </thead>
                    <tbody className="divide-y divide-slate-100">
                      {issues.map((i) => (
                        <tr key={i.id} className="align-top" data-testid="issue-row" data-issue-id={i.id}>
                          <td className="px-3 py-2">
                            <SeverityBadge severity={i.severity} />
                          </td>
                          <td className="max-w-xl px-3 py-2">
                            <p className="font-medium text-slate-900">{i.summary}</p>
                            {i.representative_quote ? <blockquote className="mt-1 border-l-2 border-slate-300 pl-2 text-slate-700 italic">“{i.representative_quote}”</blockquote> : null}
                            <p className="mt-1 text-xs text-slate-600">
                              {humanize(i.issue_type)} · {labels.subcategory(i.category, i.subcategory)}
                              {i.ticket.requester_org_name ? ` · ${i.ticket.requester_org_name}` : ""}
                              {i.corrected_by ? ` · corrected by ${i.corrected_by}` : ""}
                            </p>
                          </td>
                          <td className="whitespace-nowrap px-3 py-2 text-slate-600">
                            {i.ticket.url ? (
                              <a href={i.ticket.url} target="_blank" rel="noreferrer" className="link">
                                #{i.ticket.source_id}
                              </a>
                            ) : (
                              <span>#{i.ticket.source_id}</span>
                            )}
                            <span className="block text-xs">{formatDate(i.ticket.created_at)}</span>
                          </td>
                          {controls.edit ? (
                            <td className="px-3 py-2">
                              <IssueEditor
                                issue={{ id: i.id, cluster_id: i.cluster_id ?? null, category: i.category, subcategory: i.subcategory, issue_type: i.issue_type, severity: i.severity }}
                              />
                            </td>
                          ) : null}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </EditorOptionsProvider>
            )}
          </Card>
        </div>

        <div className="space-y-4">
          <Card title="PM review">
            {controls.edit ? (
              <ReviewForm clusterId={c.id} status={c.pm_status} notes={c.pm_notes ?? ""} statuses={(tax?.pm_statuses ?? []).map((p) => p.key)} />
            ) : (
              <div className="space-y-2 text-sm" data-testid="review-readonly">
                <PmStatusBadge status={c.pm_status} />
                <p className="whitespace-pre-wrap text-slate-700">{c.pm_notes ?? "No notes."}</p>
              </div>
            )}
          </Card>
          <Card title="Tickets" action={<span className="text-xs text-slate-600">{formatNumber(tickets.length)}</span>}>
            {tickets.length === 0 ? (
              <p className="text-sm text-slate-600">No tickets.</p>
            ) : (
              <ul className="max-h-96 divide-y divide-slate-100 overflow-y-auto" data-testid="tickets">
                {sortedTickets.map((t) => (
                  <li key={t.id} className="flex items-start gap-2 py-2 text-sm">
                    <SeverityBadge severity={t.severity} />
                    <div className="min-w-0 flex-1">
                      {t.url ? (
                        <a href={t.url} target="_blank" rel="noreferrer" className="link block truncate">
                          {t.subject ?? `Ticket #${t.source_id}`}
                          <span className="sr-only"> (opens Zendesk)</span>
                        </a>
                      ) : (
                        <span className="block truncate text-slate-900">{t.subject ?? `Ticket #${t.source_id}`}</span>
                      )}
                      <span className="text-xs text-slate-600">
                        #{t.source_id} · {t.requester_org_name ?? "unknown customer"} · {formatDate(t.ticket_created_at)}
                      </span>
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          {controls.edit ? (
            <Card title="Curate">
              <div className="space-y-5">
                <RenameForm clusterId={c.id} name={c.cluster_name} />
                {c.is_active ? (
                  options.ok ? (
                    <MergeForm clusterId={c.id} options={others} />
                  ) : (
                    <ErrorState title="Could not list the clusters to merge into" message={options.message} />
                  )
                ) : null}
                {c.merged_into ? null : <ActiveForm clusterId={c.id} active={c.is_active} />}
              </div>
            </Card>
          ) : null}
        </div>
      </div>
    </>
  );
}
