#!/usr/bin/env bash
# Installs what the WebGPU tests need on Debian 12 (no GPU required) and writes the environment
# they need to .ci/webgpu.env (to be sourced):
#   - libvulkan1 (the Vulkan loader) and Debian's chromium, which ships SwiftShader, a CPU Vulkan
#     driver that Dawn (the `webgpu` npm package) accepts; Debian 12's own lavapipe is rejected;
#   - /usr/bin/chromium itself, for the browser test (headless, driven by playwright-core).
#
# Usage: bash tooling/ci/install-webgpu.sh [--light]
#   default  apt-get install -y libvulkan1 chromium      (root or sudo; Node + browser tests)
#   --light  apt-get download chromium-common + dpkg-deb -x into $NN_WEBGPU_CACHE
#            (default ~/.cache/nn-webgpu; no root needed for the extraction; Node tests only,
#            and libvulkan1 must already be installed, or is fetched the same way)
# Then: set -a; . .ci/webgpu.env; set +a
#
# Idempotent: does nothing that is already done. Prints what it did.
set -euo pipefail
cd "$(dirname "$0")/../.."

ENV_FILE=".ci/webgpu.env"
MODE="${1:-full}"
CACHE="${NN_WEBGPU_CACHE:-${HOME:-/tmp}/.cache/nn-webgpu}"
log() { echo "install-webgpu: $*"; }

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

apt_updated=0
apt_update() {
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
    apt_updated=1
  fi
}

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

ICD=""
LIBDIR=""
if [ "$MODE" = "--light" ]; then
  mkdir -p "$CACHE"
  for pkg in chromium-common libvulkan1; do
    if [ "$pkg" = libvulkan1 ] && have_pkg libvulkan1; then
      log "libvulkan1 already installed"
      continue
    fi
    if ! ls "$CACHE"/"$pkg"_*.deb >/dev/null 2>&1; then
      apt_update
      log "apt-get download $pkg into $CACHE"
      (cd "$CACHE" && apt-get download "$pkg" >/dev/null)
    fi
    deb="$(ls "$CACHE"/"$pkg"_*.deb | head -n 1)"
    if [ ! -f "$CACHE/root/.$pkg.done" ]; then
      log "dpkg-deb -x $deb $CACHE/root"
      dpkg-deb -x "$deb" "$CACHE/root"
      touch "$CACHE/root/.$pkg.done"
    fi
  done
  ICD="$CACHE/root/usr/lib/chromium/vk_swiftshader_icd.json"
  LIBDIR="$CACHE/root/usr/lib/chromium"
  if [ -d "$CACHE/root/usr/lib/x86_64-linux-gnu" ]; then LIBDIR="$LIBDIR:$CACHE/root/usr/lib/x86_64-linux-gnu"; fi
else
  missing=()
  for pkg in libvulkan1 chromium; do have_pkg "$pkg" || missing+=("$pkg"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != "0" ] && [ -z "$SUDO" ]; then
      echo "install-webgpu: need root (or sudo) to apt-get install ${missing[*]}; or run with --light" >&2
      exit 1
    fi
    apt_update
    log "apt-get install -y --no-install-recommends ${missing[*]} (about 25 s, 740 MiB for chromium)"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "libvulkan1 and chromium already installed"
  fi
  ICD="/usr/lib/chromium/vk_swiftshader_icd.json"
fi

if [ ! -f "$ICD" ]; then
  echo "install-webgpu: SwiftShader's ICD file $ICD is missing after install" >&2
  exit 1
fi

mkdir -p "$(dirname "$ENV_FILE")"
{
  echo "# Written by tooling/ci/install-webgpu.sh: the Vulkan driver for WebGPU in Node (Dawn)."
  echo "VK_ICD_FILENAMES=$ICD"
  if [ -n "$LIBDIR" ]; then echo "LD_LIBRARY_PATH=$LIBDIR\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"; fi
  if [ -x /usr/bin/chromium ]; then echo "NN_CHROMIUM=/usr/bin/chromium"; fi
} >"$ENV_FILE"
log "wrote $ENV_FILE:"
sed 's/^/  /' "$ENV_FILE"
log "source it with: set -a; . $ENV_FILE; set +a"
