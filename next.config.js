// @ts-check
import { securityHeaders } from "./lib/security-headers.js";

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // The dev server answers at localhost and 127.0.0.1 alike: without this, Next 16
  // refuses its dev resources (live reload socket, chunks) to the origin it was
  // not started with, and pages opened there never become interactive.
  allowedDevOrigins: ["localhost", "127.0.0.1", ...(process.env.ALLOWED_DEV_ORIGINS?.split(",").filter(Boolean) ?? [])],
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
    return [{ source: "/:path*", headers: securityHeaders(process.env.NODE_ENV !== "production") }];
  },
};

export default nextConfig;
