/** The session cookie: the API's session token, which only the dashboard's server reads. */

export const SESSION_COOKIE = "im_session";
/** Where an SSO sign-in returns to once the provider sends the person back (minutes long). */
export const SSO_NEXT_COOKIE = "im_sso_next";

export type CookieOptions = {
  httpOnly: true;
  sameSite: "lax";
  secure: boolean;
  path: "/";
  expires?: Date;
  maxAge?: number;
};

/** Whether the browser reached the dashboard over https (directly or through a TLS proxy). */
export function servedOverHttps(headers: Headers, url?: string): boolean {
  const proto = headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  if (proto) return proto === "https";
  return url ? url.startsWith("https:") : false;
}

/** httpOnly (no script reads it), SameSite=Lax (not sent on cross-site posts), Secure over https. */
export function cookieOptions(secure: boolean, expires?: Date | number): CookieOptions {
  const base = { httpOnly: true, sameSite: "lax", secure, path: "/" } as const;
  if (expires === undefined) return base;
  return typeof expires === "number" ? { ...base, maxAge: expires } : { ...base, expires };
}

/** What `cookies()` (server actions) and `NextResponse.cookies` (route handlers) both offer. */
export type CookieJar = { set(name: string, value: string, options: CookieOptions): unknown };

/** Stores a new session in the browser until the API's absolute expiry (the API also ends it
 * after idle hours: then a page gets 401 and sends the person to /login). */
export function storeSession(jar: CookieJar, session: { token: string; expires_at: string }, secure: boolean): void {
  const expires = new Date(session.expires_at);
  jar.set(SESSION_COOKIE, session.token, cookieOptions(secure, Number.isNaN(expires.getTime()) ? undefined : expires));
}

/** Removes the session from the browser (same attributes, expired). */
export function dropSession(jar: CookieJar, secure: boolean): void {
  jar.set(SESSION_COOKIE, "", cookieOptions(secure, 0));
}
