#!/usr/bin/env bash
# `make bench`: the benchmarks under test/bench, in a throwaway cluster.
#
#   bash test/bench/run-bench.sh          all of them
#   bash test/bench/run-bench.sh auc      anomaly_auc.sql only: ROC-AUC of ae_score
#                                         against a z-score baseline on the test data sets
#   bash test/bench/run-bench.sh speed    speed.sql only: ae_train and scoring throughput
#   bash test/bench/run-bench.sh impute   run-impute.sh only: ae_impute (each kind) against
#                                         mean/mode, kNN, IterativeImputer, MICE and MissForest
#                                         on cells hidden at random (20%, 40%) and not at
#                                         random, 8 sets (needs Python packages)
#   bash test/bench/run-bench.sh anomaly2 anomaly_bench.py only: ROC-AUC of ae_score against
#                                         isolation forest, LOF, elliptic envelope and a
#                                         z-score on 13 ODDS-style sets (needs Python packages)
#   bash test/bench/run-bench.sh kinds    kinds_auc.sql only: ROC-AUC of ae_score for each
#                                         kind (ae, denoising, sparse, contractive, vae)
#   bash test/bench/run-bench.sh vae      vae_reference.py only: the vae kind against a
#                                         PyTorch implementation of the same model on digits
#   bash test/bench/run-bench.sh kernels  forward_parts.c only: one row's forward pass,
#                                         part by part (no PostgreSQL)
#   bash test/bench/run-bench.sh pictures digits_pictures.py only: writes docs/*.svg
#                                         (cvae samples, interpolation, 2-D latent map)
#
# Builds and installs ae (test/build-install.sh), starts a PostgreSQL 15
# cluster with pg_virtualenv (works as root; the server runs unprivileged)
# and runs the chosen scripts in it, printing their tables.  The Python
# scripts run under /usr/bin/python3 with Debian packages (python3-psycopg2,
# and python3-torch and python3-numpy for vae), installed here when missing
# (as root or with sudo).  The figures are for reading: nothing is asserted
# about them, and the exit status only says whether the scripts ran.  The
# speed benchmark takes a minute or two on 2 cores, impute about 11 minutes,
# the others under a minute each.
set -euo pipefail
cd "$(dirname "$0")/../.."
# the throwaway cluster takes its locale from the environment: C.UTF-8 is on
# every Debian system (a LANG forwarded by ssh may not be), and the shell
# tests match the server's English messages
export LC_ALL=C.UTF-8

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
    if [ "$which" = all ] || [ "$which" = kinds ]; then
        echo
        echo "== kinds_auc.sql"
        "${psql[@]}" -f test/bench/kinds_auc.sql
    fi
    if [ "$which" = all ] || [ "$which" = vae ]; then
        echo
        echo "== vae_reference.py"
        /usr/bin/python3 test/bench/vae_reference.py
    fi
    if [ "$which" = all ] || [ "$which" = pictures ]; then
        echo
        echo "== digits_pictures.py"
        /usr/bin/python3 test/bench/digits_pictures.py
    fi
    exit 0
fi

which=${1:-all}
case "$which" in
    all | auc | speed | kinds | vae | pictures) ;;
    impute)
        exec bash test/bench/run-impute.sh
        ;;
    anomaly2)
        need=()
        /usr/bin/python3 -c 'import psycopg2' 2>/dev/null || need+=(python3-psycopg2)
        /usr/bin/python3 -c 'import numpy' 2>/dev/null || need+=(python3-numpy)
        /usr/bin/python3 -c 'import sklearn' 2>/dev/null || need+=(python3-sklearn)
        bash test/apt-install.sh ${need[@]+"${need[@]}"}
        bash test/build-install.sh
        exec pg_virtualenv -t -v 15 /usr/bin/python3 test/bench/anomaly_bench.py
        ;;
    kernels)
        bash test/setup-deps.sh
        make -s test/bench/forward_parts
        exec test/bench/forward_parts
        ;;
    *)
        echo "usage: $0 [auc|speed|impute|anomaly2|kinds|vae|pictures|kernels]" >&2
        exit 2
        ;;
esac

# Debian packages for the Python scripts, for the system interpreter (whatever
# python3 is first on PATH)
need=()
case "$which" in
    all | vae | pictures)
        /usr/bin/python3 -c 'import psycopg2' 2>/dev/null || need+=(python3-psycopg2)
        ;;
esac
case "$which" in
    all | vae)
        /usr/bin/python3 -c 'import numpy' 2>/dev/null || need+=(python3-numpy)
        /usr/bin/python3 -c 'import torch' 2>/dev/null || need+=(python3-torch)
        ;;
esac
bash test/apt-install.sh ${need[@]+"${need[@]}"}

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
if [ "$which" = all ]; then
    echo
    echo "== forward_parts"
    make -s test/bench/forward_parts
    test/bench/forward_parts
fi
