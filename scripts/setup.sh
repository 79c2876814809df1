#!/usr/bin/env bash
# Installs what this repository needs to build and test, skipping whatever is
# already present. Safe to run again and again; `npm test`, `npm start` and
# .ci/run all start with it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { echo "[setup] $*"; }

if ! command -v cargo >/dev/null; then
  echo "[setup] cargo not found: install Rust with rustup first" >&2
  exit 1
fi

installed_targets=$(rustup target list --installed 2>/dev/null || true)
if ! grep -qx wasm32-unknown-unknown <<<"$installed_targets"; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    say "rustup component add $component"
    rustup component add "$component"
  fi
done

# wasm-bindgen-cli must equal the wasm-bindgen crate version in Cargo.lock:
# it is the test runner for wasm32 and, later, the bindings generator.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  say "cargo install wasm-bindgen-cli $wb_version (about 3 minutes)"
  # --locked fails when the registry lacks a locked dependency version; retry unlocked.
  cargo install wasm-bindgen-cli --version "$wb_version" --locked \
    || cargo install wasm-bindgen-cli --version "$wb_version"
fi
