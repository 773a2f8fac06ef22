# syntax=docker/dockerfile:1
#
# One image for both roles. ROLE (master or worker) comes from the environment at run time; the
# image sets none, so a bare `docker run` gets the app's default, ROLE=all (master and worker in
# one process, for trying it out). The Helm chart always sets ROLE. See docs/deploy.md.
#
# The base is pinned to an exact Node release (the one the tests run on); pin its digest too
# (node:20.20.2-bookworm-slim@sha256:...) where your registry policy asks for it.

FROM node:20.20.2-bookworm-slim AS build
# A C compiler for the native spawner (native/spawner.c), which starts the worker's commands.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Compiling needs no dependency's install script (tsc, vite and its native builds run as shipped).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY native ./native
COPY tools/build.ts ./tools/
COPY tools/stack/install.ts ./tools/stack/
COPY console ./console
# The server (tsc, and the spawner into dist/bin) and the console (vite, into dist/public), as
# `npm run build` does locally.
RUN npm run build

FROM node:20.20.2-bookworm-slim AS runtime
# tini runs as PID 1: it forwards SIGTERM to node (which drains and exits 0) and reaps the
# orphaned grandchildren of job commands, which a node PID 1 would leave as zombies.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    LOG_PRETTY=0 \
    RUNLOG_SPOOL_DIR=/var/lib/cronplane/spool
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, from the lock file. Their install scripts are skipped: the only
# ones are an analytics ping (@scarf/scarf) and protobufjs's check of its CLI's dependencies,
# neither needed at run time.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force
COPY --from=build /app/dist ./dist
# The `cronplane` CLI on PATH (`kubectl exec deploy/cronplane-master -- cronplane get jobs`): the
# launcher runs dist/cli/main.js, compiled with the server. In a master's container it talks to
# that master (127.0.0.1:$PORT, with its CRON_ADMIN_TOKEN) unless told otherwise; see docs/cli.md.
COPY bin/cronplane.js ./bin/
RUN ln -s /app/bin/cronplane.js /usr/local/bin/cronplane
RUN mkdir -p /var/lib/cronplane/spool && chown -R 1000:1000 /var/lib/cronplane
# The image's `node` user, by number so Kubernetes can verify runAsNonRoot.
USER 1000:1000
# 8070: master API, console, Swagger UI (/docs) and probes. 8071: worker probes.
EXPOSE 8070 8071
# Probes the port of the role in use. Kubernetes ignores it and uses the chart's probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "const e=process.env;const p=e.ROLE==='worker'?(e.WORKER_PORT||8071):(e.PORT||8070);fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
