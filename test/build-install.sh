#!/usr/bin/env bash
# Builds ae and installs it into the PostgreSQL 15 installation (root or sudo);
# arguments go to setup-deps.sh ("test": the test tools too).
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/setup-deps.sh "$@"
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
make -s
if [ "$(id -u)" -eq 0 ]; then
    make -s install
else
    sudo make -s install PG_CONFIG="$PG_CONFIG"
fi
