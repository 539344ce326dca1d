"use client";

import { useState } from "react";
import { correctIssue } from "@/lib/server/actions";
import type { IssueLabels } from "@/lib/patch";
import { humanize } from "@/lib/format";
import { severityStyle } from "@/lib/severity";
import { useEditorOptions } from "./editor-context";
import { FormMessage } from "./form-message";
import { useSave } from "./use-save";

/** Corrects one issue: its labels, or the cluster it belongs to. Collapsed until opened. */
export function IssueEditor({ issue }: { issue: IssueLabels }) {
  const { taxonomy, clusters } = useEditorOptions();
  const [labelsResult, labelsAction, labelsPending] = useSave(correctIssue.bind(null, issue));
  const [moveResult, moveAction, movePending] = useSave(correctIssue.bind(null, issue));
  const [category, setCategory] = useState(issue.category);
  const subcategories = taxonomy?.categories.find((c) => c.key === category)?.subcategories ?? [];
  const id = (name: string) => `${name}-${issue.id}`;
  const groups = [...new Set(clusters.map((c) => c.group))];

  return (
    <details className="group">
      <summary className="cursor-pointer list-none text-xs font-medium text-indigo-700 hover:underline">
        Edit<span className="sr-only"> issue {issue.id}</span>
      </summary>
      <div className="mt-2 w-72 space-y-4 rounded-md border border-slate-200 bg-slate-50 p-3">
        <form onSubmit={labelsAction} aria-label="Correct labels" className="space-y-2">
          <p className="text-xs font-semibold text-slate-800">Correct labels</p>
          <div>
            <label htmlFor={id("category")} className="field-label">
              Category
            </label>
            <select id={id("category")} name="category" value={category} onChange={(e) => setCategory(e.target.value)} className="field">
              {(taxonomy?.categories ?? []).map((c) => (
                <option key={c.key} value={c.key}>
                  {c.label}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor={id("subcategory")} className="field-label">
              Subcategory
            </label>
            <select key={category} id={id("subcategory")} name="subcategory" defaultValue={category === issue.category ? issue.subcategory : subcategories[0]?.key} className="field">
              {subcategories.map((s) => (
                <option key={s.key} value={s.key}>
                  {s.label}
                </option>
              ))}
            </select>
          </div>
          <div className="grid grid-cols-2 gap-2">
            <div>
              <label htmlFor={id("issue_type")} className="field-label">
                Type
              </label>
              <select id={id("issue_type")} name="issue_type" defaultValue={issue.issue_type} className="field">
                {(taxonomy?.issue_types ?? []).map((t) => (
                  <option key={t.key} value={t.key}>
                    {humanize(t.key)}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor={id("severity")} className="field-label">
                Severity
              </label>
              <select id={id("severity")} name="severity" defaultValue={issue.severity} className="field">
                {(taxonomy?.severities ?? []).map((s) => (
                  <option key={s.key} value={s.key}>
                    {severityStyle(s.key).label}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <div className="flex flex-wrap items-center gap-2">
            <button type="submit" className="btn-primary" disabled={labelsPending}>
              {labelsPending ? "Saving…" : "Save labels"}
            </button>
            <FormMessage result={labelsResult} />
          </div>
        </form>
        <form onSubmit={moveAction} aria-label="Move to another cluster" className="space-y-2 border-t border-slate-200 pt-3">
          <label htmlFor={id("cluster")} className="field-label">
            Move to cluster
          </label>
          <select id={id("cluster")} name="cluster_id" required defaultValue="" className="field">
            <option value="" disabled>
              Choose a cluster…
            </option>
            {groups.map((g) => (
              <optgroup key={g} label={g}>
                {clusters
                  .filter((c) => c.group === g && c.id !== issue.cluster_id)
                  .map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
          <div className="flex flex-wrap items-center gap-2">
            <button type="submit" className="btn-secondary" disabled={movePending}>
              {movePending ? "Moving…" : "Move"}
            </button>
            <FormMessage result={moveResult} />
          </div>
        </form>
      </div>
    </details>
  );
}
