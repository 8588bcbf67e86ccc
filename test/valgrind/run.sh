#!/usr/bin/env bash
# `make valgrind`: the pg_regress suites against a throwaway server run
# under valgrind (memcheck).  PostgreSQL itself is not built for valgrind
# here, so reports whose stacks never enter ae's library are not ae's and
# are left out; every report that passes through ae.so is printed and fails
# the run.  Slow: over two hours on a 2-core machine, most of it in the
# lstm, conv and kinds suites (each trains many small networks).
set -uo pipefail
cd "$(dirname "$0")/../.."
export LC_ALL=C.UTF-8
bash test/build-install.sh >/dev/null || exit 1
command -v valgrind >/dev/null || bash test/apt-install.sh valgrind || exit 1
bindir=$(/usr/lib/postgresql/15/bin/pg_config --bindir)
dir=$(mktemp -d /tmp/ae-valgrind.XXXXXX)
port=${VALGRIND_PORT:-54329}
run_as=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$dir"
    run_as=(runuser -u postgres --)
fi
"${run_as[@]}" "$bindir/initdb" -D "$dir/data" -A trust -U postgres >/dev/null || exit 1
"${run_as[@]}" valgrind --quiet --trace-children=yes --track-origins=yes --leak-check=no \
    --read-var-info=no --num-callers=30 --log-file="$dir/vg.%p.log" \
    "$bindir/postgres" -D "$dir/data" -p "$port" -k "$dir" -c listen_addresses= \
    -c max_parallel_workers_per_gather=2 > "$dir/server.log" 2>&1 &
for _ in $(seq 1 120); do
    "$bindir/pg_isready" -q -h "$dir" -p "$port" && break
    sleep 1
done
PGHOST=$dir PGPORT=$port PGUSER=postgres make -s installcheck
status=$?
"${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null

# one report is a block of lines from "==pid== Invalid..." or "Conditional..." to a blank "==pid==" line
reports=$(awk '/^==[0-9]+== [A-Z]/ && !block { block = $0 "\n"; next }
               block && /^==[0-9]+== *$/ { if (block ~ /ae\.so/) printf "%s\n", block; block = ""; next }
               block { block = block $0 "\n" }' "$dir"/vg.*.log)
all=$(cat "$dir"/vg.*.log | grep -cE '^==[0-9]+== (Invalid|Conditional|Use of uninit|Syscall param|Mismatched|Source and dest)' || true)
ours=$(printf '%s' "$reports" | grep -cE '^==[0-9]+== (Invalid|Conditional|Use of uninit|Syscall param|Mismatched|Source and dest)' || true)
printf '%s' "$reports"
echo "valgrind: pg_regress exit $status; $all memcheck reports in all, $ours in ae's code (logs in $dir)"
if [ "$status" -ne 0 ] || [ "$ours" -ne 0 ]; then
    echo "0 passed, 1 failed"
    exit 1
fi
echo "1 passed, 0 failed"
