"""English and French: URLs, the language switch, translated interface, dates."""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from kb.templatetags.kb_tags import format_window


@pytest.fixture(autouse=True)
def english():
    """Tests reverse() English URLs; a /fr/ request leaves French active in the thread."""
    with translation.override("en"):
        yield


PO = Path(__file__).resolve().parents[2] / "kb" / "locale" / "fr" / "LC_MESSAGES" / "django.po"

D = datetime.date


def po_entries():
    """(flags, msgid, msgstrs) for each entry of the French catalogue."""
    entries, flags, field, current = [], [], None, None
    for line in [*PO.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current:
                entries.append(current)
            current, flags, field = None, [], None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flags = [f.strip() for f in line[2:].split(",")]
            continue
        if line.startswith("#"):
            continue
        if current is None:
            current = {"flags": flags, "msgid": "", "msgstr": {}}
        if line.startswith('"'):
            text = line[1:-1]
        else:
            field, _space, rest = line.partition(" ")
            text = rest[1:-1]
        if field == "msgid":
            current["msgid"] += text
        elif field.startswith("msgstr"):
            current["msgstr"][field] = current["msgstr"].get(field, "") + text
    return entries


def test_every_french_message_is_translated_and_not_fuzzy():
    entries = po_entries()
    assert len(entries) > 100
    for entry in entries:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        assert entry["msgstr"] and all(entry["msgstr"].values()), entry["msgid"]


def test_root_redirects_by_browser_language(client, db):
    response = client.get("/", headers={"accept-language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert response.status_code == 302
    assert response.url == "/fr/"
    response = client.get("/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert response.url == "/en/"
    response = client.get("/", headers={"accept-language": "de-DE"})
    assert response.url == "/en/"


def test_french_page_shows_french_interface(client, seeded):
    response = client.get("/fr/events/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "<h1>Événements</h1>" in html
    assert "53 résultats" in html
    assert "Filtres" in html and "Pays de l’interlocuteur" in html
    assert "Aller au contenu" in html
    # The records' French names.
    assert "Réunion bilatérale avec l’Office fédéral de police criminelle" in html
    assert "Marrakech, Maroc" in html  # country names in French


def test_french_detail_page(client, seeded):
    html = client.get("/fr/organisations/interpol/").content.decode()
    assert "Organisation internationale de police criminelle" in html
    assert "Titulaire non nommé dans les sources." in html
    assert "Citer cette fiche" in html


def test_record_names_fall_back_to_the_other_language(client, db):
    from tests.factories import OrganisationFactory

    OrganisationFactory(slug="only-english", name_en="Only English", name_fr=None)
    html = client.get("/fr/organisations/only-english/").content.decode()
    assert "<h1>Only English" in html


def test_language_switch_links_to_the_same_page(client, seeded):
    html = client.get("/en/events/?counterpart_region=europe").content.decode()
    assert (
        'href="/fr/events/?counterpart_region=europe" hreflang="fr" lang="fr">Français</a>' in html
    )
    html = client.get("/fr/organisations/bka/").content.decode()
    assert 'href="/en/organisations/bka/" hreflang="en" lang="en">English</a>' in html
    # A page that does not exist switches to the other language's home page.
    html = client.get("/en/no-such-page/").content.decode()
    assert 'href="/fr/" hreflang="fr"' in html


def test_within_dates_read_as_a_window_in_both_languages(client, seeded):
    slug = "interpol-general-assembly-93-meeting-police-pl"
    english = client.get(reverse("kb:event-detail", kwargs={"slug": slug})).content.decode()
    # As the API's timeline writes it (kb/lib/windows.py).
    assert "some day between 24 and 27 November 2025" in english
    french = client.get(f"/fr/events/{slug}/").content.decode()
    assert "un jour entre le 24 et le 27 novembre 2025" in french


@pytest.mark.parametrize(
    ("start", "end", "precision", "english", "french"),
    [
        (D(2025, 11, 24), D(2025, 11, 24), "exact", "24 November 2025", "24 novembre 2025"),
        (
            D(2025, 11, 24),
            D(2025, 11, 27),
            "exact",
            "24–27 November 2025",
            "du 24 au 27 novembre 2025",
        ),
        (
            D(2025, 11, 24),
            D(2025, 11, 27),
            "within",
            "some day between 24 and 27 November 2025",
            "un jour entre le 24 et le 27 novembre 2025",
        ),
        (
            D(2025, 11, 30),
            D(2025, 12, 2),
            "exact",
            "30 November – 2 December 2025",
            "du 30 novembre au 2 décembre 2025",
        ),
        (
            D(2025, 11, 30),
            D(2025, 12, 2),
            "within",
            "some day between 30 November and 2 December 2025",
            "un jour entre le 30 novembre et le 2 décembre 2025",
        ),
        (
            D(2025, 12, 30),
            D(2026, 1, 2),
            "exact",
            "30 December 2025 – 2 January 2026",
            "du 30 décembre 2025 au 2 janvier 2026",
        ),
        (
            D(2025, 12, 30),
            D(2026, 1, 2),
            "within",
            "some day between 30 December 2025 and 2 January 2026",
            "un jour entre le 30 décembre 2025 et le 2 janvier 2026",
        ),
        (D(2025, 11, 24), D(2025, 11, 24), "within", "24 November 2025", "24 novembre 2025"),
        (None, None, "exact", "date unknown", "date inconnue"),
        (None, None, "within", "date unknown", "date inconnue"),
    ],
)
def test_format_window(start, end, precision, english, french):
    with translation.override("en"):
        assert format_window(start, end, precision) == english
    with translation.override("fr"):
        assert format_window(start, end, precision) == french
