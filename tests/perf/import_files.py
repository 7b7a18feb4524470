"""Import files for the benchmark: organisations and participations, as CSV.

    .venv/bin/python tests/perf/import_files.py OUT_DIR [--organisations N] [--participations N]

The columns are those of kb/transfer/resources.py. Participations name generated
events (one per 10 participations) and the generated organisations; the
benchmark creates those events and organisations before it times anything.
"""

import argparse
import csv
import datetime
import json
from pathlib import Path

KINDS = ["police", "security_service", "delegation", "ministry", "other"]
COUNTRIES = ["FR", "MA", "DE", "NO", "ET", "BR", "IN", "KE", "CL", "JP", "CA", "AU"]
ROLES = ["host", "counterpart", "participant", "observer"]
ORGANISATION_COLUMNS = [
    "slug",
    "status",
    "name_en",
    "name_fr",
    "acronym",
    "kind",
    "country",
    "parent",
    "aliases",
    "website",
    "description_en",
    "description_fr",
]
PARTICIPATION_COLUMNS = ["event", "organisation", "person", "post", "role"]


def organisation_slug(i):
    return f"bench-org-{i:06d}"


def event_slug(i):
    return f"bench-event-{i:06d}"


def organisation_rows(n):
    for i in range(n):
        yield {
            "slug": organisation_slug(i),
            "status": "draft",
            "name_en": f"Benchmark police service {i}",
            "name_fr": f"Service de police de test {i}",
            "acronym": f"BPS{i}",
            "kind": KINDS[i % len(KINDS)],
            "country": COUNTRIES[i % len(COUNTRIES)],
            # Every tenth names an earlier row as its parent.
            "parent": organisation_slug(i - 7) if i % 10 == 9 else "",
            "aliases": json.dumps([f"Service {i}", f"Sûreté {i}"], ensure_ascii=False),
            "website": f"https://police-{i}.example.org",
            "description_en": "Generated for the import benchmark.",
            "description_fr": "Généré pour le banc d'essai des imports.",
        }


def participation_rows(n, organisations):
    events = max(1, n // 10)
    for i in range(n):
        event = i % events
        # Ten distinct organisations per event, so every key is unique.
        organisation = (event * 10 + i // events) % organisations
        yield {
            "event": event_slug(event),
            "organisation": organisation_slug(organisation),
            "person": "",
            "post": "",
            "role": ROLES[i % len(ROLES)],
        }


def event_count(participations):
    return max(1, participations // 10)


def event_dates(i):
    start = datetime.date(2020, 1, 1) + datetime.timedelta(days=i % 1500)
    return start, start + datetime.timedelta(days=2)


def write_csv(path, columns, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_files(out_dir, organisations=10_000, participations=50_000):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return (
        write_csv(
            out / "organisations.csv", ORGANISATION_COLUMNS, organisation_rows(organisations)
        ),
        write_csv(
            out / "participations.csv",
            PARTICIPATION_COLUMNS,
            participation_rows(participations, organisations),
        ),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--participations", type=int, default=50_000)
    args = parser.parse_args()
    for path in write_files(args.out_dir, args.organisations, args.participations):
        print(path)


if __name__ == "__main__":
    main()
