"""pgtext.py — what the Python benchmarks share for talking to PostgreSQL:
a session with ae and a fresh schema, quoting an identifier, and a value in
COPY's text format."""


def bench_session(schema=None):
    """A connection (autocommit) to the server in the environment and its
    cursor, notices below warnings silenced, the ae extension created, and
    schema, when given, dropped with everything in it and made afresh."""
    import psycopg2

    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET client_min_messages = warning")
    cur.execute("CREATE EXTENSION IF NOT EXISTS ae")
    if schema:
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % schema)
        cur.execute("CREATE SCHEMA %s" % schema)
    return conn, cur


def qi(ident):
    """A quoted SQL identifier."""
    return '"' + ident.replace('"', '""') + '"'


def copy_text(v):
    """A value as COPY's text format writes it (None is \\N)."""
    if v is None:
        return r"\N"
    if isinstance(v, float):
        return repr(v)
    s = str(v)
    return (s.replace("\\", "\\\\").replace("\t", "\\t")
             .replace("\n", "\\n").replace("\r", "\\r"))
