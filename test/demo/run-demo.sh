#!/usr/bin/env bash
# `make demo`: install what is missing, build and install ae, start a
# throwaway PostgreSQL (pg_virtualenv; the server runs unprivileged even
# when this runs as root), generate 100,000 synthetic card transactions
# (test/demo/transactions.sql), and tell the fraud-review story of
# test/demo/demo.sql: training, the review queue and its reasons, how many
# planted frauds it catches, missing values filled, one model per merchant
# category, the latent map and the training loss as SVG pictures
# (fraud_map.svg and fraud_loss.svg, here).  The cluster is removed when
# the demo ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
# the throwaway cluster takes its locale from the environment: C.UTF-8 is on
# every Debian system (a LANG forwarded by ssh may not be), and the shell
# tests match the server's English messages
export LC_ALL=C.UTF-8
bash test/build-install.sh
SECONDS=0
# the pictures go where make demo runs (the server writes nothing: psql does)
pg_virtualenv -t -v 15 psql -X -v ON_ERROR_STOP=1 -P pager=off -v picture_dir="$PWD" -f test/demo/demo.sql
echo
echo "The demo took $SECONDS s, the throwaway cluster's start and stop included."
