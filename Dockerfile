# syntax=docker/dockerfile:1
# deluge-exporter image: docker build -t deluge-exporter:0.1.0 .
#   docker run -p 9354:9354 -v ./config.yaml:/etc/deluge-exporter/config.yaml:ro \
#     deluge-exporter:0.1.0 --config /etc/deluge-exporter/config.yaml

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# The layout dist/ next to package.json and data/ is what src/version.ts and the libtorrent
# metric table expect at run time.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY data ./data
# The image's unprivileged "node" user (uid 1000); Kubernetes may override it (runAsUser).
USER node
EXPOSE 9354
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9354/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli.js"]
