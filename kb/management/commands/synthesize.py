"""Fill the database with synthetic records for benchmarks: `manage.py synthesize --scale N`.

At scale N it makes N×1,000 organisations, N×2,000 people, N×500 events,
N×200 agreements, N×10,000 participations and N×3,000 citations, from a
fixed seed, with bulk inserts. Participation follows a heavy-tailed law, as
in real cooperation data: a few hub organisations (INTERPOL-like bodies)
take part in thousands of events, most in a handful.

Synthetic slugs start with "syn-", so they never collide with real data;
`--clear` removes them first. Synthetic rows get no history entries: they
are scaffolding for measurements, not editorial work.
"""

import datetime
import itertools
import random

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from kb.db import groups, install
from kb.lib import regions
from kb.models import (
    Agreement,
    AgreementParty,
    Citation,
    DatePrecision,
    Event,
    Organisation,
    Participation,
    Person,
    Source,
    Status,
    Topic,
)

PER_SCALE = {
    "organisations": 1_000,
    "people": 2_000,
    "events": 500,
    "agreements": 200,
    "participations": 10_000,
    "citations": 3_000,
}
BATCH = 5_000
SEED = 93
PREFIX = "syn-"
WORDS = [
    "police",
    "security",
    "cooperation",
    "directorate",
    "national",
    "federal",
    "bureau",
    "agency",
    "service",
    "criminal",
    "intelligence",
    "border",
    "customs",
    "cyber",
    "training",
    "academy",
    "council",
    "ministry",
    "regional",
    "international",
    "office",
    "unit",
    "command",
    "force",
    "gendarmerie",
    "guard",
    "investigation",
]


class Command(BaseCommand):
    help = "Make synthetic records at a given scale (N×1,000 organisations, ...) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="N (may be fractional).")
        parser.add_argument("--seed", type=int, default=SEED)
        parser.add_argument(
            "--clear", action="store_true", help="Delete earlier synthetic rows first."
        )

    def handle(self, *args, scale, seed, clear, verbosity, **options):
        if scale <= 0:
            raise CommandError("--scale must be positive.")
        counts = {name: max(1, round(n * scale)) for name, n in PER_SCALE.items()}
        rng = random.Random(seed)
        with transaction.atomic():
            if clear:
                self._clear()
            elif Organisation.objects.filter(slug__startswith=PREFIX).exists():
                raise CommandError("Synthetic rows exist already: use --clear to replace them.")
            made = Synthesizer(rng, counts, self._progress(verbosity)).run()
        # Loaded in batches, the search index is in many pieces: one reads faster.
        install.merge_search_index(connection, apps.get_app_config("kb"))
        if verbosity:
            summary = ", ".join(f"{n:,} {name}" for name, n in made.items())
            self.stdout.write(self.style.SUCCESS(f"Synthesized {summary}."))

    def _progress(self, verbosity):
        def report(message):
            if verbosity > 1:
                self.stdout.write(message)

        return report

    def _clear(self):
        syn = {"slug__startswith": PREFIX}
        Citation.objects.filter(source__slug__startswith=PREFIX).delete()
        Participation.objects.filter(event__slug__startswith=PREFIX).delete()
        AgreementParty.objects.filter(agreement__slug__startswith=PREFIX).delete()
        Agreement.objects.filter(**syn).delete()
        # Children first: parents are PROTECTed.
        Event.objects.filter(parent__isnull=False, **syn).delete()
        Event.objects.filter(**syn).delete()
        Person.objects.filter(**syn).delete()
        Organisation.objects.filter(parent__isnull=False, **syn).delete()
        Organisation.objects.filter(**syn).delete()
        Topic.objects.filter(**syn).delete()
        Source.objects.filter(**syn).delete()


