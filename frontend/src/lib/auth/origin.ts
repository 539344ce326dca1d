/** CSRF: a state-changing request must come from a page of this dashboard. Pure, for the
 * middleware. */

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isStateChanging(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/** The host the browser addressed: a proxy's `X-Forwarded-Host` (first hop) or `Host` — the same
 * choice Next.js makes for its own server-action origin check. */
export function dashboardHost(headers: Headers): string | null {
  const forwarded = headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  return forwarded || headers.get("host");
}

function hostOf(value: string | null): string | null {
  if (!value || value === "null") return null;
  try {
    return new URL(value).host;
  } catch {
    return null;
  }
}

/**
 * Whether the request's `Origin` (or, when a browser sent none, its `Referer`) names this
 * dashboard's own host. A request with neither is refused: every browser sends one of them on a
 * form post or fetch, so only a hand-made request lacks both.
 */
export function isSameOrigin(headers: Headers): boolean {
  const expected = dashboardHost(headers);
  const origin = headers.get("origin");
  const source = origin !== null ? hostOf(origin) : hostOf(headers.get("referer"));
  return expected !== null && source !== null && source.toLowerCase() === expected.toLowerCase();
}
