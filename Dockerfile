# Portico's production image. Three stages: dependencies, build, runtime. The build stage runs
# scripts/build-image.mjs, which CI also runs and starts without a container engine (.ci/run),
# so this recipe is tested even where no image is built. Configuration: docs/deploy.md.
#   docker build -t portico .
#   docker run -p 3000:3000 -e DATABASE_URL=… -e PORTICO_SECRET_KEY=… portico

ARG NODE_IMAGE=node:24-bookworm-slim

# Dependencies, from the lock file alone, so this layer is reused until the lock changes. The
# install's postinstall generates both Prisma clients offline from the schemas.
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/generate.mjs scripts/generate.mjs
COPY prisma prisma
RUN npm ci --no-audit --no-fund

# The production build and the runtime directory: Next.js's standalone output, static assets,
# public/, the SQL migrations and Portico's start, server and email thread bundled into plain
# JavaScript, with exactly the node_modules files they use.
FROM deps AS build
COPY . .
ENV NEXT_TELEMETRY_DISABLED=1
RUN node scripts/build-image.mjs --out /out

# The runtime: Node.js and the runtime directory, owned by root and read-only to the
# unprivileged user the server runs as. Only tenant exports and backups are written, to volumes.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOST=0.0.0.0 \
    PORTICO_EXPORTS_DIR=/var/lib/portico/exports \
    PORTICO_BACKUP_DIR=/var/lib/portico/backups
RUN groupadd --system --gid 10001 portico \
 && useradd --system --uid 10001 --gid portico --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin portico \
 && mkdir -p /var/lib/portico/exports /var/lib/portico/backups \
 && chown portico:portico /var/lib/portico/exports /var/lib/portico/backups \
 && chmod 700 /var/lib/portico/exports /var/lib/portico/backups
WORKDIR /app
COPY --from=build /out /app
# Next.js keeps its own caches under .next/cache; the rest of /app stays read-only.
RUN mkdir -p /app/.next/cache && chown portico:portico /app/.next/cache
USER portico
EXPOSE 3000
VOLUME ["/var/lib/portico/exports", "/var/lib/portico/backups"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Migrates the control plane, syncs the declared tenants, brings the fleet to the newest tenant
# schema, starts the operations worker, then serves (scripts/dev.ts start).
CMD ["node", "--conditions=react-server", "portico/start.mjs", "start"]