class Synthesizer:
    def __init__(self, rng, counts, progress):
        self.rng = rng
        self.counts = counts
        self.progress = progress
        self.countries = sorted(regions.COUNTRY_REGION)

    def run(self):
        self.source = self._bulk(
            Source,
            [
                Source(
                    slug=f"{PREFIX}source",
                    title="Synthetic source",
                    kind=Source.Kind.OTHER,
                    language="en",
                    status=Status.PUBLISHED,
                )
            ],
        )[0]
        self.topics = self._bulk(
            Topic,
            [
                Topic(
                    slug=f"{PREFIX}topic-{i}",
                    name_en=f"Topic {i}",
                    name_fr=f"Thème {i}",
                    status=Status.PUBLISHED,
                )
                for i in range(20)
            ],
        )
        organisations = self._organisations(self.counts["organisations"])
        self._bulk(Person, (self._person(i) for i in range(self.counts["people"])))
        events = self._events(self.counts["events"])
        participations = self._participations(organisations, events, self.counts["participations"])
        agreements = self._agreements(organisations, events, self.counts["agreements"])
        citations = self._citations(organisations, events, agreements, self.counts["citations"])
        return {
            "organisations": len(organisations),
            "people": self.counts["people"],
            "events": len(events),
            "agreements": len(agreements),
            "participations": participations,
            "citations": citations,
        }

    def _bulk(self, model, objects):
        """Insert in batches, keeping the folded search column in step (save() is bypassed)."""
        made, batch = [], []
        for obj in objects:
            if hasattr(obj, "build_search_text"):
                obj.search_text = obj.build_search_text()
            batch.append(obj)
            if len(batch) >= BATCH:
                made += model.objects.bulk_create(batch)
                batch = []
        if batch:
            made += model.objects.bulk_create(batch)
        self._analyze(model)
        self.progress(f"{model._meta.verbose_name_plural}: {len(made):,}")
        return made

    @staticmethod
    def _analyze(model):
        """Statistics for the table just filled, as autovacuum would give them a while later.

        The triggers that keep each event's participant groups (kb/db/groups.py)
        run queries while the next tables load; planned on the statistics of an
        empty table, they put every organisation outside the participations
        (scale 10 took 56 s instead of 12). SQLite plans without statistics.
        """
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    def _name(self):
        return " ".join(self.rng.choice(WORDS) for _ in range(3)).title()

    def _organisations(self, n):
        kinds = [k for k, _label in Organisation.Kind.choices]
        orgs = []
        for i in range(n):
            international = self.rng.random() < 0.05
            name = self._name()
            orgs.append(
                Organisation(
                    slug=f"{PREFIX}org-{i:07d}",
                    name_en=name,
                    name_fr=f"{name} (fr)",
                    acronym="".join(w[0] for w in name.split()).upper(),
                    kind=self.rng.choice(kinds),
                    country="" if international else self.rng.choice(self.countries),
                    aliases=[f"{name} {i}"],
                    status=Status.PUBLISHED,
                )
            )
        return self._bulk(Organisation, orgs)

    def _person(self, i):
        return Person(
            slug=f"{PREFIX}person-{i:07d}",
            name=f"{self._name()} {i}",
            country=self.rng.choice(self.countries),
            status=Status.PUBLISHED,
        )

    def _events(self, n):
        # One event in ten is an assembly; the others are meetings, most of
        # them part of an assembly, as the article's meetings are.
        n_assemblies = max(1, n // 10)
        assemblies = self._bulk(
            Event, (self._event(i, Event.Kind.GENERAL_ASSEMBLY) for i in range(n_assemblies))
        )
        meetings = []
        for i in range(n_assemblies, n):
            meeting = self._event(i, Event.Kind.BILATERAL_MEETING)
            if self.rng.random() < 0.8:
                parent = self.rng.choice(assemblies)
                meeting.parent = parent
                meeting.start_date, meeting.end_date = parent.start_date, parent.end_date
                meeting.date_precision = DatePrecision.WITHIN
            meetings.append(meeting)
        events = assemblies + self._bulk(Event, meetings)
        through = Event.topics.through
        self._bulk(
            through,
            (
                through(event_id=event.pk, topic_id=topic.pk)
                for event in events
                for topic in self.rng.sample(self.topics, self.rng.randint(0, 3))
            ),
        )
        return events

    def _event(self, i, kind):
        start = datetime.date(2000, 1, 1) + datetime.timedelta(days=self.rng.randrange(9500))
        return Event(
            slug=f"{PREFIX}event-{i:07d}",
            name_en=f"{self._name()} meeting {i}",
            name_fr=f"Réunion {self._name()} {i}",
            kind=kind,
            start_date=start,
            end_date=start + datetime.timedelta(days=self.rng.randrange(4)),
            date_precision=DatePrecision.EXACT,
            city=self.rng.choice(["Lyon", "Marrakech", "Vienna", "Singapore", "Santiago"]),
            country=self.rng.choice(self.countries),
            status=Status.PUBLISHED,
        )

    def _participations(self, organisations, events, n):
        """Heavy-tailed: organisation k is drawn with weight 1/(k+1)."""
        # Cumulative weights once: random.choices would re-add them on every call.
        cum_weights = list(itertools.accumulate(1 / (k + 1) for k in range(len(organisations))))
        pairs = set()
        rows = []
        # Every event gets a host first, so counterpart filters have a host to exclude.
        for event in events:
            org = self.rng.choices(organisations, cum_weights=cum_weights)[0]
            pairs.add((event.pk, org.pk))
            rows.append(Participation(event=event, organisation=org, role=Participation.Role.HOST))
            if len(rows) >= n:
                break
        attempts = 0
        while len(rows) < n and attempts < n * 20:
            attempts += 1
            event = self.rng.choice(events)
            org = self.rng.choices(organisations, cum_weights=cum_weights)[0]
            if (event.pk, org.pk) in pairs:
                continue
            pairs.add((event.pk, org.pk))
            rows.append(
                Participation(event=event, organisation=org, role=Participation.Role.COUNTERPART)
            )
        # Event by event (the host still first): the triggers that keep each event's
        # participant lists and groups (kb/db/groups.py) refresh every event a batch
        # touches. Drawn in random order, every batch touched most events, each refreshed
        # again and again as its list grew (PostgreSQL's load at scale 40: 74 s, 30 s
        # in this order). On PostgreSQL they now wait for the end of the load and
        # refresh each event once (groups.refreshed_after): at scale 100 the batches'
        # refreshes still grew from 2 to 6 s in this order.
        rows.sort(key=lambda row: row.event_id)
        with groups.refreshed_after(connection, Participation._meta.db_table):
            return len(self._bulk(Participation, rows))

    def _agreements(self, organisations, events, n):
        kinds = [k for k, _label in Agreement.Kind.choices]
        agreements = []
        for i in range(n):
            event = self.rng.choice(events)
            agreements.append(
                Agreement(
                    slug=f"{PREFIX}agreement-{i:07d}",
                    title_en=f"Agreement on {self._name()} {i}",
                    title_fr=f"Accord sur {self._name()} {i}",
                    kind=self.rng.choice(kinds),
                    legal_status=Agreement.LegalStatus.SIGNED,
                    signed_start=event.start_date,
                    signed_end=event.end_date,
                    date_precision=event.date_precision,
                    signed_at=event,
                    status=Status.PUBLISHED,
                )
            )
        agreements = self._bulk(Agreement, agreements)
        with groups.refreshed_after(connection, AgreementParty._meta.db_table):
            self._bulk(
                AgreementParty,
                (
                    AgreementParty(agreement=agreement, organisation=org)
                    for agreement in agreements
                    for org in self.rng.sample(organisations, min(2, len(organisations)))
                ),
            )
        return agreements

    def _citations(self, organisations, events, agreements, n):
        pools = [
            (ContentType.objects.get_for_model(Organisation), organisations),
            (ContentType.objects.get_for_model(Event), events),
            (ContentType.objects.get_for_model(Agreement), agreements),
        ]
        rows = (
            Citation(
                source=self.source,
                content_type=content_type,
                object_id=self.rng.choice(pool).pk,
                quote=f"Synthetic quote number {i}: {self._name()}.",
            )
            for i in range(n)
            for content_type, pool in [self.rng.choice(pools)]
        )
        return len(self._bulk(Citation, rows))
