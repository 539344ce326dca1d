/** The dashboard's Content-Security-Policy, per request (the nonce is new each time). Pure. */

/**
 * Scripts only from this origin and those carrying the request's nonce (Next.js puts it on its
 * own inline and bundle scripts when it finds it in the request's CSP header); `'strict-dynamic'`
 * lets those load the chunks they import. Styles allow inline: React and recharts set `style`
 * attributes. No frames, no plugins, forms post only here. `next dev` needs `eval` for its
 * hot reloader, so development adds `'unsafe-eval'`.
 */
export function contentSecurityPolicy(nonce: string, dev = false): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Headers on every answer of the dashboard, static files included (next.config.ts). */
export const SECURITY_HEADERS: { key: string; value: string }[] = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  // Also for answers the middleware does not see (static files): no framing, anywhere.
  { key: "Content-Security-Policy", value: "frame-ancestors 'none'; object-src 'none'; base-uri 'self'" },
  { key: "X-Frame-Options", value: "DENY" },
];
