import type { Metadata } from "next";
import { api } from "@/lib/api/client";
import { unwrap } from "@/lib/api/errors";
import { load } from "@/lib/api/load";
import type { JobView, QueueView } from "@/lib/api/types";
import { formatDateTime, formatDuration, formatNumber } from "@/lib/format";
import { currentControls } from "@/lib/auth/session";
import { NeedsRole } from "@/components/auth/needs-role";
import { RetryButton, SyncNowForm } from "@/components/forms/ops-forms";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState, ErrorState } from "@/components/ui/states";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Operations" };

type ListedJob = JobView & { queue: string };

const COUNTS: { key: keyof QueueView; label: string; warn?: boolean }[] = [
  { key: "pending", label: "Pending" },
  { key: "scheduled", label: "Scheduled" },
  { key: "running", label: "Running" },
  { key: "failed", label: "Failed", warn: true },
  { key: "dead", label: "Dead", warn: true },
  { key: "done", label: "Done (24 h)" },
  { key: "workers", label: "Workers" },
];

async function problemJobs(queues: QueueView[]): Promise<ListedJob[]> {
  const client = api();
  const lists = await Promise.all(
    queues.flatMap((q) =>
      (["dead", "failed"] as const)
        .filter((state) => q[state] > 0)
        .map(async (state) => {
          const jobs = unwrap(await client.GET("/api/ops/queues/{queue}/jobs", { params: { path: { queue: q.queue }, query: { state, limit: 100 } } }));
          return jobs.map((j) => ({ ...j, queue: q.queue }));
        }),
    ),
  );
  return lists.flat();
}

