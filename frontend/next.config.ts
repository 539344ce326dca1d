import type { NextConfig } from "next";
import { SECURITY_HEADERS } from "./src/lib/security";

// `standalone`: deploy/Dockerfile.frontend copies .next/standalone and runs its server.js.
const nextConfig: NextConfig = {
  output: "standalone",
  poweredByHeader: false,
  // The e2e run builds into its own directory so it never disturbs a running `make demo`.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // The middleware's redirects keep the host the browser used (src/lib/auth/responses.ts).
  skipMiddlewareUrlNormalize: true,
  // Pages also get the middleware's nonce-based Content-Security-Policy (src/middleware.ts).
  async headers() {
    return [{ source: "/:path*", headers: SECURITY_HEADERS }];
  },
};

export default nextConfig;
