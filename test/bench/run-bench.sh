#!/usr/bin/env bash
# `make bench`: the benchmarks under test/bench, in a throwaway cluster.
#
#   bash test/bench/run-bench.sh [all]    every one below, in this order (about 25 minutes)
#   bash test/bench/run-bench.sh anomaly  anomaly_bench.py: ROC-AUC of ae_score (every kind)
#                                         against isolation forest, LOF, elliptic envelope
#                                         and a z-score on 13 ODDS-style sets (about a minute)
#   bash test/bench/run-bench.sh nab      nab_windows.py: every reading of the 13 NAB series
#                                         scored by its window of 48 readings (an array
#                                         column; ae, vae, lstm), against isolation forest and a rolling
#                                         z-score (about 7 minutes)
#   bash test/bench/run-bench.sh conv     digits_conv.py: the conv kind against the dense ae on
#                                         the digits as 8x8 arrays: held-out reconstruction and
#                                         a rare digit's ranking, next to isolation forest
#                                         (about a minute)
#   bash test/bench/run-bench.sh impute   impute_quality.py: ae_impute (every kind) against
#                                         mean/mode, kNN, IterativeImputer, MICE and MissForest
#                                         on 8 sets, cells hidden at random (20%, 40%) and not
#                                         at random (about 11 minutes)
#   bash test/bench/run-bench.sh speed    speed.sql: ae_train and scoring throughput
#                                         (a minute or two)
#   bash test/bench/run-bench.sh vae      vae_reference.py: the vae kind against a PyTorch
#                                         implementation of the same model on digits
#   bash test/bench/run-bench.sh reference array_reference.py: the lstm and conv kinds against
#                                         PyTorch implementations of the same models
#                                         (about 2 minutes)
#   bash test/bench/run-bench.sh pictures digits_pictures.py: writes docs/*.svg (cvae
#                                         samples, interpolation, 2-D latent map, conv
#                                         reconstruction and inpainting)
#   bash test/bench/run-bench.sh kernels  forward_parts.c: one row's forward pass, part by
#                                         part (no PostgreSQL)
#
# Further arguments go to the Python script of a single benchmark, for
# example `run-bench.sh impute --conditions mcar20 --methods ae,knn`.
#
# Builds and installs ae (test/build-install.sh), starts a PostgreSQL 15
# cluster with pg_virtualenv (works as root; the server runs unprivileged)
# and runs the chosen scripts in it, printing their tables.  The Python
# scripts run under /usr/bin/python3 with Debian packages (python3-psycopg2,
# python3-numpy, python3-sklearn, and python3-torch for vae), installed here
# when missing (as root or with sudo).  The figures are for reading: nothing
# is asserted about them, and the exit status only says whether the scripts
# ran.
set -euo pipefail
cd "$(dirname "$0")/../.."
# the throwaway cluster takes its locale from the environment: C.UTF-8 is on
# every Debian system (a LANG forwarded by ssh may not be), and the shell
# tests match the server's English messages
export LC_ALL=C.UTF-8
py=/usr/bin/python3

# Inside the cluster (PGHOST etc. set by pg_virtualenv): run the scripts.
if [ "${1:-}" = "--in-cluster" ]; then
    which=$2
    shift 2
    psql=(psql -X -q -v ON_ERROR_STOP=1 -P pager=off)
    "${psql[@]}" -At -c "SELECT 'PostgreSQL ' || current_setting('server_version')
                                || ', shared_buffers ' || current_setting('shared_buffers')
                                || ', work_mem ' || current_setting('work_mem')
                                || ', jit ' || current_setting('jit')"
    echo "$(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    # run NAME TITLE COMMAND...: the command, when NAME is the chosen benchmark or all
    run() {
        if [ "$which" = all ] || [ "$which" = "$1" ]; then
            echo
            echo "== $2"
            shift 2
            "$@"
        fi
    }
    run anomaly anomaly_bench.py "$py" test/bench/anomaly_bench.py "$@"
    run nab nab_windows.py "$py" test/bench/nab_windows.py "$@"
    run conv digits_conv.py "$py" test/bench/digits_conv.py "$@"
    run impute impute_quality.py "$py" test/bench/impute_quality.py "$@"
    run speed speed.sql "${psql[@]}" -f test/bench/speed.sql
    run vae vae_reference.py "$py" test/bench/vae_reference.py "$@"
    run reference array_reference.py "$py" test/bench/array_reference.py "$@"
    run pictures digits_pictures.py "$py" test/bench/digits_pictures.py "$@"
    exit 0
fi

which=${1:-all}
[ $# -gt 0 ] && shift
case "$which" in
    all | anomaly | nab | conv | impute | speed | vae | reference | pictures | kernels) ;;
    *)
        echo "usage: $0 [all|anomaly|nab|conv|impute|speed|vae|reference|pictures|kernels] [script arguments]" >&2
        exit 2
        ;;
esac
if [ "$which" = all ] && [ $# -gt 0 ]; then
    echo "arguments go to a single benchmark's script, not to all" >&2
    exit 2
fi

if [ "$which" != kernels ]; then
    # Debian packages for the Python scripts, for the system interpreter
    # (whatever python3 is first on PATH)
    need=()
    "$py" -c 'import psycopg2' 2>/dev/null || need+=(python3-psycopg2)
    "$py" -c 'import numpy' 2>/dev/null || need+=(python3-numpy)
    case "$which" in
        all | anomaly | nab | conv | impute)
            "$py" -c 'import sklearn' 2>/dev/null || need+=(python3-sklearn)
            ;;
    esac
    case "$which" in
        all | vae | reference)
            "$py" -c 'import torch' 2>/dev/null || need+=(python3-torch)
            ;;
    esac
    bash test/apt-install.sh ${need[@]+"${need[@]}"}
    bash test/build-install.sh
    # shared_buffers of more than 4x the 1M-row table (~150 MB): a sequential
    # scan of a table larger than a quarter of shared_buffers goes through a
    # small ring buffer, so the table would never stay in shared buffers.
    pg_virtualenv -t -v 15 -o shared_buffers=1GB -o work_mem=64MB \
        bash test/bench/run-bench.sh --in-cluster "$which" "$@"
fi
if [ "$which" = all ] || [ "$which" = kernels ]; then
    echo
    echo "== forward_parts"
    bash test/setup-deps.sh
    make -s test/bench/forward_parts
    test/bench/forward_parts
fi
