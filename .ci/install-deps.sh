#!/usr/bin/env bash
#! Installs what a fresh Debian machine lacks to build and test Driftfire. Idempotent: each step
#! checks first, so a warm machine spends seconds here.
#! Usage: bash .ci/install-deps.sh [--web] [--browser] [--native-gui]
set -euo pipefail

want_web=0; want_browser=0; want_gui=0
for arg in "$@"; do
  case "$arg" in
    --web) want_web=1 ;;
    --browser) want_browser=1 ;;
    --native-gui) want_gui=1 ;;
    *) echo "unknown flag $arg" >&2; exit 2 ;;
  esac
done

log() { printf '\033[1;34m[deps]\033[0m %s\n' "$*" >&2; }

# libasound2-dev: the native client's sound (Bevy audio through ALSA). redis-server: the fleet
# tests (several servers as one game) start a real one.
# The Noto fonts: players' names and chat in every script (Cyrillic, CJK, Arabic, Hebrew,
# Devanagari, Thai… and colour emoji), drawn by the desktop client's text engine and by
# Chromium in the tests (client/tests/written_names.rs, tests/e2e).
apt_pkgs=(pkg-config libx11-dev libudev-dev libwayland-dev libxkbcommon-dev libasound2-dev redis-server
  fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji)
[ "$want_browser" = 1 ] && apt_pkgs+=(chromium)
# gzip/brotli: the web build writes precompressed copies of the bundle.
[ "$want_web" = 1 ] && apt_pkgs+=(brotli gzip)
[ "$want_gui" = 1 ] && apt_pkgs+=(xvfb mesa-vulkan-drivers libvulkan1 xauth)

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing system packages. Run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if [ "$want_web" = 1 ]; then
  if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  # trunk 0.22 needs rustc 1.96.1; 0.21.14 is the newest that builds on 1.95. Built for what
  # we use: its own release profile (fat LTO, one codegen unit: 13.6 min on a fresh 2-core
  # machine, one core idle for most of it) buys nothing for a tool that starts cargo,
  # wasm-bindgen and wasm-opt, so it is overridden; no TLS and no update check (it downloads
  # nothing here: wasm-bindgen and wasm-opt are found on PATH).
  if ! trunk --version 2>/dev/null | grep -q '0.21.14'; then
    log "cargo install trunk 0.21.14 (about 4 min on 2 cores)"
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
      cargo install trunk --version 0.21.14 --locked --no-default-features
  fi
  # Must equal the wasm-bindgen crate version in Cargo.lock; no --locked (its lock names a
  # webpki-roots version the registry lacks). Only the `wasm-bindgen` binary, without TLS (no
  # C build of ring).
  if ! wasm-bindgen --version 2>/dev/null | grep -q '0.2.130'; then
    log "cargo install wasm-bindgen-cli 0.2.130 (about 2 min on 2 cores)"
    cargo install wasm-bindgen-cli --version 0.2.130 --no-default-features --bin wasm-bindgen
  fi
fi

# The style gates (cargo fmt --check, cargo clippy) need rustup's rustfmt and clippy components.
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    log "rustup component add $component"
    rustup component add "$component"
  fi
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "$want_web" = 1 ] || [ "$want_browser" = 1 ]; then
  # binaryen 132 (Node build of wasm-opt) and playwright-core live in tools/node_modules.
  if [ ! -x "$root/tools/node_modules/.bin/wasm-opt" ] || [ ! -d "$root/tools/node_modules/playwright-core" ] || [ ! -d "$root/tools/node_modules/pngjs" ]; then
    log "npm ci in tools/ (binaryen, playwright-core)"
    (cd "$root/tools" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
