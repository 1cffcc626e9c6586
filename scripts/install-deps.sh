#!/usr/bin/env bash
# Installs the Debian packages SwiftCLIP links against, only when one is missing.
set -euo pipefail
# librsvg2-bin: `clip lab` renders its SVG plots to PNG with rsvg-convert (and the lab tests check them).
packages=(libopenblas-dev libturbojpeg0-dev libpng-dev libwebp-dev libgif-dev libheif-dev zlib1g-dev libsqlite3-dev pkg-config librsvg2-bin)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
