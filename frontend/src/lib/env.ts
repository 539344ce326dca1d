import "server-only";

/** Where the API is and the token the dashboard's server uses; read on every request, so one
 * build serves any environment. The token never reaches the browser. */
export function apiSettings(): { baseUrl: string; token: string } {
  const baseUrl = process.env.API_URL?.trim();
  const token = process.env.API_TOKEN?.trim();
  if (!baseUrl) {
    throw new Error("API_URL is not set: point it at the api service, e.g. http://127.0.0.1:8080");
  }
  if (!token) {
    throw new Error(
      "API_TOKEN is not set: create one with `api token create --name dashboard --scope admin`",
    );
  }
  return { baseUrl: baseUrl.replace(/\/+$/, ""), token };
}
