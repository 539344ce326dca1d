/** The list pages' filters live in the URL (so a view can be shared): parsing the page's search
 * params into the API's query, and writing a query back into a URL. */
import type { ClusterListQuery, IssueListQuery } from "@/lib/api/types";

export type SearchParams = Record<string, string | string[] | undefined>;

function first(params: SearchParams, key: string): string | undefined {
  const v = params[key];
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.trim() !== "" ? s.trim() : undefined;
}

/** Every value of a repeated or comma-separated parameter (`severity=critical&severity=high` or
 * `severity=critical,high`). */
function all(params: SearchParams, key: string): string[] {
  const v = params[key];
  const values = Array.isArray(v) ? v : v ? [v] : [];
  return values.flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
}

function positiveInt(value: string | undefined): number | undefined {
  if (!value || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 ? n : undefined;
}

export const CLUSTER_SORT_FIELDS = [
  "issue_count",
  "unique_customers",
  "trend_pct",
  "count_7d",
  "last_seen",
  "first_seen",
  "created_at",
  "cluster_name",
] as const;

export const ISSUE_SORT_FIELDS = ["reported_at", "extracted_at", "severity", "confidence", "category"] as const;

function sortParam(value: string | undefined, fields: readonly string[]): string | undefined {
  if (!value) return undefined;
  const [field, dir = "desc"] = value.split(":");
  return fields.includes(field) && (dir === "asc" || dir === "desc") ? `${field}:${dir}` : undefined;
}

export const CLUSTERS_PER_PAGE = 25;
export const ISSUES_PER_PAGE = 50;

/** `status`: `active` (the default), `inactive` (merged or retired) or `all`. */
export function clusterQuery(params: SearchParams): ClusterListQuery {
  const status = first(params, "status") ?? "active";
  return {
    category: first(params, "category"),
    subcategory: first(params, "subcategory"),
    pm_status: first(params, "pm_status"),
    is_active: status === "all" ? undefined : status !== "inactive",
    emerging: first(params, "emerging") === "true" ? true : undefined,
    sort: sortParam(first(params, "sort"), CLUSTER_SORT_FIELDS),
    page: positiveInt(first(params, "page")),
    per_page: CLUSTERS_PER_PAGE,
  };
}

export function issueQuery(params: SearchParams): IssueListQuery {
  const severity = all(params, "severity");
  return {
    category: first(params, "category"),
    subcategory: first(params, "subcategory"),
    issue_type: first(params, "issue_type"),
    severity: severity.length ? severity.join(",") : undefined,
    cluster_id: first(params, "cluster_id"),
    start_date: first(params, "start_date"),
    end_date: first(params, "end_date"),
    search: first(params, "search"),
    sort: sortParam(first(params, "sort"), ISSUE_SORT_FIELDS),
    page: positiveInt(first(params, "page")),
    per_page: ISSUES_PER_PAGE,
  };
}

/** The URL search string of the current view with `changes` applied (`undefined` removes a
 * key). Changing a filter goes back to page 1. */
export function withParams(params: SearchParams, changes: Record<string, string | undefined>): string {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (key in changes) continue;
    for (const v of Array.isArray(value) ? value : value ? [value] : []) if (v !== "") out.append(key, v);
  }
  for (const [key, value] of Object.entries(changes)) if (value !== undefined && value !== "") out.set(key, value);
  if (!("page" in changes)) out.delete("page");
  const s = out.toString();
  return s ? `?${s}` : "";
}

/** The API's query string for a filter object (for the CSV export), without pagination. */
export function exportSearch(query: IssueListQuery): string {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || key === "page" || key === "per_page" || key === "sort") continue;
    out.set(key, String(value));
  }
  return out.toString();
}
