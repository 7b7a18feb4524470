"""The test run's environment, set before pytest-django imports the settings.

pytest-django reads config/settings.py while pytest loads its plugins, before
any conftest.py runs, so a conftest cannot set what the settings read at
import. This plugin (`-p tests.environment` in pyproject's addopts) can:
the suite runs with development settings, as `make test` does (the Makefile
exports DJANGO_DEBUG=true). pytest-django still turns DEBUG off for each test;
what DEBUG decides at import stays development's: the marked development
secret key, no HTTPS redirect (the test client speaks plain HTTP), no secure
cookies; and the response cache off (below). A variable already set wins.
Tests of production settings start a process of their own
(tests/ops/test_settings.py).
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
# Off in the suite, so a repeated request runs its view again and each test's
# query counts are the view's own; tests/ops/test_responses.py turns it on.
os.environ.setdefault("RESPONSE_CACHE", "off")
# Off in the suite: a worker that a test starts runs that test's jobs only, not a
# rebuild of the downloads it noticed by itself (tests/jobs/test_downloads.py
# turns it on where it is the subject).
os.environ.setdefault("DOWNLOADS_AUTO_REBUILD", "off")
