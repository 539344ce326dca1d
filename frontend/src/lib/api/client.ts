import "server-only";
import createClient, { type Middleware } from "openapi-fetch";
import { apiBaseUrl } from "@/lib/env";
import { sessionToken, signInAgain } from "@/lib/auth/session";
import type { paths } from "./schema";

/** Every call carries the signed-in person's session, so the API applies their role and records
 * them as the author of a change; a 401 (the session expired or was revoked) ends at /login. */
const session: Middleware = {
  async onRequest({ request }) {
    const token = await sessionToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  async onResponse({ response }) {
    if (response.status === 401) await signInAgain();
    return response;
  },
};

/** The typed API client, as the signed-in person. Never cached: the dashboard shows the pipeline
 * as it is (the API caches its expensive answers itself). */
export function api() {
  const client = createClient<paths>({ baseUrl: apiBaseUrl(), cache: "no-store" });
  client.use(session);
  return client;
}
