"""The admin's "Possible duplicates" page: the list, "Not duplicates", "Merge…", "Recompute"."""

import hashlib

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from kb import models
from kb.domain import duplicates
from kb.models import DuplicateCandidate, DuplicatesRun
from tests import factories as f
from tests.support import member_of

pytestmark = pytest.mark.django_db(databases=["default", "jobs"])

LIST_URL = reverse("admin:kb_duplicatecandidate_changelist")
RECOMPUTE_URL = reverse("admin:kb_duplicatecandidate_recompute")


@pytest.fixture
def reviewer(client, django_user_model):
    client.force_login(member_of(django_user_model, "reviewer"))
    return client


@pytest.fixture
def editor(client, django_user_model):
    client.force_login(member_of(django_user_model, "editor"))
    return client


@pytest.fixture
def norway():
    """Two spellings of one police (similar names), and a person under two names (an alias)."""
    a = f.OrganisationFactory(
        slug="police-no", name_en="Police nationale norvégienne", name_fr="", country="NO"
    )
    b = f.OrganisationFactory(
        slug="police-no-2", name_en="Police nationale norvegiene", name_fr="", country="NO"
    )
    p = f.PersonFactory(name="Abdellatif Hammouchi", country="MA", aliases=["A. Hammouchi"])
    q = f.PersonFactory(name="Hammouchi, Abdellatif", country="", aliases=["A. Hammouchi"])
    duplicates.recompute()
    return a, b, p, q


def distinct_url(pair):
    return reverse("admin:kb_duplicatecandidate_distinct", args=[pair.pk])


def pair_of(x, y):
    return DuplicateCandidate.objects.of_model(type(x)).get(
        low_id=min(x.pk, y.pk), high_id=max(x.pk, y.pk)
    )


