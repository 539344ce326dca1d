"use client";

import { setClusterActive } from "@/lib/server/actions";
import { FormMessage } from "./form-message";
import { useSave } from "./use-save";

/**
 * Closes an active cluster (new issues stop joining it; it keeps its issues and automatic passes
 * leave it alone) or reopens a closed one.
 */
export function ActiveForm({ clusterId, active }: { clusterId: string; active: boolean }) {
  const [result, action, pending] = useSave(setClusterActive.bind(null, clusterId, !active), active ? "Close this cluster? New issues stop joining it; it keeps the issues it has." : undefined);
  return (
    <form
      className="space-y-2"
      aria-label={active ? "Close cluster" : "Reopen cluster"}
      onSubmit={action}
    >
      <p className="text-sm text-slate-600">
        {active
          ? "Closed clusters keep their issues but take no new ones, and automatic passes never merge, split or reopen them."
          : "This cluster is closed: new issues do not join it."}
      </p>
      <div className="flex items-center gap-3">
        <button type="submit" className="btn-secondary" disabled={pending}>
          {pending ? "Saving…" : active ? "Close cluster" : "Reopen cluster"}
        </button>
        <FormMessage result={result} testId="active-result" />
      </div>
    </form>
  );
}
