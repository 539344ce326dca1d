import "server-only";
import createClient from "openapi-fetch";
import { apiBaseUrl } from "@/lib/env";
import type { paths } from "@/lib/api/schema";
import type { Me, Providers, SessionBody } from "@/lib/api/types";

export type { Me, Providers, SessionBody };

/** An auth call's answer, or why it failed (status 503 when the API is unreachable). */
export type Outcome<T> =
  | { ok: true; data: T }
  | { ok: false; status: number; message: string; retryAfter: string | null };

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** Runs one call of the generated client and folds every way it can fail into an [Outcome]. */
async function outcome<T>(call: Promise<Answer<T>>): Promise<Outcome<T>> {
  let answer: Answer<T>;
  try {
    answer = await call;
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code ?? "unreachable";
    return { ok: false, status: 503, message: `The API is not reachable (${code}).`, retryAfter: null };
  }
  const { data, error, response } = answer;
  if (response.ok) return { ok: true, data: data as T };
  const message = (error as { message?: unknown } | undefined)?.message;
  return {
    ok: false,
    status: response.status,
    message: typeof message === "string" ? message : `the API answered ${response.status}`,
    retryAfter: response.headers.get("retry-after"),
  };
}

/** The API's sign-in routes, called with an explicit bearer (or none), not the cookie's. */
function client(headers: Record<string, string | null | undefined> = {}) {
  const set = Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => Boolean(e[1])));
  return createClient<paths>({ baseUrl: apiBaseUrl(), cache: "no-store", headers: set });
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The sign-in calls pass on the browser's address (`X-Forwarded-For`, as the dashboard received
 * it): the API's peer is always the dashboard's server, and its per-address limit on attempts is
 * about the person's. */
const from = (forwardedFor: string | null) => ({ "X-Forwarded-For": forwardedFor });

export const authApi = {
  login: (email: string, password: string, forwardedFor: string | null) =>
    outcome(client(from(forwardedFor)).POST("/api/auth/login", { body: { email, password } })),
  logout: (token: string) => outcome(client(bearer(token)).POST("/api/auth/logout")),
  me: (token: string) => outcome(client(bearer(token)).GET("/api/auth/me")),
  providers: () => outcome(client().GET("/api/auth/providers")),
  oidcStart: (forwardedFor: string | null) => outcome(client(from(forwardedFor)).POST("/api/auth/oidc/start")),
  oidcCallback: (code: string, state: string, forwardedFor: string | null) =>
    outcome(client(from(forwardedFor)).POST("/api/auth/oidc/callback", { body: { code, state } })),
};
