#!/usr/bin/env bash
# Runs inside pg_virtualenv (PGHOST, PGPORT, PGUSER set): pg_regress, then
# each test/tap/*.sh.  Prints "N passed, N failed" for what it ran.
set -uo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
passed=0
failed=0

# every suite in REGRESS must report ok; a suite that did not run, or a
# pg_regress that could not start, counts as failed
out=$(mktemp)
make -s installcheck 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
suites=$(make -s -f Makefile print-regress 2>/dev/null | wc -w)
ran_ok=$(grep -cE '^(ok|test) .* ok' "$out" || true)
passed=$((passed + ran_ok))
failed=$((failed + suites - ran_ok))
if [ "$status" -ne 0 ] && [ "$ran_ok" -eq "$suites" ]; then
    echo "FAILED: pg_regress exited with status $status"
    failed=$((failed + 1))
fi
if [ -f regression.diffs ]; then
    echo "---- regression.diffs"
    head -200 regression.diffs
fi

for t in test/tap/*.sh; do
    [ "$(basename "$t")" = lib.sh ] && continue
    [ -e "$t" ] || continue
    echo "== $t"
    # a script passes only by its exit status; it must also have said ok
    bash "$t" 2>&1 | tee "$out.tap"
    if [ "${PIPESTATUS[0]}" -eq 0 ] && grep -q '^ok: ' "$out.tap"; then
        passed=$((passed + 1))
    else
        echo "FAILED: $t"
        failed=$((failed + 1))
    fi
done
rm -f "$out" "$out.tap"
echo "$passed passed, $failed failed"
