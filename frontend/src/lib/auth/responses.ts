import { NextResponse } from "next/server";

/** 303 to a path on the dashboard: relative, so it keeps the host the browser addressed (proxy
 * or not), and a GET whatever the request was, so a reload never posts again. */
export function seeOther(location: string): NextResponse {
  return new NextResponse(null, { status: 303, headers: { Location: location } });
}
