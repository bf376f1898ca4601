# atlas-restore worker image (also runs the CLI and the Atlas simulator: the entry point is `atlas-restore`).
# glibc base on purpose: the Temporal core bridge ships no musl build, so Alpine images fail at load.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Compiles to dist/ and writes the workflow bundle (dist/workflow-bundle.js): workers never bundle at start.
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The image's unprivileged `node` user (uid 1000); nothing in /app needs to be writable.
USER node
# Prometheus /metrics when METRICS_PORT=9464 is set.
EXPOSE 9464
# `docker stop` sends SIGTERM: the worker stops polling and gives in-flight activities SHUTDOWN_GRACE.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["worker"]
