"""Locust users for `make loadtest` (tests/perf/loadtest.py starts the stack and runs this).

    locust -f tests/perf/locustfile.py --headless --host http://127.0.0.1:PORT ...

Two kinds of user, all from one address:
- `Reader`, the public: list pages with filters, details, search and the
  home page in English and French, API lists with filters and details, CSV
  downloads (the API's `?format=csv` and the link a list page offers), the
  stylesheet; weights below, a second or so of reading between requests;
- `Editor`, exactly one: logs into the admin and imports a CSV of a few
  thousand organisations (`AdminImport`), then browses the admin.

What to ask for comes from LOADTEST_DATA, a JSON file the runner writes from
the scratch database (slugs of published records, filter values), and the
import file from LOADTEST_IMPORT_FILE. Every request must answer its
expected status (200, or 302 for the admin's redirects): anything else is a
failure, and the runner exits non-zero on any.

Django is not imported here: locust runs on gevent, in a process of its own.
"""

import html.parser
import json
import os
import random
import re
import time
from pathlib import Path
from urllib.parse import urlencode

from locust import HttpUser, between, constant, events, task
from locust.exception import StopUser

DATA = (
    json.loads(Path(os.environ["LOADTEST_DATA"]).read_text())
    if "LOADTEST_DATA" in os.environ
    else {}
)
LANGUAGES = ("en", "fr")
# The requests' names in the report: one per kind of request.
PAGE_LIST, PAGE_DETAIL, HOME, SEARCH = "page list", "page detail", "home page", "search page"
API_LIST, API_DETAIL = "api list", "api detail"
API_CSV, PAGE_CSV, STATIC = "csv (api)", "csv (page link)", "static file"
LOGIN, UPLOAD, CONFIRM = "admin login", "admin import upload", "admin import confirm"
PROGRESS, JOB_PAGE, ADMIN_LIST = "admin job progress", "admin job page", "admin list"
# The runner reads this event's outcome, so that an import that never finished fails the run.
IMPORT_DONE = "admin import finished"


def expect(response, status=200, content_type=None, contains=None):
    """Mark `response` (from catch_response=True) failed unless it is what was expected."""
    if response.status_code != status:
        response.failure(f"status {response.status_code}, expected {status}")
    elif content_type and not response.headers.get("Content-Type", "").startswith(content_type):
        response.failure(f"Content-Type {response.headers.get('Content-Type')!r}")
    elif contains is not None and contains not in response.text:
        response.failure(f"{contains!r} not in the response")
    else:
        response.success()


def query(**params):
    return urlencode({key: value for key, value in params.items() if value})


