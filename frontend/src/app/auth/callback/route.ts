import type { NextRequest, NextResponse } from "next/server";
import { authApi } from "@/lib/auth/api";
import { cookieOptions, servedOverHttps, SSO_NEXT_COOKIE, storeSession } from "@/lib/auth/cookie";
import { ssoFailure } from "@/lib/auth/messages";
import { loginPath, safeNextPath } from "@/lib/auth/paths";
import { seeOther } from "@/lib/auth/responses";

export const dynamic = "force-dynamic";

/**
 * `GET /auth/callback?code&state`: where the OpenID provider sends the person back. The API
 * checks the state (and the nonce and PKCE it kept), redeems the code and answers with a session,
 * which becomes the cookie; then to the page the sign-in started from. Any failure goes back to
 * /login with an error code (the API's reason is logged here, never put in the URL).
 */
export async function GET(request: NextRequest): Promise<NextResponse> {
  const params = request.nextUrl.searchParams;
  const next = safeNextPath(request.cookies.get(SSO_NEXT_COOKIE)?.value);
  const secure = servedOverHttps(request.headers, request.url);
  const code = params.get("code");
  const state = params.get("state");

  let response: NextResponse;
  if (params.get("error") || !code || !state) {
    response = seeOther(loginPath(next, params.get("error") ? "sso_cancelled" : "sso_failed"));
  } else {
    const session = await authApi.oidcCallback(code, state, request.headers.get("x-forwarded-for"));
    if (session.ok) {
      response = seeOther(next);
      storeSession(response.cookies, session.data, secure);
    } else {
      console.warn(`SSO callback refused by the API: ${session.status} ${session.message}`);
      response = seeOther(loginPath(next, ssoFailure(session.status)));
    }
  }
  response.cookies.set(SSO_NEXT_COOKIE, "", cookieOptions(secure, 0));
  return response;
}
