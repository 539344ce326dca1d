import "server-only";

/** Where the API is; read on every request, so one build serves any environment. The dashboard
 * holds no token of its own: each request carries the signed-in person's session. */
export function apiBaseUrl(): string {
  const baseUrl = process.env.API_URL?.trim();
  if (!baseUrl) {
    throw new Error("API_URL is not set: point it at the api service, e.g. http://127.0.0.1:8080");
  }
  return baseUrl.replace(/\/+$/, "");
}
