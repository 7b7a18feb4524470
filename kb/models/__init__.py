"""Entente's domain schema: who met whom, what they agreed, and the source of each fact.

Main records (topics, organisations, people, posts, events, agreements,
sources, claims) share `Record`: a unique human-readable slug, a publication
status and timestamps. Join rows (memberships, participations, agreement
parties, citations) have no slug; their natural key is what they join, and a
database constraint keeps it unique.

Owns: the schema, the database rules (`rules`), visibility (`visibility`) and
the QuerySets every surface shares (`published()`, `for_listing()`, `search()`,
`ranked_search()`).
The lists' default order, by name in a language, is `ordering`'s.
Modules import one way: rules, visibility, ordering, redirects < base < citations <
actors < events < claims. `redirects` holds what a merge leaves: old slugs that lead
to the record kept; `duplicates` the pairs that may be one record, for reviewers
(computed by kb/domain/duplicates.py). May import: `kb.lib`, `kb.db`; nothing above.
"""

from .actors import Membership, Organisation, Person, Post
from .base import (
    CitedRecord,
    DatePrecision,
    JoinRow,
    Record,
    RecordQuerySet,
    SearchRank,
    Status,
)
from .citations import Citation, Source
from .claims import Claim
from .downloads import DownloadFile, DownloadsSchedule
from .duplicates import DuplicateCandidate, DuplicatesRun
from .events import Agreement, AgreementParty, Event, Participation, Topic
from .identifiers import Identifier
from .jobs import Job, WorkerHeartbeat
from .redirects import SlugRedirect

__all__ = [
    "Agreement",
    "AgreementParty",
    "Citation",
    "CitedRecord",
    "Claim",
    "DatePrecision",
    "DownloadFile",
    "DownloadsSchedule",
    "DuplicateCandidate",
    "DuplicatesRun",
    "Event",
    "Identifier",
    "Job",
    "JoinRow",
    "Membership",
    "Organisation",
    "Participation",
    "Person",
    "Post",
    "Record",
    "RecordQuerySet",
    "SearchRank",
    "SlugRedirect",
    "Source",
    "Status",
    "Topic",
    "WorkerHeartbeat",
]
