#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo use, when missing. As root it installs;
# otherwise it prints the exact command and fails.
set -euo pipefail
need=()
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v buildah >/dev/null || need+=(buildah)
command -v skopeo >/dev/null || need+=(skopeo)
command -v umoci >/dev/null || need+=(umoci)
command -v prometheus >/dev/null || need+=(prometheus)
# headless Chromium renders the summaries' Mermaid charts in test/integration/summary-charts.test.ts
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages present: docker-registry buildah skopeo umoci prometheus chromium"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${need[*]}" >&2
  echo "install them with: sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}"
