"use client";

import { renameCluster } from "@/lib/server/actions";
import { FormMessage } from "./form-message";
import { useSave } from "./use-save";

export function RenameForm({ clusterId, name }: { clusterId: string; name: string }) {
  const [result, action, pending] = useSave(renameCluster.bind(null, clusterId));
  return (
    <form onSubmit={action} className="space-y-2" aria-label="Rename cluster">
      <label htmlFor="cluster-name" className="field-label">
        Name
      </label>
      <div className="flex gap-2">
        <input id="cluster-name" name="name" defaultValue={name} maxLength={200} required className="field mt-0" />
        <button type="submit" className="btn-secondary shrink-0" disabled={pending}>
          {pending ? "Renaming…" : "Rename"}
        </button>
      </div>
      <FormMessage result={result} testId="rename-result" />
    </form>
  );
}
