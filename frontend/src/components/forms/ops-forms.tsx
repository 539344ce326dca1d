"use client";

import { retryJob, triggerSync } from "@/lib/server/actions";
import { FormMessage } from "./form-message";
import { useSave } from "./use-save";

export function RetryButton({ queue, jobId }: { queue: string; jobId: string }) {
  const [result, action, pending] = useSave(retryJob.bind(null, queue, jobId));
  return (
    <form onSubmit={action} className="flex flex-col items-end gap-1">
      <button type="submit" className="btn-secondary" disabled={pending || result?.ok === true}>
        {pending ? "Retrying…" : "Retry"}
        <span className="sr-only"> job {jobId}</span>
      </button>
      <FormMessage result={result} testId="retry-result" />
    </form>
  );
}

export function SyncNowForm() {
  const [result, action, pending] = useSave(triggerSync);
  return (
    <form onSubmit={action} className="flex flex-wrap items-end gap-2" aria-label="Sync now">
      <div>
        <label htmlFor="backfill_days" className="field-label">
          Backfill days <span className="font-normal text-slate-500">(optional)</span>
        </label>
        <input id="backfill_days" name="backfill_days" type="number" min={1} max={365} placeholder="resume" className="field w-28" />
      </div>
      <button type="submit" className="btn-primary" disabled={pending}>
        {pending ? "Queueing…" : "Sync now"}
      </button>
      <FormMessage result={result} testId="sync-result" />
    </form>
  );
}
