import "server-only";
import createClient from "openapi-fetch";
import { apiSettings } from "@/lib/env";
import type { paths } from "./schema";

/** The typed API client, authenticated with the server's token. Never cached: the dashboard
 * shows the pipeline as it is (the API caches its expensive answers itself). */
export function api() {
  const { baseUrl, token } = apiSettings();
  return createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${token}` },
    cache: "no-store",
  });
}
