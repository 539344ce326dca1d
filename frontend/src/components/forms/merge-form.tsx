"use client";

import { mergeCluster } from "@/lib/server/actions";
import { FormMessage } from "./form-message";
import { useSave } from "./use-save";

export type ClusterOption = { id: string; name: string; group: string; issues: number };

/** Merges this cluster into another: its issues move there and this one is retired. */
export function MergeForm({ clusterId, options }: { clusterId: string; options: ClusterOption[] }) {
  const [result, action, pending] = useSave(mergeCluster.bind(null, clusterId), "Merge this cluster? Its issues move to the chosen cluster and this one is retired.");
  const groups = [...new Set(options.map((o) => o.group))];
  return (
    <form
      className="space-y-2"
      aria-label="Merge cluster"
      onSubmit={action}
    >
      <label htmlFor="merge-into" className="field-label">
        Merge into
      </label>
      <div className="flex gap-2">
        <select id="merge-into" name="into" required defaultValue="" className="field mt-0">
          <option value="" disabled>
            Choose a cluster…
          </option>
          {groups.map((g) => (
            <optgroup key={g} label={g}>
              {options
                .filter((o) => o.group === g)
                .map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name} ({o.issues})
                  </option>
                ))}
            </optgroup>
          ))}
        </select>
        <button type="submit" className="btn-danger shrink-0" disabled={pending || options.length === 0}>
          {pending ? "Merging…" : "Merge"}
        </button>
      </div>
      <FormMessage result={result} testId="merge-result" />
    </form>
  );
}
