"""WSGI entry point."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What loading the app made (modules, URLconfs, translations, templates) lives as
# long as the process: frozen out of the collector, a full collection no longer
# walks it. Full passes over it cost 60-110 ms, every few requests that build
# many objects (a graph's nodes and edges): most of the graph's p95 at scale 100.
gc.collect()
gc.freeze()
