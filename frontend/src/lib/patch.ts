import type { IssuePatch } from "@/lib/api/types";

function text(form: FormData, key: string): string | undefined {
  const v = form.get(key);
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** An issue's current labels and cluster, to send only what the person changed. */
export type IssueLabels = {
  id: string;
  cluster_id: string | null;
  category: string;
  subcategory: string;
  issue_type: string;
  severity: string;
};

/** What a correction form changes, compared with the issue as it is. A new category always
 * carries its subcategory (the API checks them as a pair). */
export function issuePatch(issue: IssueLabels, form: FormData): IssuePatch {
  const body: IssuePatch = {};
  for (const key of ["category", "subcategory", "issue_type", "severity"] as const) {
    const v = text(form, key);
    if (v && v !== issue[key]) body[key] = v;
  }
  if (body.category) body.subcategory = text(form, "subcategory") ?? issue.subcategory;
  if (body.subcategory && !body.category) body.category = issue.category;
  const target = text(form, "cluster_id");
  if (target && target !== issue.cluster_id) body.cluster_id = target;
  return body;
}

