#!/usr/bin/env bash
# Installs what this repository needs to build and test, skipping whatever is
# already present. Safe to run again and again; `npm test`, `npm start`,
# `npm run build` and .ci/run all start with it. Needs Rust (rustup), Node
# and npm; installs the rest from the registries (crates, npm, Debian apt).
# First run on a fresh machine: about 10 minutes (mostly cargo install).
#   --no-browsers   skip Chromium/Firefox and their drivers (build only)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
say() { echo "[setup] $*"; }
browsers=1
[[ "${1:-}" == "--no-browsers" ]] && browsers=0

command -v cargo >/dev/null || { echo "[setup] cargo not found: install Rust with rustup first" >&2; exit 1; }
command -v npm >/dev/null || { echo "[setup] npm not found: install Node.js 18 or later first" >&2; exit 1; }

# --- Rust: the wasm target, fmt and clippy
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    say "rustup component add $component"
    rustup component add "$component"
  fi
done

# --- wasm-bindgen-cli: exactly the wasm-bindgen version in Cargo.lock, or
# wasm-pack fetches a private copy of its own (from GitHub first, which fails).
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  say "cargo install wasm-bindgen-cli $wb_version (about 3 minutes)"
  # --locked fails when the registry lacks a locked dependency version; retry unlocked.
  cargo install wasm-bindgen-cli --version "$wb_version" --locked \
    || cargo install wasm-bindgen-cli --version "$wb_version"
fi

# --- wasm-pack (the npm package of it downloads from GitHub: use the crate)
wasm_pack_version=0.15.1
if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$wasm_pack_version" ]; then
  say "cargo install wasm-pack $wasm_pack_version (about 2 minutes)"
  cargo install wasm-pack --version "$wasm_pack_version" --locked
fi

# --- npm tools: wasm-opt (binaryen 132; Debian's binaryen 108 miscompiles),
# esbuild, TypeScript, playwright-core, and the peers tested against.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
if ! wasm-opt --version 2>/dev/null | grep -q 'version 132'; then
  echo "[setup] wrong wasm-opt first on PATH: $(command -v wasm-opt) ($(wasm-opt --version 2>&1))" >&2
  exit 1
fi

# Debian packages, installed together: apt_install <package>...
apt_install() {
  say "apt-get install $*"
  local sudo_cmd=()
  [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "$@" >/dev/null
}

# --- Redis for the Socket.IO fleet tests and the cross-node benchmark
# (the tests start their own redis-server; the service is not needed).
command -v redis-server >/dev/null || apt_install redis-server

# --- tcpdump, dumpcap and tshark: the inspector's capture tests record
# loopback and check every frame against Wireshark's own dissector.
capture_tools=()
command -v tcpdump >/dev/null || capture_tools+=(tcpdump)
command -v tshark >/dev/null || capture_tools+=(tshark)
[ ${#capture_tools[@]} -eq 0 ] || apt_install "${capture_tools[@]}"

# --- browsers for the headless tests: Debian's Chromium and its driver,
# Firefox ESR and geckodriver (no Debian package; the crate builds it).
if [ "$browsers" = 1 ]; then
  missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  command -v firefox-esr >/dev/null || missing+=(firefox-esr)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  if [ "$(geckodriver --version 2>/dev/null | awk 'NR==1 {print $2}')" != "0.37.1" ]; then
    say "cargo install geckodriver 0.37.1 (about 3 minutes)"
    cargo install geckodriver --version 0.37.1 --locked
  fi
fi
