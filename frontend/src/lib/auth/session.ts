import "server-only";
import { cache } from "react";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import type { Loaded } from "@/lib/api/load";
import { authApi, type Me } from "./api";
import { SESSION_COOKIE } from "./cookie";
import { loginPath } from "./paths";
import { CURRENT_PATH_HEADER } from "./session-header";
import { controlsFor, type Controls } from "./roles";

/** The signed-in person's session token, from the httpOnly cookie. */
export async function sessionToken(): Promise<string | undefined> {
  return (await cookies()).get(SESSION_COOKIE)?.value || undefined;
}

/**
 * The session expired or was revoked (the API answered 401): to /login, back here afterwards.
 * The cookie is cleared where Next.js lets code change cookies (server actions, route handlers);
 * during a page render the middleware clears it when /login finds it refused.
 */
export async function signInAgain(): Promise<never> {
  try {
    (await cookies()).delete(SESSION_COOKIE);
  } catch {
    // A server component's render: cookies are read-only here (see above).
  }
  const path = (await headers()).get(CURRENT_PATH_HEADER) ?? "/";
  redirect(loginPath(path, "expired"));
}

/** The signed-in person (one `GET /api/auth/me` per request), or null without a session. */
export const currentUser = cache(async (): Promise<Loaded<Me> | null> => {
  const token = await sessionToken();
  if (!token) return null;
  const me = await authApi.me(token);
  if (me.ok) return me;
  if (me.status === 401) return signInAgain();
  return { ok: false, status: me.status, message: me.message };
});

/** The controls the signed-in person may see (none when who they are is unknown). */
export async function currentControls(): Promise<Controls> {
  const me = await currentUser();
  return controlsFor(me?.ok ? me.data.scope : null);
}
