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
