/** Pages a signed-out person may open, and where sign-in sends them afterwards. Pure: used by the
 * middleware (edge or Node), the login page and the callback alike. */

/** Pages that need no session: the sign-in form and the SSO callback. */
export function isPublicPath(pathname: string): boolean {
  return pathname === "/login" || pathname === "/auth/callback";
}

const BASE = "http://dashboard.invalid";

/**
 * The page to go to after signing in: `raw` when it is a path on this dashboard, else `/`.
 * Refuses what a browser would take for another site (`//evil`, `/\evil`, `https://…`, control
 * characters that browsers strip) and the sign-in pages themselves (no loop back to /login).
 */
export function safeNextPath(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || /[\\\u0000-\u001f\u007f]/.test(raw)) return "/";
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return "/";
  }
  if (url.origin !== BASE || isPublicPath(url.pathname) || url.pathname.startsWith("/auth/")) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}

/** `/login?next=<path>` (no `next` for the overview), with an error code for the page to explain. */
export function loginPath(next: string, error?: string): string {
  const query = new URLSearchParams();
  const safe = safeNextPath(next);
  if (safe !== "/") query.set("next", safe);
  if (error) query.set("error", error);
  const search = query.toString();
  return search ? `/login?${search}` : "/login";
}
