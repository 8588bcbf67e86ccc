#!/usr/bin/env bash
# `make test-citus`: ae on a real Citus cluster.  Builds and installs ae,
# installs Citus when it is missing (test/citus/install-citus.sh), starts a
# coordinator and two workers on 127.0.0.1 (each its own data directory
# and port, as an unprivileged user), runs test/citus/citus.sh against
# them, and stops them.  Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
export LC_ALL=C.UTF-8
bash test/build-install.sh >/dev/null || exit 1
bash test/citus/install-citus.sh || exit 1
bindir=$(/usr/lib/postgresql/15/bin/pg_config --bindir)
base=${CITUS_PORT:-9700}
dir=$(mktemp -d /tmp/ae-citus.XXXXXX)
chmod 755 "$dir"
run_as=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$dir"
    run_as=(runuser -u postgres --)
fi

stop() {
    for n in 0 1 2; do
        [ -d "$dir/node$n" ] && "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/node$n" -m fast stop >/dev/null 2>&1
    done
}
trap stop EXIT

for n in 0 1 2; do
    "${run_as[@]}" "$bindir/initdb" -D "$dir/node$n" -A trust -U postgres >/dev/null || exit 1
    "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/node$n" -l "$dir/node$n.log" -w start \
        -o "-p $((base + n)) -k $dir -c listen_addresses=127.0.0.1 -c shared_preload_libraries=citus" \
        >/dev/null || { cat "$dir/node$n.log"; exit 1; }
    psql -X -q -h "$dir" -p $((base + n)) -U postgres -c "CREATE EXTENSION citus" || exit 1
done
psql -X -q -h "$dir" -p "$base" -U postgres -v ON_ERROR_STOP=1 <<SQL || exit 1
SELECT citus_set_coordinator_host('127.0.0.1', $base);
SELECT citus_add_node('127.0.0.1', $((base + 1)));
SELECT citus_add_node('127.0.0.1', $((base + 2)));
SQL

PGHOST=$dir PGPORT=$base PGUSER=postgres bash test/citus/citus.sh
