import type { NextRequest, NextResponse } from "next/server";
import { authApi } from "@/lib/auth/api";
import { dropSession, servedOverHttps, SESSION_COOKIE } from "@/lib/auth/cookie";
import { seeOther } from "@/lib/auth/responses";

export const dynamic = "force-dynamic";

/**
 * `POST /auth/logout` (the nav's Sign out form; the middleware has checked its origin): the API
 * revokes the session, the cookie goes, and the browser lands on /login (303: a GET, so a reload
 * there never posts again).
 */
export async function POST(request: NextRequest): Promise<NextResponse> {
  const token = request.cookies.get(SESSION_COOKIE)?.value;
  if (token) {
    const revoked = await authApi.logout(token);
    // 401: already expired or revoked. Anything else: the cookie goes all the same, and the
    // session ends by itself at its expiry.
    if (!revoked.ok && revoked.status !== 401) console.warn(`logout: the API answered ${revoked.status} ${revoked.message}`);
  }
  const response = seeOther("/login");
  dropSession(response.cookies, servedOverHttps(request.headers, request.url));
  return response;
}
