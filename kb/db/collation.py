"""Each language's order of names: an ICU collation of one name on both databases.

`entente_en` and `entente_fr` compare as ICU's locale does by default:
accents and case count only where the letters tie ("Éthiopie" sits between
"Espagne" and "France", "bka" beside "BKA"), and punctuation is not ignored,
so "délégation de l'Argentine" comes before "délégation de la Chine". Where
ICU finds two different strings equal, their code points decide, as in
PostgreSQL's deterministic collations: both databases put rows in the same
order, and two names are equal only when identical, which keyset paging
(kb/api/pagination.py) relies on.

- PostgreSQL has ICU built in: migration 0012 creates both collations
  (`create_sql()`), provider icu.
- SQLite has no ICU: `register()` gives a connection collations of the same
  names that compare with PyICU. An index that names a collation cannot be
  read or written by a connection without it ("no such collation
  sequence"), so kb/apps.py registers them on every connection Django opens
  (`on_connection_created`), and raw sqlite3 connections to the database
  (backups, the benchmark's Datasette) call `register()` themselves.

`FirstNonEmpty` and `ordered()` build the sort key the lists order by and
their indexes hold (kb/models/ordering.py): the same expression in both, so
the database reads the index in order instead of sorting.

May import: PyICU and Django's database layer; nothing of kb above lib.
"""

import functools

import icu
from django.db.models import CharField, Func
from django.db.models.functions import Collate

# Language -> (collation name, ICU locale). The names are ours, so that both
# databases know the same ones (PostgreSQL's own are "en-x-icu", ...).
COLLATIONS = {"en": ("entente_en", "en"), "fr": ("entente_fr", "fr")}
DEFAULT_LANGUAGE = "en"


def language_of(language):
    """The language whose collation orders `language` ("fr-ca" -> "fr"; unknown -> English)."""
    base = (language or "").split("-")[0].lower()
    return base if base in COLLATIONS else DEFAULT_LANGUAGE


def collation_name(language):
    return COLLATIONS[language_of(language)][0]


@functools.cache
def collator(language):
    """The ICU collator of `language`. compare() and getSortKey() are safe across threads."""
    return icu.Collator.createInstance(icu.Locale(COLLATIONS[language_of(language)][1]))


def sort_key(language, text):
    """A Python sort key giving the collation's order: ICU's, then the code points."""
    return (collator(language).getSortKey(text), text)


def _comparison(language):
    compare = collator(language).compare

    def collate(a, b):
        # Code points break ICU's ties: UTF-8's byte order, as PostgreSQL's strcmp.
        return compare(a, b) or (a > b) - (a < b)

    return collate


def register(dbapi_connection):
    """Give a sqlite3 connection every collation (before it touches an index using one)."""
    for language, (name, _locale) in COLLATIONS.items():
        dbapi_connection.create_collation(name, _comparison(language))


def on_connection_created(sender, connection, **kwargs):
    """django.db.backends.signals.connection_created: SQLite connections get the collations."""
    if connection.vendor == "sqlite":
        register(connection.connection)


def create_sql():
    """PostgreSQL: the statements that create the collations (deterministic, provider icu)."""
    return [
        f"CREATE COLLATION IF NOT EXISTS {name} (provider = icu, locale = '{locale}')"
        for name, locale in COLLATIONS.values()
    ]


def drop_sql():
    return [f"DROP COLLATION IF EXISTS {name}" for name, _locale in COLLATIONS.values()]


class FirstNonEmpty(Func):
    """The first expression that is neither NULL nor empty, else "": the name a page shows
    (django-modeltranslation's fallback from one language's column to the next).

    The empty string is written in the SQL, not passed as a parameter: SQLite matches
    an ORDER BY with an index's expression only when both hold the same literal
    (with `?` in its place, it sorted every row).
    """

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.source_expressions:
            sql, expression_params = compiler.compile(expression)
            parts.append(f"NULLIF({sql}, '')")
            params.extend(expression_params)
        return f"COALESCE({', '.join(parts)}, '')", params


def ordered(expression, language):
    """`expression` under the collation of `language`: what ORDER BY, WHERE and indexes use."""
    return Collate(expression, collation_name(language))
