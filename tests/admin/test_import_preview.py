"""A check's preview on its job page: the new and updated rows, each cell as the import
writes it, many-to-many cells (an event's topics) included for new rows."""

import re

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from kb import models
from kb.jobs import runner
from tests import factories as f
from tests.support import admin_import, run_queued_jobs

pytestmark = pytest.mark.django_db

HEADER = "slug,name_en,kind,start_date,end_date,date_precision,topics\n"


def preview_rows(response):
    """{row number: {column: cell text}} of the preview table on a job page."""
    preview = response.context["report"]["preview"]
    headers = preview["headers"]
    return {
        row["number"]: dict(zip(headers, map(strip_tags, row["cells"]), strict=True))
        for row in preview["rows"]
    }


def test_a_new_rows_topics_show_in_the_preview_and_are_written(staff_client):
    f.TopicFactory(slug="cybercrime")
    f.TopicFactory(slug="organised-crime")
    f.EventFactory(slug="old-meeting", name_en="Old meeting")
    data = (
        HEADER
        + "new-meeting,New meeting,bilateral_meeting,2025-11-24,2025-11-27,within,"
        + '"organised-crime,cybercrime"\n'
        + "old-meeting,Old meeting,bilateral_meeting,2025-11-24,2025-11-27,within,cybercrime\n"
    )

    check = admin_import(staff_client, models.Event, data, name="events.csv", check_first=True)

    rows = preview_rows(check)
    assert rows[1]["topics"] == "cybercrime,organised-crime"
    assert rows[1]["slug"] == "new-meeting"
    assert rows[2]["topics"] == "cybercrime"  # an update: the topic it adds
    # On the page, in the preview table, a row marked new and its topics.
    html = check.text
    table = html[html.index('<table class="import-preview">') :]
    table = table[: table.index("</table>")]
    assert re.search(r"<td[^>]*>\s*New\s*</td>", table)
    assert "cybercrime,organised-crime" in strip_tags(table)
    assert not models.Event.objects.filter(slug="new-meeting").exists()  # a check writes nothing

    # Importing the checked file writes what the preview showed.
    job = check.context["job"]
    staff_client.post(reverse("admin:kb_job_import", args=(job.pk,)))
    run_queued_jobs()
    topics = models.Event.objects.get(slug="new-meeting").topics.values_list("slug", flat=True)
    assert sorted(topics) == ["cybercrime", "organised-crime"]


def test_the_preview_keeps_the_first_rows_and_counts_the_rest(staff_client, monkeypatch):
    monkeypatch.setattr(runner, "PREVIEW_ROWS", 2)
    data = "slug,name_en\n" + "".join(f"topic-new-{i},Topic {i}\n" for i in range(5))
    check = admin_import(staff_client, models.Topic, data, name="topics.csv", check_first=True)
    assert sorted(preview_rows(check)) == [1, 2]
    assert check.context["report"]["preview"]["more"] == 3
    assert "And 3 more new or updated rows." in check.text


def test_unchanged_rows_and_real_imports_have_no_preview(staff_client):
    f.TopicFactory(slug="same", name_en="Same", name_fr="Même")
    data = "slug,name_en,name_fr\nsame,Same,Même\n"
    check = admin_import(staff_client, models.Topic, data, name="t.csv", check_first=True)
    assert check.context["report"]["preview"]["rows"] == []
    assert "import-preview" not in check.text
    done = admin_import(staff_client, models.Topic, data, name="t.csv")
    assert "preview" not in done.context["report"]
