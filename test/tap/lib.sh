# Helpers for the shell tests; sourced.  They run inside pg_virtualenv, with
# PGHOST, PGPORT and PGUSER set.
set -euo pipefail

# psql with the settings every test wants; extra arguments pass through.
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# fail <message>: print and exit non-zero.
fail() { echo "not ok: $*" >&2; exit 1; }

# ok <message>
ok() { echo "ok: $*"; }

# fresh_db <name>: a new database with ae and the test tables loaded.
fresh_db() {
    dropdb --if-exists "$1" 2>/dev/null
    createdb "$1"
    q -d "$1" -c "CREATE EXTENSION ae"
    q -d "$1" -f test/data/load.sql
}
