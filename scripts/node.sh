#!/usr/bin/env bash
# Prints the directory of a node that satisfies package.json's engines.node, to put first on PATH:
#   PATH="$(scripts/node.sh):$PATH"
# The machine's own node when it is new enough; otherwise Node 24 from the npm registry (the `node`
# package, a real binary), installed once into .tools/node24 (a few seconds). The README's run
# command and .ci/run both use it. Messages go to stderr, so that stdout is the directory alone.
set -euo pipefail
cd "$(dirname "$0")/.."

required=$(sed -n 's/^ *"node": *">= *\([0-9.]*\)".*/\1/p' package.json | head -1)
[ -n "$required" ] || { echo "scripts/node.sh: package.json has no engines.node of the form \">=X.Y\"" >&2; exit 1; }
have=$(node -p 'process.versions.node' 2>/dev/null || echo 0)
# sort -V -C: true when the lines are already in version order, i.e. required <= have.
if printf '%s\n%s\n' "$required" "$have" | sort -V -C; then
  dirname "$(command -v node)"
  exit 0
fi

dir="$PWD/.tools/node24"
if ! "$dir/node_modules/.bin/node" --version >/dev/null 2>&1; then
  echo "node $([ "$have" = 0 ] && echo '(none)' || echo "$have") is older than the $required this project needs: bringing Node 24 from the npm registry into .tools/node24" >&2
  command -v npm >/dev/null || { echo "scripts/node.sh: no npm to fetch Node 24 with; install Node.js $required or newer" >&2; exit 1; }
  mkdir -p "$dir"
  # A package.json of its own, or npm would walk up and install into the project.
  [ -f "$dir/package.json" ] || echo '{ "private": true }' > "$dir/package.json"
  npm --prefix "$dir" install --no-save --no-audit --no-fund --silent node@24 >/dev/null
  "$dir/node_modules/.bin/node" --version >/dev/null
fi
echo "$dir/node_modules/.bin"
