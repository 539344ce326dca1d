import { clusterQuery } from "@/lib/query";
import { proxyCsv, today } from "@/lib/server/export";

export const dynamic = "force-dynamic";

/** `GET /export/clusters?<the cluster list's filters>`: the API's CSV of those clusters. */
export async function GET(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const params: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) (params[key] ??= []).push(value);
  const query = clusterQuery(params);
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && key !== "page" && key !== "per_page") search.set(key, String(value));
  }
  return proxyCsv("/api/export/clusters", search.toString(), `clusters-${today()}.csv`);
}
