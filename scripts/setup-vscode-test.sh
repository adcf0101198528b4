#!/usr/bin/env bash
# Installs what the end-to-end tests need to run the extension in a real VS Code without internet:
# Debian's Chromium and code-server 4.100.3 (VS Code 1.100.3) from the npm registry, cached under
# .vscode-test/ (git-ignored). Follows /work/shared/VSCODE-E2E.md. Safe to re-run: every step is
# skipped when its result is already there. playwright-core is a root devDependency, not installed here.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
APT_PACKAGES=(chromium ripgrep libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config)
# @vscode/ripgrep versions that code-server may pull in; its postinstall looks for a cached
# archive in $TMPDIR/vscode-ripgrep-cache-<version> before trying GitHub (unreachable here).
RIPGREP_PKG_VERSIONS=(1.15.11 1.15.13 1.15.14 1.17.0 1.17.1)
RIPGREP_ARCHIVE=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.vscode-test/code-server"
bin="$dir/node_modules/.bin/code-server"
# code-server writes a default config (with a random password) on first start; keep it out of ~/.config.
export CODE_SERVER_CONFIG="$dir/config.yaml"
version_of() { "$bin" --version 2>/dev/null | grep -m1 -E '^[0-9]+\.[0-9]+\.[0-9]+ ' || true; }
start=$SECONDS
step() { printf '[setup-vscode-test] %s\n' "$*"; }

# 1. System packages: install only the missing ones; `apt-get update` only when installing.
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  step "apt: all packages present (${APT_PACKAGES[*]})"
else
  step "apt: installing ${missing[*]}"
  [ "$(id -u)" -eq 0 ] && sudo="" || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v rg >/dev/null || { echo "rg not found after apt install" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium not found after apt install" >&2; exit 1; }

# 2. Seed the @vscode/ripgrep download cache with Debian's rg.
case "$(uname -m)" in
  x86_64) ;;
  *) echo "only x86_64 is supported (the ripgrep cache archive name is x86_64-specific)" >&2; exit 1 ;;
esac
tmp="${TMPDIR:-/tmp}"
rg_path="$(command -v rg)"
seeded=0
for v in "${RIPGREP_PKG_VERSIONS[@]}"; do
  d="$tmp/vscode-ripgrep-cache-$v"
  if [ ! -s "$d/$RIPGREP_ARCHIVE" ]; then
    mkdir -p "$d"
    tar czf "$d/$RIPGREP_ARCHIVE" -C "$(dirname "$rg_path")" "$(basename "$rg_path")"
    seeded=$((seeded + 1))
  fi
done
step "ripgrep cache: $seeded archive(s) written under $tmp/vscode-ripgrep-cache-* (${#RIPGREP_PKG_VERSIONS[@]} versions)"

# 3. code-server, in its own npm project so it never touches the repo's package.json / lockfile.
if [ -x "$bin" ] && have="$(version_of)" && [[ "$have" == "$CODE_SERVER_VERSION "* ]]; then
  step "code-server: $have already installed in ${dir#"$root"/}"
else
  step "code-server: installing code-server@$CODE_SERVER_VERSION into ${dir#"$root"/} (about a minute)"
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || printf '{ "name": "flowsmith-vscode-test", "private": true }\n' > "$dir/package.json"
  (cd "$dir" && npm_config_yes=true npm_config_unsafe_perm=true \
     npm install --no-audit --no-fund --save-exact --loglevel=error "code-server@$CODE_SERVER_VERSION")
  have="$(version_of)"
  [[ "$have" == "$CODE_SERVER_VERSION "* ]] || { echo "code-server --version did not print $CODE_SERVER_VERSION" >&2; exit 1; }
  rg_bin="$dir/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"
  [ -x "$rg_bin" ] || { echo "$rg_bin is missing: the ripgrep cache did not match the @vscode/ripgrep version" >&2; exit 1; }
  step "code-server: $have"
fi

# playwright-core comes from the root devDependencies; only report whether it is there.
if (cd "$root" && node -e "require.resolve('playwright-core')" 2>/dev/null); then
  step "playwright-core: resolvable from the repo root"
else
  step "playwright-core: NOT installed at the repo root (run npm install; it is a devDependency)"
fi
step "done in $((SECONDS - start))s"
