import { NextResponse, type NextRequest } from "next/server";
import { SESSION_COOKIE, dropSession, servedOverHttps } from "@/lib/auth/cookie";
import { isSameOrigin, isStateChanging } from "@/lib/auth/origin";
import { isPublicPath, loginPath } from "@/lib/auth/paths";
import { seeOtherFromMiddleware } from "@/lib/auth/responses";
import { CURRENT_PATH_HEADER } from "@/lib/auth/session-header";
import { contentSecurityPolicy } from "@/lib/security";

/** Whether the API still accepts a session (false only on its 401: when the API cannot be asked,
 * the cookie stays). */
async function refused(token: string): Promise<boolean> {
  const base = process.env.API_URL?.trim().replace(/\/+$/, "");
  if (!base) return false;
  try {
    const me = await fetch(`${base}/api/auth/me`, { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
    return me.status === 401;
  } catch {
    return false;
  }
}

/**
 * Every request but static files passes here:
 * 1. CSRF: a state-changing request (server actions, /auth/logout) must come from this
 *    dashboard's own pages (Origin, or Referer without one) → else 403;
 * 2. sign-in: without a session cookie, every page but /login and /auth/callback redirects to
 *    /login?next=…; /login itself clears a cookie the API refuses (a session that expired);
 * 3. a CSP nonce for the page, and the page's path for [signInAgain].
 */
export async function middleware(request: NextRequest): Promise<NextResponse> {
  const { pathname, search } = request.nextUrl;
  if (isStateChanging(request.method) && !isSameOrigin(request.headers)) {
    return NextResponse.json(
      { error: "forbidden", message: "Refused: this request did not come from the dashboard's own pages." },
      { status: 403 },
    );
  }

  const token = request.cookies.get(SESSION_COOKIE)?.value;
  if (!token && !isPublicPath(pathname)) {
    return seeOtherFromMiddleware(loginPath(`${pathname}${search}`), request);
  }
  const expired = pathname === "/login" && token !== undefined && (await refused(token));
  if (expired) request.cookies.delete(SESSION_COOKIE); // the page renders signed out

  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const csp = contentSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  const headers = new Headers(request.headers);
  headers.set("Content-Security-Policy", csp); // Next.js takes the nonce for its scripts from here
  headers.set(CURRENT_PATH_HEADER, `${pathname}${search}`);

  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", csp);
  if (expired) dropSession(response.cookies, servedOverHttps(request.headers, request.url));
  return response;
}

export const config = {
  // Node.js, not the edge runtime: API_URL is read when the server runs, not when it is built.
  runtime: "nodejs",
  matcher: [
    // Everything but Next.js's static files and prefetches of them.
    { source: "/((?!_next/static|_next/image|favicon.ico).*)" },
  ],
};
