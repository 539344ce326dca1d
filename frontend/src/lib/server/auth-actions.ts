"use server";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { authApi } from "@/lib/auth/api";
import { cookieOptions, servedOverHttps, SSO_NEXT_COOKIE, storeSession } from "@/lib/auth/cookie";
import { loginFailure } from "@/lib/auth/messages";
import { loginPath, safeNextPath } from "@/lib/auth/paths";

/** What the sign-in form shows after a refused attempt (the email stays filled in). */
export type SignInState = { message: string; email: string } | null;

function field(form: FormData, key: string): string {
  const v = form.get(key);
  return typeof v === "string" ? v : "";
}

/** Email and password → a session cookie, then the page the person came from. */
export async function signIn(_prev: SignInState, form: FormData): Promise<SignInState> {
  const email = field(form, "email").trim();
  const password = field(form, "password");
  if (!email || !password) return { message: "Enter your email address and password.", email };
  const requestHeaders = await headers();
  const result = await authApi.login(email, password, requestHeaders.get("x-forwarded-for"));
  if (!result.ok) {
    const message = result.status === 503 ? `${result.message} Try again in a moment.` : loginFailure(result.status, result.retryAfter, result.message);
    return { message, email };
  }
  storeSession(await cookies(), result.data, servedOverHttps(requestHeaders));
  redirect(safeNextPath(field(form, "next")));
}

/** Single sign-on: the API prepares the provider's authorization URL (state, nonce and PKCE
 * stay with the API); the provider sends the person back to /auth/callback. */
export async function startSso(next: string): Promise<void> {
  const requestHeaders = await headers();
  const started = await authApi.oidcStart(requestHeaders.get("x-forwarded-for"));
  if (!started.ok) redirect(loginPath(next, started.status === 429 ? "sso_limited" : "sso_unavailable"));
  (await cookies()).set(SSO_NEXT_COOKIE, safeNextPath(next), cookieOptions(servedOverHttps(requestHeaders), 600));
  redirect(started.data.authorize_url);
}
