#!/usr/bin/env bash
# `make bench`: the benchmarks under test/bench, in a throwaway cluster.
#
#   bash test/bench/run-bench.sh          both benchmarks
#   bash test/bench/run-bench.sh auc      anomaly_auc.sql only: ROC-AUC of ae_score
#                                         against a z-score baseline on the test data sets
#   bash test/bench/run-bench.sh speed    speed.sql only: ae_train and scoring throughput
#   bash test/bench/run-bench.sh impute   run-impute.sh only: ae_impute against mean/mode,
#                                         kNN and MICE on hidden cells (needs Python packages)
#
# Builds and installs ae (test/build-install.sh), starts a PostgreSQL 15
# cluster with pg_virtualenv (works as root; the server runs unprivileged)
# and runs the chosen psql scripts in it, printing their tables.  The figures
# are for reading: nothing is asserted about them, and the exit status only
# says whether the scripts ran.  The speed benchmark takes a minute or two
# on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Inside the cluster (PGHOST etc. set by pg_virtualenv): run the scripts.
if [ "${1:-}" = "--in-cluster" ]; then
    which=$2
    psql=(psql -X -q -v ON_ERROR_STOP=1 -P pager=off)
    "${psql[@]}" -At -c "SELECT 'PostgreSQL ' || current_setting('server_version')
                                || ', shared_buffers ' || current_setting('shared_buffers')
                                || ', work_mem ' || current_setting('work_mem')
                                || ', jit ' || current_setting('jit')"
    echo "$(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    if [ "$which" = all ] || [ "$which" = auc ]; then
        echo
        echo "== anomaly_auc.sql"
        "${psql[@]}" -f test/bench/anomaly_auc.sql
    fi
    if [ "$which" = all ] || [ "$which" = speed ]; then
        echo
        echo "== speed.sql"
        "${psql[@]}" -f test/bench/speed.sql
    fi
    exit 0
fi

which=${1:-all}
case "$which" in
    all | auc | speed) ;;
    impute)
        exec bash test/bench/run-impute.sh
        ;;
    *)
        echo "usage: $0 [auc|speed|impute]" >&2
        exit 2
        ;;
esac

bash test/build-install.sh

# shared_buffers of more than 4x the 1M-row table (~150 MB): a sequential
# scan of a table larger than a quarter of shared_buffers goes through a small
# ring buffer, so the table would never stay in shared buffers.
pg_virtualenv -t -v 15 -o shared_buffers=1GB -o work_mem=64MB \
    bash "test/bench/run-bench.sh" --in-cluster "$which"
if [ "$which" = all ]; then
    echo
    echo "== run-impute.sh"
    bash test/bench/run-impute.sh
fi