class Reader(HttpUser):
    """A member of the public, in either language, reading and downloading."""

    weight = 50
    wait_time = between(0.5, 1.5)

    def get(self, path, name, **checks):
        with self.client.get(path, name=name, catch_response=True) as response:
            expect(response, **checks)
            return response

    def lang(self):
        return random.choice(LANGUAGES)

    # What each list can be filtered by, as a reader filling its form would.
    def list_filters(self, page):
        pick = random.choice
        if page == "organisations":
            return query(
                region=pick(DATA["regions"] + [""]),
                kind=pick(DATA["organisation_kinds"] + ["", ""]),
                q=pick(DATA["words"] + ["", "", ""]),
            )
        if page == "events":
            year = random.randint(*DATA["years"])
            return query(
                kind=pick(DATA["event_kinds"] + [""]),
                date_from=f"{year}-01-01",
                date_to=f"{year + random.randint(0, 3)}-12-31",
                participant=pick(DATA["hubs"] + [""] * 4),
            )
        if page == "agreements":
            return query(
                party_region=pick(DATA["regions"] + [""]),
                topic=pick(DATA["topics"] + [""]),
            )
        if page == "people":
            return query(country=pick(DATA["countries"] + [""]), q=pick(DATA["words"] + [""]))
        return query(q=pick(DATA["words"] + [""]))

    @task(25)
    def page_list(self):
        page = random.choice(DATA["list_pages"])
        filters = self.list_filters(page)
        path = f"/{self.lang()}/{page}/"
        if filters:
            self.get(f"{path}?{filters}", PAGE_LIST)
        elif DATA["page_counts"][page] > 1:
            # A deeper page of a whole list (a filtered one may have a single page,
            # and a page past the last is a 404): the count is cached, the offset is not.
            last = min(10, DATA["page_counts"][page])
            self.get(f"{path}?page={random.randint(2, last)}", PAGE_LIST)
        else:
            self.get(path, PAGE_LIST)

    @task(20)
    def page_detail(self):
        page = random.choice(list(DATA["details"]))
        slug = random.choice(DATA["details"][page])
        self.get(f"/{self.lang()}/{page}/{slug}/", PAGE_DETAIL)

    @task(5)
    def home(self):
        self.get(f"/{self.lang()}/", HOME)

    @task(8)
    def search(self):
        words = " ".join(random.sample(DATA["words"], random.choice((1, 2))))
        self.get(f"/{self.lang()}/search/?{query(q=words)}", SEARCH)

    @task(20)
    def api_list(self):
        page = random.choice(DATA["list_pages"])
        filters = self.list_filters(page)
        size = random.choice(("", "", "20", "100"))
        params = "&".join(p for p in (filters, query(page_size=size)) if p)
        self.get(
            f"/api/v1/{page}/?{params}" if params else f"/api/v1/{page}/",
            API_LIST,
            content_type="application/json",
        )

    @task(10)
    def api_detail(self):
        page = random.choice(list(DATA["details"]))
        slug = random.choice(DATA["details"][page])
        self.get(f"/api/v1/{page}/{slug}/", API_DETAIL, content_type="application/json")

    @task(4)
    def api_csv(self):
        # A download a script would make: one filtered table, the whole result.
        page = random.choice(("organisations", "events", "agreements"))
        filters = self.list_filters(page) or query(region=random.choice(DATA["regions"]))
        self.get(f"/api/v1/{page}/?{filters}&format=csv", API_CSV, content_type="text/csv")

    @task(3)
    def page_csv(self):
        # What a reader gets from "Download these results (CSV)" on a list page.
        page = random.choice(DATA["list_pages"])
        response = self.get(f"/{self.lang()}/{page}/?{self.list_filters(page)}", PAGE_LIST)
        link = CsvLink.find(response.text)
        if response.status_code == 200 and link is None:
            response.failure("no CSV link on the list page")
        elif link:
            self.get(link, PAGE_CSV, content_type="text/csv")

    @task(5)
    def static(self):
        self.get(DATA["stylesheet"], STATIC, content_type="text/css")


class CsvLink(html.parser.HTMLParser):
    """The list page's CSV download link (an href with format=csv)."""

    def __init__(self):
        super().__init__()
        self.href = None

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") or ""
        if tag == "a" and "format=csv" in href and self.href is None:
            self.href = href

    @classmethod
    def find(cls, text):
        parser = cls()
        parser.feed(text)
        return parser.href


