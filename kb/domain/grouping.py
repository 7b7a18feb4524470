"""Long related lists, grouped for reading: by the counterparts' region, by kind.

A page shows a short list as it is. A longer one is split into groups, by
the first way of grouping that gives more than one group (a page's ways, in
its order of preference), each group with its count; past COLLAPSE_OVER items
the groups start closed (<details>, which needs no JavaScript). The pôle
DGSN-DGST's 52 meetings read as five regions instead of 52 entries. Built from
what the read plan loaded: no query.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from ..lib import regions
from ..models import Participation

GROUP_OVER = 10  # a list longer than this is grouped, when it can be
COLLAPSE_OVER = 25  # ... and longer than this, its groups start closed

# The region keys of an event's counterparts that are not regions.
NO_COUNTRY = "no-country"
SEVERAL = "several-regions"
NOBODY = "nobody"


@dataclass
class Group:
    key: str
    label: str
    items: list = field(default_factory=list)


@dataclass
class Arranged:
    """A list as a page shows it: `items` flat, or `groups` (then `collapsed` or not);
    `total` counts the items there are, shown or not (details.SHOWN_MAX)."""

    items: list
    groups: list = field(default_factory=list)
    collapsed: bool = False
    total: int = 0

    def __post_init__(self):
        self.total = max(self.total, len(self.items))

    @property
    def more(self):
        """How many items there are besides those shown."""
        return self.total - len(self.items)

    def __len__(self):
        return len(self.items)

    def __iter__(self):
        return iter(self.items)


def arrange(items, *ways, total=0):
    """`items` grouped by the first of `ways` (item -> (key, label)) giving two groups or more.

    Groups come largest first, then by label. A list too long to show open
    that no way splits becomes one closed group, under the first way's label.
    `total`: how many there are in all, when `items` are only some of them.
    """
    items = list(items)
    if len(items) <= GROUP_OVER or not ways:
        return Arranged(items, total=total)
    collapsed = len(items) > COLLAPSE_OVER
    unsplit = None
    for way in ways:
        groups = {}
        for item in items:
            key, label = way(item)
            groups.setdefault(key, Group(key, label)).items.append(item)
        if len(groups) > 1:
            ordered = sorted(groups.values(), key=lambda g: (-len(g.items), str(g.label)))
            return Arranged(items, ordered, collapsed, total)
        unsplit = unsplit or list(groups.values())
    if collapsed:
        return Arranged(items, unsplit, collapsed, total)
    return Arranged(items, total=total)


def by_kind(item):
    """A record's kind (an event's, an agreement's), named in the active language."""
    return item.kind, item.get_kind_display()


def participant_region(participation):
    """The region of a participant's country: its organisation's, else the person's."""
    if participation.organisation_id:
        country = participation.organisation.country
    elif participation.person_id:
        country = participation.person.country
    else:
        country = ""
    return regions.region_for(country)


def counterpart_region(event, is_ours=None):
    """(key, label): the region of whom the page's record met at `event`.

    Whom it met are the event's participants that `is_ours` (participation ->
    bool) does not claim; without `is_ours`, everyone but the host. The
    participations must be loaded (the read plans prefetch them).
    """
    participations = event.participations.all()
    if is_ours is None:
        others = [p for p in participations if p.role != Participation.Role.HOST]
    else:
        others = [p for p in participations if not is_ours(p)]
    found = {participant_region(p) for p in others}
    if not found:
        return NOBODY, _("No other participant named")
    if len(found) > 1:
        return SEVERAL, _("Several regions")
    (region,) = found
    if region is None:
        return NO_COUNTRY, _("International bodies (no country)")
    return region, regions.REGION_NAMES[region]
