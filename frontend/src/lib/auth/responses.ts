import { NextResponse } from "next/server";
import { servedOverHttps } from "./cookie";
import { dashboardHost } from "./origin";

/** 303 to a path on the dashboard, from a route handler: relative, so it keeps the host the
 * browser addressed (proxy or not), and a GET whatever the request was, so a reload never posts
 * again. */
export function seeOther(path: string): NextResponse {
  return new NextResponse(null, { status: 303, headers: { Location: path } });
}

/**
 * 303 from the middleware, which must give an absolute URL: the host and scheme the browser
 * addressed (a proxy's `X-Forwarded-*` when there is one). Not `request.url`: Next.js writes
 * 127.0.0.1 there as localhost, another cookie host (next.config.ts turns off its rewriting of
 * the Location too: `skipMiddlewareUrlNormalize`).
 */
export function seeOtherFromMiddleware(path: string, request: Request): NextResponse {
  const host = dashboardHost(request.headers);
  const base = host ? `${servedOverHttps(request.headers, request.url) ? "https" : "http"}://${host}` : request.url;
  return NextResponse.redirect(new URL(path, base), 303);
}
