"""Text rules shared by search, filters and the API: folding, the search column's words and
terms, and the slug syntax."""

import re
import unicodedata

# What a slug may hold (Record.slug is a SlugField of 200 characters). Checked
# before any query, so a NUL byte or a path never reaches the database, and
# safe to put in a URL as it is.
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,200}$")


def fold(text):
    """The form search compares: lower case, no accents ("Bénin" -> "benin").

    NFKD also turns "93ᵉ" into "93e"; typographic apostrophes become plain.
    """
    text = str(text)
    if text.isascii():
        # NFKD leaves ASCII as it is and it holds no combining mark or typographic
        # apostrophe: the same answer, some ten times sooner (the map sorts
        # thousands of names by it).
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold().replace("\u2019", "'")


# What separates words in the search column and in a query: anything but a letter or
# a digit ("dgsn-dgst", "l'argentine", "côte d'ivoire" are two or three words each).
_NOT_WORD = re.compile(r"[\W_]+")

# Between the terms of the search column, and at both ends: "| turkey | delegation of
# turkiye |". A word is then always between spaces, and a whole term between bars,
# so ranking can tell a whole term, a whole word and a word's start apart with LIKE.
TERM_SEPARATOR = "|"


def search_words(text):
    """The folded words of `text`, in order: what the search column holds and a query asks."""
    return _NOT_WORD.sub(" ", fold(text)).split()


def search_column(terms):
    """The search column of a record found by `terms` (names, acronym, aliases, ...).

    Each term folded, its punctuation made spaces, once each, between separators:
    `| delegation of turkiye | turkey | turkish |`. Empty when there is no term.
    """
    folded = dict.fromkeys(" ".join(search_words(term)) for term in terms if term)
    folded.pop("", None)
    if not folded:
        return ""
    separator = f" {TERM_SEPARATOR} "
    return f"{TERM_SEPARATOR} {separator.join(folded)} {TERM_SEPARATOR}"
