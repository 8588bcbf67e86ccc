#!/usr/bin/env bash
# Imputation-quality benchmark: how well ae_impute fills cells hidden at
# random (20% of the cells, complete rows of five data sets from test/data,
# five repeats) compared with mean/mode, kNN and MICE imputation on the same
# masks; see test/bench/impute_quality.py for the protocol.
#
#   bash test/bench/run-impute.sh [--repeats N] [--datasets penguins,pima,...]
#
# Installs python3-psycopg2, python3-numpy and python3-sklearn when missing
# (as root or with sudo), builds and installs ae (test/build-install.sh),
# then runs the benchmark in a throwaway PostgreSQL 15 cluster (pg_virtualenv;
# the server runs unprivileged even when this runs as root).  Arguments are
# passed to impute_quality.py.  Takes a few minutes on a small machine.
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
