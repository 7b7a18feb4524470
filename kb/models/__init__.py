"""Entente's domain: who met whom, what they agreed, and the source of each fact.

Main records (topics, organisations, people, posts, events, agreements,
sources, claims) share `Record`: a unique human-readable slug, a publication
status and timestamps. Join rows (memberships, participations, agreement
parties, citations) have no slug; their natural key is what they join, and a
database constraint keeps it unique.
"""

from .actors import Membership, Organisation, Person, Post
from .base import CitedRecord, DatePrecision, JoinRow, Record, RecordQuerySet, Status
from .events import Agreement, AgreementParty, Event, Participation, Topic
from .sources import Citation, Claim, Source

__all__ = [
    "Agreement",
    "AgreementParty",
    "Citation",
    "CitedRecord",
    "Claim",
    "DatePrecision",
    "Event",
    "JoinRow",
    "Membership",
    "Organisation",
    "Participation",
    "Person",
    "Post",
    "Record",
    "RecordQuerySet",
    "Source",
    "Status",
    "Topic",
]