export default async function OpsPage() {
  if (!(await currentControls()).operate) {
    return <NeedsRole role="admin" what="Operations shows the job queues, dead letters and the Zendesk sync, and can retry jobs and start a sync." />;
  }
  const client = api();
  const [queues, sync] = await Promise.all([load(client.GET("/api/ops/queues").then(unwrap)), load(client.GET("/api/sync/status").then(unwrap))]);
  const jobs = queues.ok ? await load(problemJobs(queues.data)) : null;

  return (
    <>
      <PageHeader title="Operations" description="The pipeline's job queues, jobs that failed, and the Zendesk sync." />
      <div className="grid gap-4 lg:grid-cols-3">
        <Card title="Queues" className="lg:col-span-2">
          {!queues.ok ? (
            <ErrorState title="Could not read the queues" message={queues.message} />
          ) : (
            <div className="-m-4 overflow-x-auto">
              <table className="min-w-full text-sm" data-testid="queues-table">
                <caption className="sr-only">Jobs per queue</caption>
                <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-700">
                  <tr>
                    <th scope="col" className="px-3 py-2 text-left font-medium">Queue</th>
                    {COUNTS.map((c) => (
                      <th key={c.key} scope="col" className="px-3 py-2 text-right font-medium">
                        {c.label}
                      </th>
                    ))}
                    <th scope="col" className="px-3 py-2 text-right font-medium">Oldest pending</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {queues.data.map((q) => (
                    <tr key={q.queue} data-testid={`queue-${q.queue}`}>
                      <th scope="row" className="px-3 py-2 text-left font-medium text-slate-900">
                        {q.queue}
                      </th>
                      {COUNTS.map((c) => {
                        const n = Number(q[c.key]);
                        return (
                          <td key={c.key} data-testid={`queue-${q.queue}-${c.key}`} className={`px-3 py-2 text-right tabular-nums ${c.warn && n > 0 ? "font-semibold text-red-700" : "text-slate-800"}`}>
                            {formatNumber(n)}
                          </td>
                        );
                      })}
                      <td className="px-3 py-2 text-right tabular-nums text-slate-700">{q.oldest_pending_secs != null ? formatDuration(q.oldest_pending_secs) : "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>

        <Card title="Zendesk sync">
          {!sync.ok ? (
            <ErrorState title="Could not read the sync status" message={sync.message} />
          ) : (
            <div className="space-y-3 text-sm" data-testid="sync-status">
              {sync.data.last_run ? (
                <dl className="grid grid-cols-2 gap-x-3 gap-y-1">
                  <dt className="text-slate-600">Last run started</dt>
                  <dd className="text-slate-900">{formatDateTime(sync.data.last_run.sync_started_at)}</dd>
                  <dt className="text-slate-600">Completed</dt>
                  <dd className="text-slate-900">{sync.data.last_run.sync_completed_at ? formatDateTime(sync.data.last_run.sync_completed_at) : "not completed"}</dd>
                  <dt className="text-slate-600">Tickets read / changed</dt>
                  <dd className="tabular-nums text-slate-900">
                    {formatNumber(sync.data.last_run.tickets_synced)} / {formatNumber(sync.data.last_run.tickets_changed)}
                  </dd>
                </dl>
              ) : (
                <p className="text-slate-700">No sync has run yet (Zendesk credentials may not be configured; tickets can also arrive by import or webhook).</p>
              )}
              <p className="text-slate-700">
                Sync jobs: {formatNumber(sync.data.queued)} waiting, {formatNumber(sync.data.running)} running,{" "}
                <span className={sync.data.dead > 0 ? "font-semibold text-red-700" : ""}>{formatNumber(sync.data.dead)} dead</span>
              </p>
              <SyncNowForm />
            </div>
          )}
        </Card>
      </div>

      <div className="mt-4">
        <Card title="Failed and dead jobs">
          {!jobs ? (
            <p className="text-sm text-slate-600">Unavailable while the queues cannot be read.</p>
          ) : !jobs.ok ? (
            <ErrorState title="Could not list the jobs" message={jobs.message} />
          ) : jobs.data.length === 0 ? (
            <EmptyState title="No failed or dead jobs">Every job so far has succeeded or is waiting its turn.</EmptyState>
          ) : (
            <div className="-m-4 overflow-x-auto">
              <table className="min-w-full text-sm" data-testid="jobs-table">
                <caption className="sr-only">Failed and dead jobs</caption>
                <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-700">
                  <tr>
                    <th scope="col" className="px-3 py-2 text-left font-medium">Queue</th>
                    <th scope="col" className="px-3 py-2 text-left font-medium">State</th>
                    <th scope="col" className="px-3 py-2 text-left font-medium">Job</th>
                    <th scope="col" className="px-3 py-2 text-left font-medium">Error</th>
                    <th scope="col" className="px-3 py-2 text-right font-medium">Attempts</th>
                    <th scope="col" className="px-3 py-2 text-left font-medium">Finished</th>
                    <th scope="col" className="px-3 py-2 text-right font-medium"><span className="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {jobs.data.map((j) => (
                    <tr key={`${j.queue}-${j.id}`} className="align-top" data-testid="job-row" data-job-id={j.id}>
                      <td className="px-3 py-2 font-medium text-slate-900">{j.queue}</td>
                      <td className="px-3 py-2">
                        <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${j.state === "dead" ? "bg-red-100 text-red-800" : "bg-amber-100 text-amber-900"}`}>{j.state}</span>
                      </td>
                      <td className="px-3 py-2">
                        <code className="text-xs text-slate-700">{j.id}</code>
                        <pre className="mt-1 max-w-xs overflow-x-auto text-xs text-slate-600">{JSON.stringify(j.args)}</pre>
                      </td>
                      <td className="max-w-md px-3 py-2 text-red-800" data-testid="job-error">
                        {j.error ?? <span className="text-slate-500">no error recorded</span>}
                      </td>
                      <td className="px-3 py-2 text-right tabular-nums">{j.attempts ?? "—"}</td>
                      <td className="whitespace-nowrap px-3 py-2 text-slate-600">{formatDateTime(j.finished_at ?? j.enqueued_at)}</td>
                      <td className="px-3 py-2 text-right">
                        {j.state === "dead" ? <RetryButton queue={j.queue} jobId={j.id} /> : <span className="text-xs text-slate-600">retries by itself</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>
    </>
  );
}
