import "server-only";
import { api } from "@/lib/api/client";
import { unwrap } from "@/lib/api/errors";
import type { ClusterOption } from "@/components/forms/merge-form";
import type { Labels } from "@/lib/taxonomy";

/** The active clusters a person can merge into or move an issue to, grouped by category (the
 * given category's group first). At most 200, the API's largest page: the biggest first. */
export async function clusterOptions(labels: Labels, firstCategory?: string): Promise<ClusterOption[]> {
  const page = unwrap(
    await api().GET("/api/clusters", { params: { query: { is_active: true, sort: "issue_count:desc", per_page: 200 } } }),
  );
  const options = page.items.map((c) => ({
    id: c.id,
    name: c.cluster_name,
    group: labels.category(c.category),
    issues: c.issue_count,
    category: c.category,
  }));
  const first = firstCategory ? labels.category(firstCategory) : undefined;
  return options
    .sort((a, b) => Number(b.group === first) - Number(a.group === first) || a.group.localeCompare(b.group) || a.name.localeCompare(b.name))
    .map(({ category: _category, ...o }) => o);
}
