"use client";

import { saveClusterReview } from "@/lib/server/actions";
import { pmStatusLabel } from "@/lib/format";
import { FormMessage } from "./form-message";
import { useSave } from "./use-save";

/** A PM's status and notes for a cluster, saved through the API. */
export function ReviewForm({ clusterId, status, notes, statuses }: { clusterId: string; status: string; notes: string; statuses: string[] }) {
  const [result, action, pending] = useSave(saveClusterReview.bind(null, clusterId));
  return (
    <form onSubmit={action} className="space-y-3" aria-label="PM review">
      <div>
        <label htmlFor="pm_status" className="field-label">
          PM status
        </label>
        <select id="pm_status" name="pm_status" defaultValue={status} className="field">
          {statuses.map((s) => (
            <option key={s} value={s}>
              {pmStatusLabel(s)}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="pm_notes" className="field-label">
          Notes
        </label>
        <textarea
          id="pm_notes"
          name="pm_notes"
          rows={4}
          defaultValue={notes}
          placeholder="Decisions, linked roadmap items, who owns it…"
          className="field resize-y"
        />
      </div>
      <div className="flex items-center gap-3">
        <button type="submit" className="btn-primary" disabled={pending}>
          {pending ? "Saving…" : "Save"}
        </button>
        <FormMessage result={result} testId="review-result" />
      </div>
    </form>
  );
}
