"""Change history (django-reversion).

Each record is registered with the rows that belong to it (`follow`), so a
revision holds a record together with its citations and join rows: reverting
it, or recovering it after deletion, brings them back as one.
"""

import reversion

from .models import (
    Agreement,
    AgreementParty,
    Citation,
    Claim,
    Event,
    Membership,
    Organisation,
    Participation,
    Person,
    Post,
    Source,
    Topic,
)

FOLLOW = {
    Topic: ("citations",),
    Organisation: ("citations",),
    Person: ("citations", "memberships"),
    Post: ("citations",),
    Membership: ("citations",),
    Event: ("citations", "participations"),
    Participation: ("citations",),
    Agreement: ("citations", "parties"),
    AgreementParty: ("citations",),
    Source: (),
    Citation: (),
    Claim: ("citations",),
}

# Rows whose versions are saved with the record they belong to.
FOLLOWED = (Citation, Membership, Participation, AgreementParty)

for _model, _follow in FOLLOW.items():
    if not reversion.is_registered(_model):
        reversion.register(_model, follow=_follow)
