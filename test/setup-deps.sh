#!/usr/bin/env bash
# Installs, on Debian, what building and testing ae needs and is missing:
# the PostgreSQL 15 server and headers, pg_virtualenv, OpenBLAS (headers and
# the serial library), a C toolchain; with the argument "test" also clang
# with its sanitizer and libFuzzer runtimes (make test runs the unit tests
# under ASan/UBSan and fuzzes the readers for a bounded time) and
# rsvg-convert (test/tap/plot.sh renders the SVG pictures to PNG).  Needs root or sudo only when
# something is missing.
set -euo pipefail

arch=$(gcc -print-multiarch 2>/dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
need=()
command -v gcc >/dev/null && command -v make >/dev/null || need+=(build-essential)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
[ -f /usr/include/postgresql/15/server/postgres.h ] || need+=(postgresql-server-dev-15)
command -v pg_virtualenv >/dev/null || need+=(postgresql-common)
[ -f "/usr/include/$arch/openblas-pthread/cblas.h" ] || need+=(libopenblas-dev)
[ -e "/usr/lib/$arch/openblas-serial/libopenblas.so.0" ] || need+=(libopenblas0-serial)

if [ "${1:-}" = test ]; then
    command -v clang >/dev/null || need+=(clang)
    compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a" >/dev/null || need+=(libclang-rt-14-dev)
    command -v rsvg-convert >/dev/null || need+=(librsvg2-bin)
fi

bash "$(dirname "$0")/apt-install.sh" ${need[@]+"${need[@]}"}
