"""Datasette plugin for `make bench`: the collations Entente's name indexes use.

The lists' indexes (kb/models/ordering.py) order names under `entente_en`
and `entente_fr`, which SQLite only knows once a connection registers them:
without them Datasette could not run the cases' queries, which order the
same way as the app. Loaded with `datasette serve --plugins-dir` (tests/perf/bench.py).
"""

import sys
from pathlib import Path

from datasette import hookimpl

REPO = Path(__file__).resolve().parents[3]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from kb.db import collation  # noqa: E402  (after the repository is on the path)


@hookimpl
def prepare_connection(conn):
    collation.register(conn)
