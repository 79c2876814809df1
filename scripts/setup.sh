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
