#!/usr/bin/env bash
# The Node matrix: build and lint once under the default node, then run the whole vitest suite under each
# other Node major, fetched with npx (node@22, node@24). Vitest's forks and the subprocess tests use the same
# binary (process.execPath), so every test really runs on that version.
#
#   scripts/node-matrix.sh                    # build + lint, then vitest under node@22 and node@24
#   MATRIX_NODES="24" scripts/node-matrix.sh  # only Node 24
#   MATRIX_SKIP_BUILD=1 scripts/node-matrix.sh test/hardening   # reuse dist, extra vitest arguments
#
# MATRIX_WORKERS (default 2) bounds vitest's parallelism on shared machines.
set -euo pipefail
cd "$(dirname "$0")/.."

nodes="${MATRIX_NODES:-22 24}"
workers="${MATRIX_WORKERS:-2}"

if [[ -z "${MATRIX_SKIP_BUILD:-}" ]]; then
  echo "== build and lint once, on $(node --version)"
  npx -y pnpm@10 build
  npx -y pnpm@10 lint
fi

failed=()
for major in $nodes; do
  version="$(npx -y "node@${major}" --version)"
  echo "== vitest on Node ${version}"
  if npx -y "node@${major}" node_modules/vitest/vitest.mjs run --maxWorkers="${workers}" "$@"; then
    echo "== Node ${version}: passed"
  else
    echo "== Node ${version}: FAILED"
    failed+=("${version}")
  fi
done

if ((${#failed[@]} > 0)); then
  echo "Node matrix failed on: ${failed[*]}"
  exit 1
fi
echo "Node matrix passed on: ${nodes}"
