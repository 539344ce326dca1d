import "server-only";
import { apiBaseUrl } from "@/lib/env";
import { sessionToken, signInAgain } from "@/lib/auth/session";

/** Streams one of the API's CSV exports through the dashboard's server, as the signed-in person
 * (whose session the browser's cookie names; the token itself never reaches a page): the body is
 * passed on as it arrives, never collected in memory. */
export async function proxyCsv(path: string, search: string, filename: string): Promise<Response> {
  const token = await sessionToken();
  let upstream: Response;
  try {
    upstream = await fetch(`${apiBaseUrl()}${path}${search ? `?${search}` : ""}`, {
      headers: { Authorization: `Bearer ${token ?? ""}`, Accept: "text/csv" },
      cache: "no-store",
    });
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code ?? "unreachable";
    return Response.json({ error: "unavailable", message: `The API is not reachable (${code}).` }, { status: 502 });
  }
  if (upstream.status === 401) return signInAgain();
  if (!upstream.ok || !upstream.body) {
    const body = await upstream.text();
    return new Response(body, { status: upstream.status, headers: { "Content-Type": upstream.headers.get("Content-Type") ?? "text/plain" } });
  }
  return new Response(upstream.body, {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
    },
  });
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}
