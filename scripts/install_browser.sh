#!/usr/bin/env bash
# Install what the browser test (make test-browser) needs from Debian's packages:
# chromium (driven by Playwright with executable_path=/usr/bin/chromium — Playwright's
# own browser download is not used), chromium-driver, and the Noto CJK fonts so that
# screenshots show Chinese instead of boxes. Idempotent and quiet; needs root (or sudo).
set -euo pipefail

packages=(chromium chromium-driver fonts-noto-cjk)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

echo "安装浏览器测试所需的软件包：${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "安装失败：${missing[*]}" >&2
    exit 1
fi
