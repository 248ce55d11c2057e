# One image for every tstasks process (docs/deploy.md):
#   the API server (default):  node dist/server/main.js
#   a worker:                  node dist/worker/main.js
#   both in one process:       node dist/app/main.js
#   migrations, users:         node dist/core/store/postgres/migrate-main.js, node dist/server/users-cli/main.js
# Build: docker build -t tstasks .

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: every dependency, then `npm run build` (dist/ and client/dist) ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# The manifests alone first, so the dependency layer is reused while only code changes.
COPY package.json package-lock.json ./
COPY client/package.json client/
# Scripts off: `prepare` would build before the sources are here; the build runs below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime: production dependencies, the build output and the taskpacks ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    TSTASKS_DATA_DIR=/data \
    PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
COPY client/package.json client/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && mkdir /data && chown node:node /data
# dist/: server, worker, app, core (with the SQL migrations, compiled), gen, and the dashboard.
COPY --from=build /src/dist dist
# The `tstasks` command line, for operators: docker compose exec server tstasks types
COPY --from=build /src/client/dist client/dist
RUN chmod +x client/dist/client/cli/main.js \
 && ln -s /app/client/dist/client/cli/main.js /usr/local/bin/tstasks
# TypeScript packs are compiled when a worker loads them (tsx is a production dependency).
# With NODE_ENV=production a worker loads only TASKPACKS_DIR and TASKPACKS: these
# shipped examples run only when TASKPACKS_DIR=/app/taskpacks says so.
COPY taskpacks taskpacks

# The image's files stay root's; the processes run as the unprivileged `node` user.
USER node
EXPOSE 8080
# No HEALTHCHECK here: the processes differ in their probes (server: GET /ready on
# PORT; worker: GET /readyz on WORKER_HEALTH_PORT). compose.yaml sets one per service.
# Node is PID 1 here and handles SIGTERM itself (drains, then exits); run with
# `--init` (compose: `init: true`) so something also reaps the children the
# worker's TypeScript loader starts.
CMD ["node", "dist/server/main.js"]
