# syntax=docker/dockerfile:1
# deluge-exporter image: docker build -t deluge-exporter:0.1.0 .
#   docker run -p 9354:9354 -v ./config.yaml:/etc/deluge-exporter/config.yaml:ro \
#     deluge-exporter:0.1.0 --config /etc/deluge-exporter/config.yaml
# Node 26 is the Active LTS. test/integration/image-layout.test.ts assembles and runs this layout.

# Compiles src/ to dist/ with the dev dependencies (TypeScript).
FROM node:26-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only, installed fresh from the lockfile (never pruned from a dev install).
# --omit=optional: valibot names TypeScript an optional peer, which would otherwise come along.
FROM node:26-trixie-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund --ignore-scripts && npm cache clean --force

FROM node:26-trixie-slim
ENV NODE_ENV=production
# glibc's malloc (docs/benchmarks.md, "Memory after a few small scrapes"): one arena for all threads,
# blocks of 32 KiB and more mapped on their own and unmapped when freed, the free top of the heap
# returned from 64 KiB on, so what a scrape's Buffers took goes back to the system instead of staying
# resident. The same setting is in deploy/systemd/deluge-exporter.service.
ENV GLIBC_TUNABLES=glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=32768:glibc.malloc.trim_threshold=65536:glibc.malloc.top_pad=0
WORKDIR /app
# dist/ next to package.json and data/ is the layout src/exporter/version.ts and the libtorrent metric table
# expect at run time. Everything is root-owned and read-only to the process: a read-only root
# filesystem works, the exporter writes nothing.
COPY package.json ./package.json
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY data ./data
# The image's unprivileged "node" user (uid 1000); Kubernetes may override it (runAsUser).
USER node
EXPOSE 9354
# Asks /healthz on the address PID 1 was told to listen on (--web.listen-address), not a fixed port.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s CMD ["node", "/app/dist/cli/healthcheck.js"]
ENTRYPOINT ["node", "/app/dist/cli.js"]
