"""Identifiers of Entente's records in other systems: the schemes, their formats and links.

One table, read by the model's CHECK constraint and validation, the admin,
imports, the API and every export format (schema.org `sameAs`, Popolo
`identifiers`, FollowTheMoney properties). A website is not an identifier:
it stays in its own field.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Scheme:
    key: str
    label: str
    # The whole value (matched in full). The database's CHECK holds the scheme and a
    # value; the format is checked on input: the model's clean(), the admin, imports.
    pattern: str
    # Where the identifier's own page is, with {value} in it.
    url_template: str
    example: str

    def matches(self, value):
        return re.fullmatch(self.pattern, value or "") is not None

    def url(self, value):
        return self.url_template.format(value=value)


WIKIDATA = Scheme(
    key="wikidata",
    label=_("Wikidata"),
    # An item's QID: Q and a number without leading zeros (Q7747, Q1422458).
    pattern=r"Q[1-9][0-9]{0,11}",
    url_template="https://www.wikidata.org/wiki/{value}",
    example="Q7747",
)
OPENSANCTIONS = Scheme(
    key="opensanctions",
    label=_("OpenSanctions"),
    # OpenSanctions' entity IDs: its own (NK- and a base58 key), a Wikidata QID it
    # adopted, or a dataset's prefix and that dataset's key (ofac-12345, gb-hmt-1234).
    pattern=r"NK-[1-9A-HJ-NP-Za-km-z]{22}|Q[1-9][0-9]{0,11}|[a-z][a-z0-9]*(-[a-z0-9]+)*-[A-Za-z0-9][A-Za-z0-9._-]{0,99}",
    url_template="https://www.opensanctions.org/entities/{value}/",
    example="NK-2ZkYyZLKa4Mdj6NqbHPoeF",
)

SCHEMES = {scheme.key: scheme for scheme in (WIKIDATA, OPENSANCTIONS)}
CHOICES = [(scheme.key, scheme.label) for scheme in SCHEMES.values()]


def format_error(scheme_key, value):
    """Why `value` is not an identifier of the scheme, or None when it is one."""
    scheme = SCHEMES.get(scheme_key)
    if scheme is None:
        return _("Unknown scheme “%(scheme)s”: use one of %(schemes)s.") % {
            "scheme": scheme_key,
            "schemes": ", ".join(SCHEMES),
        }
    if not scheme.matches(value):
        return _("“%(value)s” is not a %(label)s identifier (for example %(example)s).") % {
            "value": value,
            "label": scheme.label,
            "example": scheme.example,
        }
    return None
