// @ts-check
import { securityHeaders, STATIC_CSP } from "./lib/security-headers.js";

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // Separate build folders let several builds coexist (e.g. benchmarks beside e2e).
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  // Server-only packages that must not be bundled.
  serverExternalPackages: ["pino", "postgres", "graphile-worker", "bcryptjs"],
  experimental: {
    serverActions: {
      bodySizeLimit: "1mb",
    },
  },
  async headers() {
    // Pages and APIs get their CSP (with a per-request nonce) from proxy.ts; static
    // files, which the proxy skips, get one that allows no script at all.
    return [
      { source: "/:path*", headers: securityHeaders() },
      { source: "/_next/static/:path*", headers: [{ key: "Content-Security-Policy", value: STATIC_CSP }] },
    ];
  },
};

export default nextConfig;
