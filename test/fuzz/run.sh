#!/usr/bin/env bash
# run.sh TARGET SECONDS DIR fresh|keep: build the libFuzzer target
# test/fuzz/fuzz_TARGET and its seeder test/unit/test_TARGET, write the
# seeds, fuzz for SECONDS (from the seeds alone when fresh, growing DIR's
# corpus when keep), and end with "1 passed, 0 failed" or "0 passed, 1 failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
target=$1 seconds=$2 dir=$3 mode=$4
failed() { echo "fuzz $target: $1"; echo "0 passed, 1 failed"; exit 1; }

make -s --no-print-directory "test/fuzz/fuzz_$target" "test/unit/test_$target" || failed "build failed"
[ "$mode" = fresh ] && rm -rf "$dir"
mkdir -p "$dir/corpus" "$dir/seed" "$dir/crashes"
"./test/unit/test_$target" --write-seed "$dir/seed" || failed "writing the seeds failed"
echo "fuzz $target: $seconds s from $(ls "$dir/seed" | wc -l) seeds, log in $dir/log"
if "./test/fuzz/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$dir/crashes/" "$dir/corpus" "$dir/seed" > "$dir/log" 2>&1; then
    grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)' "$dir/log"
    echo "1 passed, 0 failed"
else
    tail -n 60 "$dir/log"
    failed "crashing input under $dir/crashes"
fi
