import type { NextConfig } from "next";

// `standalone`: deploy/Dockerfile.frontend copies .next/standalone and runs its server.js.
const nextConfig: NextConfig = {
  output: "standalone",
  poweredByHeader: false,
  // The e2e run builds into its own directory so it never disturbs a running `make demo`.
  distDir: process.env.NEXT_DIST_DIR || ".next",
};

export default nextConfig;
