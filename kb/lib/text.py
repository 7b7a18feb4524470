"""Text rules shared by search, filters and the API: folding and the slug syntax."""

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
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold().replace("\u2019", "'")