def unlike(*parts):
    """A name that resembles no other (16 hex digits): only an alias can pair it."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def test_the_index_links_to_the_page(reviewer):
    index = reviewer.get(reverse("admin:index")).content.decode()
    assert LIST_URL in index and "Possible duplicates" in index


def test_the_page_lists_each_pair_with_both_records_and_why(reviewer, norway):
    a, b, p, q = norway
    response = reviewer.get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    for record in (a, b, p, q):
        opts = record._meta
        assert reverse(f"admin:kb_{opts.model_name}_change", args=[record.pk]) in html
    assert "Norway" in html  # the country beside the name
    # Folded, "norvégienne" and "norvegiene" share 26 trigrams of 29.
    assert "similar names (0.90)" in html
    assert "shared name or alias “A. Hammouchi”" in html
    # Grouped by type, with each type's count.
    assert sorted(row["type"] for row in response.context["rows"]) == ["organisation", "person"]
    assert html.count('class="kb-dups-group"') == 2
    assert [(t["name"], t["count"]) for t in response.context["types"]] == [
        ("organisation", 1),
        ("person", 1),
        ("post", 0),
        ("topic", 0),
    ]


def test_merge_leads_to_the_preview_of_the_two(reviewer, norway):
    a, b, *_ = norway
    response = reviewer.get(LIST_URL)
    url = f"{reverse('admin:kb_organisation_merge')}?ids={a.pk}%2C{b.pk}"
    assert url.replace("&", "&amp;") in response.content.decode()
    preview = reviewer.get(url)
    assert preview.status_code == 200
    assert set(preview.context["records"]) == {a, b}


def test_not_duplicates_marks_the_pair_and_it_never_comes_back(reviewer, norway):
    a, b, *_ = norway
    pair = pair_of(a, b)
    back = f"{LIST_URL}?type=organisation"
    response = reviewer.post(distinct_url(pair), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    pair.refresh_from_db()
    assert pair.status == "distinct"
    page = reviewer.get(back)
    assert "are marked as not duplicates" in page.content.decode()
    assert page.context["rows"] == [] and page.context["all_count"] == 1  # the people's
    duplicates.recompute()
    pair.refresh_from_db()
    assert pair.status == "distinct"
    assert "Police nationale norvegiene" not in reviewer.get(LIST_URL).content.decode()


def test_a_post_leads_only_to_this_site(reviewer, norway):
    a, b, *_ = norway
    response = reviewer.post(distinct_url(pair_of(a, b)), {"next": "https://evil.example/"})
    assert response["Location"] == LIST_URL


def test_a_merged_record_takes_its_pair_off_the_list(reviewer, norway):
    a, b, *_ = norway
    b.delete()
    response = reviewer.get(LIST_URL)
    assert "Police nationale norvégienne" not in response.content.decode()
    assert response.context["all_count"] == 1  # the people's pair is left


def test_an_editor_sees_the_pairs_but_cannot_decide(editor, norway):
    a, b, *_ = norway
    html = editor.get(LIST_URL).content.decode()
    assert "Police nationale norvegiene" in html
    assert "Not duplicates" not in html and "Merge…" not in html and "Recompute" not in html
    assert editor.post(distinct_url(pair_of(a, b))).status_code == 403
    assert pair_of(a, b).status == "open"
    assert editor.post(RECOMPUTE_URL).status_code == 403
    assert DuplicatesRun.current().queued_at is None


def test_others_are_kept_out(client, django_user_model, norway):
    assert client.get(LIST_URL).status_code == 302  # to the login page
    nobody = django_user_model.objects.create_user("nobody", "n@example.org", "pw", is_staff=True)
    client.force_login(nobody)
    assert client.get(LIST_URL).status_code == 403
    assert "Possible duplicates" not in client.get(reverse("admin:index")).content.decode()


def test_bad_input_is_named(reviewer, norway):
    a, b, *_ = norway
    bad = reviewer.get(LIST_URL, {"type": "event"})
    assert bad.status_code == 400 and "“type”" in bad.content.decode()
    assert reviewer.get(LIST_URL, {"page": "x"}).status_code == 404
    assert reviewer.get(LIST_URL, {"page": "0"}).status_code == 404
    assert reviewer.get(LIST_URL, {"page": "99"}).status_code == 200  # the last page
    assert reviewer.get(distinct_url(pair_of(a, b))).status_code == 405
    gone = reverse("admin:kb_duplicatecandidate_distinct", args=[999999])
    assert reviewer.post(gone).status_code == 404


def test_the_type_filter_and_pages(reviewer):
    for i in range(60):
        f.PersonFactory(name=unlike(i, 1), country="FR", aliases=[f"Alias {i}"])
        f.PersonFactory(name=unlike(i, 2), country="", aliases=[f"alias {i}"])
    duplicates.recompute()
    first = reviewer.get(LIST_URL, {"type": "person"})
    assert first.context["page"].paginator.count == 60
    assert len(first.context["rows"]) == 50
    assert "?type=person&amp;page=2" in first.content.decode()
    second = reviewer.get(LIST_URL, {"type": "person", "page": "2"})
    assert len(second.context["rows"]) == 10
    assert reviewer.get(LIST_URL, {"type": "organisation"}).context["rows"] == []


def test_recompute_queues_one_run_and_the_page_says_so(
    reviewer, norway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(using="jobs", execute=True):
        response = reviewer.post(RECOMPUTE_URL, {"next": LIST_URL}, follow=True)
    assert "will be computed again by a worker" in response.content.decode()
    run = DuplicatesRun.current()
    assert run.queued_at is not None and run.queued_by == "reviewer"
    assert DBTaskResult.objects.count() == 1
    with django_capture_on_commit_callbacks(using="jobs", execute=True):
        again = reviewer.post(RECOMPUTE_URL, follow=True).content.decode()
    assert "A computation is queued already" in again
    assert DBTaskResult.objects.count() == 1
    page = reviewer.get(LIST_URL).content.decode()
    assert "A computation is queued (by reviewer" in page
    assert "No task worker is running" in page


def test_the_page_says_when_it_last_ran(reviewer):
    f.OrganisationFactory(name_en="Police nationale norvégienne", name_fr="", country="NO")
    f.OrganisationFactory(name_en="Police nationale norvegiene", name_fr="", country="NO")
    assert "Not computed yet." in reviewer.get(LIST_URL).content.decode()
    from kb.jobs.duplicates import run_now

    run_now()
    html = reviewer.get(LIST_URL).content.decode()
    assert "Last computed on" in html and ": 1 pair from" in html


def test_the_page_in_french(reviewer, norway):
    html = reviewer.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Doublons possibles" in html
    assert "noms proches (0,90)" in html
    assert "Pas de doublons" in html and "Fusionner…" in html and "Recalculer" in html
    assert "Personnes (1)" in html and "Postes (0)" in html


@pytest.mark.parametrize("size", [2, 12])
def test_the_pages_queries_do_not_grow_with_the_pairs(reviewer, django_assert_num_queries, size):
    for i in range(size):
        f.OrganisationFactory(name_en=unlike(i, 1), name_fr="", country="FR", aliases=[f"k{i}"])
        f.OrganisationFactory(name_en=unlike(i, 2), name_fr="", country="", aliases=[f"k{i}"])
        f.PersonFactory(name=unlike(i, 3), country="FR", aliases=[f"p{i}"])
        f.PersonFactory(name=unlike(i, 4), country="FR", aliases=[f"p{i}"])
    interpol = f.OrganisationFactory(name_en="INTERPOL", name_fr="", country="")
    f.PostFactory(name_en="President of INTERPOL", name_fr="", organisation=interpol)
    f.PostFactory(name_en="INTERPOL President", name_fr="", organisation=interpol)
    duplicates.recompute()
    reviewer.get(LIST_URL)  # the session, content types: cached from here
    # Session, user and their permissions (4); the counts; the page's pairs; each type's
    # records on it (3). (The run's row is read on the jobs connection.)
    with django_assert_num_queries(9):
        page = reviewer.get(LIST_URL)
    assert page.context["all_count"] == 2 * size + 1
    assert {row["type"] for row in page.context["rows"]} == {"organisation", "person", "post"}
    assert models.Post.objects.count() == 2
