"""The app's URLs plus the benchmark's floor views (DJANGO_ROOT_URLCONF=tests.perf.urls).

Only `make bench` serves this; the app's own URLconf stays config.urls.
"""

from django.urls import path

from config.urls import urlpatterns as app_urlpatterns
from tests.perf import floor

urlpatterns = [
    path("_floor/organisations/region/", floor.organisations_in_region),
    path("_floor/organisations/page/", floor.organisations_page),
    path("_floor/organisations/search/", floor.organisations_search),
    path("_floor/events/participant/", floor.events_of_participant),
    path("_floor/events/<slug:slug>/", floor.event_detail),
    *app_urlpatterns,
]
