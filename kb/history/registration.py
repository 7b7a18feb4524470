"""What django-reversion versions, and with which rows.

Each record is registered with the rows that belong to it (`follow`, from
kb/registry.py), so a revision holds a record together with its citations,
identifiers in other systems and join rows: reverting it, or recovering it
after deletion, brings them back as one. `register()` runs from KbConfig.ready(), after
modeltranslation has added the per-language fields, so versions store them.
"""

import reversion

from .. import registry
from ..models import SlugRedirect

FOLLOW = {entry.model: entry.follow for entry in registry.TYPES}

# Rows whose versions are saved with the record they belong to.
FOLLOWED = frozenset(registry.followed())


def register():
    """Register every type (idempotent: the admin may have asked first).

    Redirects too: records follow them (a merge's revert deletes them), and
    reversion follows registered models only.
    """
    for model, follow in {**FOLLOW, SlugRedirect: ()}.items():
        if not reversion.is_registered(model):
            reversion.register(model, follow=follow)
