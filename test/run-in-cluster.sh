#!/usr/bin/env bash
# Runs inside pg_virtualenv (PGHOST, PGPORT, PGUSER set): pg_regress, then
# each test/tap/*.sh.  Prints "N passed, N failed" for what it ran.
set -uo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
passed=0
failed=0

out=$(mktemp)
make -s installcheck 2>&1 | tee "$out"
passed=$((passed + $(grep -cE '^(ok|test) .* ok' "$out" || true)))
failed=$((failed + $(grep -cE 'FAILED|failed \(ignored\)' "$out" || true)))
if [ -f regression.diffs ]; then
    echo "---- regression.diffs"
    head -200 regression.diffs
fi
rm -f "$out"

for t in test/tap/*.sh; do
    [ "$(basename "$t")" = lib.sh ] && continue
    [ -e "$t" ] || continue
    echo "== $t"
    if bash "$t"; then
        passed=$((passed + 1))
    else
        echo "FAILED: $t"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
