# syntax=docker/dockerfile:1
# The Redress image: the TypeScript compiled to JavaScript, production dependencies only,
# run as the unprivileged `node` user. tsx and the compiler stay in the build stage.
#   docker build -t redress .
#   docker run --rm redress --version
#   docker run --rm -e DATABASE_URL=postgres://... redress cases --json
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The npm of development and CI: it runs only the install scripts package.json allows (allowScripts).
RUN npm install -g npm@11.19.1 --no-audit --no-fund
COPY package.json package-lock.json ./
# npm ci's postinstall applies these (patch-package): postgres.js must not crash on a closed connection.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    REDRESS_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# dist/ finds these beside it (../sql, ../templates), as src/ does in a checkout.
COPY bin ./bin
COPY sql ./sql
COPY templates ./templates
# The .eml outbox (no SMTP_URL) and the embedded Postgres (no DATABASE_URL) live in /data.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# SMTP intake (set SMTP_LISTEN=0.0.0.0:2525) and /metrics, /healthz, /readyz (METRICS_LISTEN=0.0.0.0:9464).
EXPOSE 2525 9464
# Exec form, no shell: node is PID 1 and receives SIGTERM itself; `redress start` shuts down
# cleanly on SIGTERM and SIGINT, within 10 s (Docker waits 10 s before SIGKILL). `docker run
# --init` puts tini in front for one-shot commands.
ENTRYPOINT ["node", "dist/main.js"]
CMD ["start"]
