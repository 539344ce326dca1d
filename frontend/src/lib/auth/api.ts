import "server-only";
import { apiBaseUrl } from "@/lib/env";
import type { Scope } from "./roles";

/** Who a session (or API token) belongs to: `GET /api/auth/me`. For an API token, `id`, `email`
 * and `role` are null and `name` is the token's name. */
export type Me = {
  id: string | null;
  email: string | null;
  name: string;
  role: "viewer" | "editor" | "admin" | null;
  scope: Scope;
};

/** A new session: `POST /api/auth/login` and `POST /api/auth/oidc/callback`. */
export type Session = { token: string; expires_at: string; user: Me };

export type Providers = { password: boolean; oidc: { name: string } | null };

/** An auth call's answer, or why it failed (status 503 when the API is unreachable). */
export type Outcome<T> =
  | { ok: true; data: T }
  | { ok: false; status: number; message: string; retryAfter: string | null };

type Init = { token?: string; body?: unknown; forwardedFor?: string | null };

async function call<T>(method: "GET" | "POST", path: string, init: Init = {}): Promise<Outcome<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  if (init.forwardedFor) headers["X-Forwarded-For"] = init.forwardedFor;
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`${apiBaseUrl()}${path}`, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      cache: "no-store",
    });
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code ?? "unreachable";
    return { ok: false, status: 503, message: `The API is not reachable (${code}).`, retryAfter: null };
  }
  if (response.ok) {
    return { ok: true, data: (response.status === 204 ? undefined : await response.json()) as T };
  }
  const body = (await response.json().catch(() => null)) as { message?: unknown } | null;
  return {
    ok: false,
    status: response.status,
    message: typeof body?.message === "string" ? body.message : `the API answered ${response.status}`,
    retryAfter: response.headers.get("retry-after"),
  };
}

/** The sign-in calls pass on the browser's address (`X-Forwarded-For`, as the dashboard received
 * it): the API's peer is always the dashboard's server, and its per-address limit on attempts is
 * about the person's. */
export const authApi = {
  login: (email: string, password: string, forwardedFor: string | null) =>
    call<Session>("POST", "/api/auth/login", { body: { email, password }, forwardedFor }),
  logout: (token: string) => call<void>("POST", "/api/auth/logout", { token }),
  me: (token: string) => call<Me>("GET", "/api/auth/me", { token }),
  providers: () => call<Providers>("GET", "/api/auth/providers"),
  oidcStart: (forwardedFor: string | null) => call<{ authorize_url: string }>("POST", "/api/auth/oidc/start", { body: {}, forwardedFor }),
  oidcCallback: (code: string, state: string, forwardedFor: string | null) =>
    call<Session>("POST", "/api/auth/oidc/callback", { body: { code, state }, forwardedFor }),
};
