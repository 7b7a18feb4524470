"""Who cooperates with whom, seen three ways: counts per country (the map), a network of
organisations and people (the graph), and the events and agreements in time (the timeline).

Each function takes the scope's querysets (kb.filtering.scope.CooperationScope:
published events and agreements, filtered) and returns plain rows with names in
the active language, for the pages' tables and the API alike. Each runs a
fixed number of queries, whatever the size of the scope.

Rules shared by all three:
- a participation counts only when every record it names is published, and it
  counts for its organisation or, when it names a post and no organisation, for
  the post's organisation (published too);
- the host of an event is not one of its counterparts: "counterpart events" are
  those where an organisation took part in any other role;
- an agreement counts for each of its published parties.
"""

from .graphs import MAX_EDGE_RECORDS, Edge, Graph, Node, graph
from .maps import BodyRow, CountryCounts, CountryRow, RegionRow, country_counts
from .timelines import GROUPS, GroupRow, Timeline, TimelineItem, timeline

__all__ = [
    "GROUPS",
    "MAX_EDGE_RECORDS",
    "BodyRow",
    "CountryCounts",
    "CountryRow",
    "Edge",
    "Graph",
    "GroupRow",
    "Node",
    "RegionRow",
    "Timeline",
    "TimelineItem",
    "country_counts",
    "graph",
    "timeline",
]
