#!/usr/bin/env bash
# `make test`: dependencies, build and install, then every suite: the C unit
# tests of the core, pg_regress in a throwaway cluster (pg_virtualenv runs
# the server as an unprivileged user, so this works as root), and the shell
# tests under test/tap that need several sessions.  Ends with one line
# "N passed, N failed" and a non-zero exit when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
# the throwaway cluster takes its locale from the environment: C.UTF-8 is on
# every Debian system (a LANG forwarded by ssh may not be), and the shell
# tests match the server's English messages
export LC_ALL=C.UTF-8
bash test/build-install.sh test || exit 1
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}

passed=0
failed=0
count() {   # count <log>: add the log's closing "N passed, N failed" line
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
    if [ -z "$line" ]; then
        failed=$((failed + 1))
        return
    fi
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
}

log=$(mktemp -d)
chmod 755 "$log"

# unit <target> <binaries>: run a make target whose binaries each print a
# closing count line; a binary that crashed or printed none counts as failed
unit() {
    local target=$1 expect=$2 status lines
    echo "== make $target"
    make -s "$target" 2>&1 | tee "$log/$target"
    status=${PIPESTATUS[0]}
    grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/$target" > "$log/$target.counts" || true
    while read -r p _ f _; do passed=$((passed + p)); failed=$((failed + f)); done < "$log/$target.counts"
    lines=$(wc -l < "$log/$target.counts")
    if [ "$lines" -lt "$expect" ]; then
        echo "FAILED: make $target printed $lines of $expect count lines"
        failed=$((failed + expect - lines))
    elif [ "$status" -ne 0 ] && ! grep -qE ' [1-9][0-9]* failed' "$log/$target.counts"; then
        echo "FAILED: make $target exited with status $status"
        failed=$((failed + 1))
    fi
}

unit unit 4
# the same tests under AddressSanitizer and UBSan, and a bounded fuzzing
# run of the model reader and the sample frame reader
unit unit-sanitize 4
unit fuzz-smoke 2

echo "== pg_regress and shell tests (throwaway cluster)"
pg_virtualenv -t -v 15 bash test/run-in-cluster.sh 2>&1 | tee "$log/cluster"
count "$log/cluster"

rm -rf "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
