#!/usr/bin/env bash
# Installs the Debian packages Darkroom builds against (idempotent). Needs root or sudo.
set -euo pipefail
# libcurl4-openssl-dev: FoundationNetworking (the sync client's URLSession) links libcurl when the Swift
# runtime is linked statically (--static-swift-stdlib, as scripts/demo.sh builds).
packages=(libsqlite3-dev libsodium-dev libopenblas-dev zlib1g-dev pkg-config sqlite3 libcurl4-openssl-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "Installing: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "The Swift toolchain (6.x) must be on PATH (e.g. /opt/swift/usr/bin)." >&2; exit 1; }