class Forms(html.parser.HTMLParser):
    """The forms of a page: their action, and the names and values they would post."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": {}, "choices": {}})
        elif not self.forms:
            return
        elif tag == "input" and attrs.get("type") in ("checkbox", "radio"):
            if "checked" in attrs:  # as a browser posts it: only when ticked
                self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or "on"
        elif tag == "input" and attrs.get("name") and attrs.get("type") not in ("submit", "file"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""
        elif tag == "input" and attrs.get("type") == "file":
            self.forms[-1]["fields"].setdefault("__files__", attrs.get("name"))
        elif tag == "select":
            self._select = attrs.get("name")
            self.forms[-1]["choices"][self._select] = []
        elif tag == "option" and self._select:
            self.forms[-1]["choices"][self._select].append([attrs.get("value"), ""])

    def handle_data(self, data):
        choices = (
            self.forms[-1]["choices"].get(self._select) if self.forms and self._select else None
        )
        if choices:
            choices[-1][1] += data.strip()

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None

    @classmethod
    def of(cls, text):
        parser = cls()
        parser.feed(text)
        return parser.forms


class AdminImport:
    """An editor's import of one file through the admin, step by step, as a person does it.

    The upload queues a job that checks the file and writes nothing (the form's
    "Check the file first", ticked by default); once the worker has checked it,
    the job's page offers to import it, which queues a second job that writes
    the rows. Each job's page polls its progress, as job.js does; so does this.
    """

    model_path = "/admin/kb/organisation/"
    poll_every_s = 0.5
    # A job not finished by then has failed the run (the worker's, or the queue's, fault).
    patience_s = 300

    def __init__(self, client, path):
        self.client = client
        self.path = Path(path)

    def login(self, username, password):
        login = "/admin/login/?next=/admin/"
        response = self.client.get(login, name=LOGIN)
        [form] = [f for f in Forms.of(response.text) if "username" in f["fields"]]
        fields = {**form["fields"], "username": username, "password": password}
        with self.client.post(
            login, data=fields, name=LOGIN, allow_redirects=False, catch_response=True
        ) as answer:
            expect(answer, status=302)
            if answer.status_code == 302 and answer.headers.get("Location") != "/admin/":
                answer.failure(f"login redirected to {answer.headers.get('Location')!r}")
            return answer.status_code == 302 and answer.headers.get("Location") == "/admin/"

    def upload(self):
        """Send the file to be checked; returns its job's page, or None (a failure is recorded)."""
        page = self.client.get(f"{self.model_path}import/", name=UPLOAD)
        [form] = [f for f in Forms.of(page.text) if f["fields"].get("__files__") == "import_file"]
        fields = {k: v for k, v in form["fields"].items() if k != "__files__"}
        [csv_choice] = [v for v, label in form["choices"]["format"] if label.lower() == "csv"]
        fields["format"] = csv_choice
        with (
            self.path.open("rb") as upload,
            self.client.post(
                f"{self.model_path}import/",
                data=fields,
                files={"import_file": (self.path.name, upload, "text/csv")},
                name=UPLOAD,
                allow_redirects=False,
                catch_response=True,
            ) as answer,
        ):
            return self.job_page(answer)

    def job_page(self, answer):
        """The job page a POST redirects to, or None (the answer is marked failed)."""
        expect(answer, status=302)
        location = answer.headers.get("Location", "")
        if answer.status_code == 302 and not re.fullmatch(r"/admin/kb/job/\d+/change/", location):
            answer.failure(f"redirected to {location!r}, not to a job's page")
            return None
        return location if answer.status_code == 302 else None

    def wait(self, job_page):
        """Poll the job until it is over; True when it is done (False is recorded as failed)."""
        progress = job_page.replace("/change/", "/progress/")
        deadline = time.monotonic() + self.patience_s
        while True:
            with self.client.get(progress, name=PROGRESS, catch_response=True) as answer:
                expect(answer, content_type="application/json")
                state = answer.json() if answer.status_code == 200 else {"finished": True}
                if state["finished"]:
                    if state.get("state") != "done":
                        answer.failure(f"the job ended {state.get('state')!r}: {state}")
                    return state.get("state") == "done"
                if time.monotonic() > deadline:
                    answer.failure(f"the job was not over after {self.patience_s} s: {state}")
                    return False
            time.sleep(self.poll_every_s)

    def confirm(self, job_page):
        """From the checked job's page, import the file for real; returns the new job's page."""
        with self.client.get(job_page, name=JOB_PAGE, catch_response=True) as page:
            expect(page)
            forms = [f for f in Forms.of(page.text) if f["action"].endswith("/import/")]
            if not forms:
                page.failure("the checked job's page offers no import")
                return None
        with self.client.post(
            forms[0]["action"],
            data=forms[0]["fields"],
            name=CONFIRM,
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            return self.job_page(answer)

    def run(self, username, password):
        started = time.perf_counter()
        done = False
        if self.login(username, password):
            checked = self.upload()
            if checked and self.wait(checked):
                written = self.confirm(checked)
                done = bool(written) and self.wait(written)
        # One line in the report for the whole import, from login to the rows written.
        events.request.fire(
            request_type="IMPORT",
            name=IMPORT_DONE,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=self.path.stat().st_size,
            exception=None if done else RuntimeError("the import did not finish"),
            context={},
        )
        return done


class Editor(HttpUser):
    """The one editor: imports a file once, early in the run, then reads the admin."""

    fixed_count = 1
    wait_time = constant(5)

    def on_start(self):
        importer = AdminImport(self.client, os.environ["LOADTEST_IMPORT_FILE"])
        if not importer.run(DATA["editor"]["username"], DATA["editor"]["password"]):
            raise StopUser()

    @task
    def browse(self):
        with self.client.get(
            f"{AdminImport.model_path}?q=bench-org", name=ADMIN_LIST, catch_response=True
        ) as page:
            expect(page)
