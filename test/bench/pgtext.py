"""pgtext.py — what the Python benchmarks share for talking to PostgreSQL:
quoting an identifier, and a value in COPY's text format."""


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
