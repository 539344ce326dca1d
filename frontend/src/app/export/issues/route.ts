import { exportSearch, issueQuery } from "@/lib/query";
import { proxyCsv, today } from "@/lib/server/export";

export const dynamic = "force-dynamic";

/** `GET /export/issues?<the issue explorer's filters>`: the API's CSV of exactly that view. */
export async function GET(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const params: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) (params[key] ??= []).push(value);
  return proxyCsv("/api/export/issues", exportSearch(issueQuery(params)), `issues-${today()}.csv`);
}
