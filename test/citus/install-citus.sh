#!/usr/bin/env bash
# Installs Citus into the PostgreSQL 15 installation when it is not there
# yet: from CITUS_SRC (a release tarball, default ../shared/citus next to
# the repository), with the patch beside it if there is one.  Citus is a
# test dependency only; users bring their own.  About five minutes on two
# cores.  Needs root or sudo for the build packages and the install.
set -euo pipefail
cd "$(dirname "$0")/../.."
pg_config=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
if [ -f "$($pg_config --pkglibdir)/citus.so" ]; then
    echo "citus: installed"
    exit 0
fi
src=${CITUS_SRC:-../shared/citus}
tarball=$(ls "$src"/citus-*.tar.* 2>/dev/null | head -n 1)
[ -n "$tarball" ] || { echo "citus is not installed and no citus-*.tar.* is in $src (set CITUS_SRC)" >&2; exit 1; }

bash test/apt-install.sh $(for p in postgresql-server-dev-15 libcurl4-openssl-dev liblz4-dev libzstd-dev \
        libkrb5-dev libselinux1-dev libxslt1-dev libpam0g-dev libreadline-dev; do
    dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)

build=$(mktemp -d /tmp/citus-build.XXXXXX)
tar -xf "$tarball" -C "$build"
dir=$(ls -d "$build"/citus-*/ | head -n 1)
for p in "$src"/*.patch; do
    [ -e "$p" ] && patch -d "$dir" -p1 -s < "$p"
done
echo "citus: building $(basename "$tarball") in $dir"
(cd "$dir" && ./configure --without-libcurl PG_CONFIG="$pg_config" >/dev/null && make -s -j"$(nproc)" >/dev/null)
if [ "$(id -u)" -eq 0 ]; then
    make -s -C "$dir" install >/dev/null
else
    sudo make -s -C "$dir" install >/dev/null
fi
rm -rf "$build"
echo "citus: installed"
