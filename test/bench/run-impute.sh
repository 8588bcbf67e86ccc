#!/usr/bin/env bash
# Imputation-quality benchmark: how well ae_impute fills hidden cells (every
# ae kind with its defaults) compared with mean/mode, kNN, IterativeImputer
# (BayesianRidge), MICE (5 posterior draws) and MissForest on the same masks:
# complete rows of eight data sets from test/data, three conditions (20% and
# 40% of cells hidden completely at random, and a self-masking MNAR one),
# three repeats; see test/bench/impute_quality.py for the protocol.
#
#   bash test/bench/run-impute.sh [--repeats N] [--conditions mcar20,mcar40,mnar]
#                                 [--datasets penguins,pima,...] [--methods ae,missforest,...]
#
# Installs python3-psycopg2, python3-numpy and python3-sklearn when missing
# (as root or with sudo), builds and installs ae (test/build-install.sh),
# then runs the benchmark in a throwaway PostgreSQL 15 cluster (pg_virtualenv;
# the server runs unprivileged even when this runs as root).  Arguments are
# passed to impute_quality.py.  The full run takes about 11 minutes on 2
# cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
# the throwaway cluster takes its locale from the environment: C.UTF-8 is on
# every Debian system (a LANG forwarded by ssh may not be), and the shell
# tests match the server's English messages
export LC_ALL=C.UTF-8

# the Debian packages are for the system interpreter, whatever python3 is first on PATH
py=/usr/bin/python3
need=()
"$py" -c 'import psycopg2' 2>/dev/null || need+=(python3-psycopg2)
"$py" -c 'import numpy' 2>/dev/null || need+=(python3-numpy)
"$py" -c 'import sklearn' 2>/dev/null || need+=(python3-sklearn)
bash test/apt-install.sh ${need[@]+"${need[@]}"}

bash test/build-install.sh
pg_virtualenv -t -v 15 "$py" test/bench/impute_quality.py "$@"
