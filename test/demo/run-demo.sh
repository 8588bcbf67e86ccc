#!/usr/bin/env bash
# `make demo`: install what is missing, build and install ae, start a
# throwaway PostgreSQL (pg_virtualenv; the server runs unprivileged even
# when this runs as root), load a sample table, train, print the top
# anomalies.  The cluster is removed when the demo ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
# the throwaway cluster takes its locale from the environment: C.UTF-8 is on
# every Debian system (a LANG forwarded by ssh may not be), and the shell
# tests match the server's English messages
export LC_ALL=C.UTF-8
bash test/build-install.sh
pg_virtualenv -t -v 15 psql -X -q -v ON_ERROR_STOP=1 -P pager=off -f test/demo/demo.sql
