#!/usr/bin/env bash
# apt-install.sh PACKAGE...: install Debian packages, as root or through
# sudo; says which are missing and fails when neither is possible.
set -euo pipefail
[ $# -gt 0 ] || exit 0
echo "installing: $*"
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null; then
    sudo=(sudo)
else
    echo "missing packages: $*; install them as root (apt-get install $*)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
