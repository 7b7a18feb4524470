"""Public pages (mounted under /en/ and /fr/ by config/urls.py)."""

from django.urls import path

from . import pages, views

app_name = "kb"

# (URL segment, model name, list view, detail view): names are kb:<model>-list
# and kb:<model>-detail, which Record.get_absolute_url() reverses.
TYPES = [
    ("organisations", "organisation", views.OrganisationList, views.OrganisationDetail),
    ("people", "person", views.PersonList, views.PersonDetail),
    ("events", "event", views.EventList, views.EventDetail),
    ("agreements", "agreement", views.AgreementList, views.AgreementDetail),
    ("topics", "topic", views.TopicList, views.TopicDetail),
    ("sources", "source", views.SourceList, views.SourceDetail),
]

urlpatterns = [
    path("", pages.home, name="home"),
    path("search/", pages.search, name="search"),
    path("quality/", pages.quality, name="quality"),
]
for segment, name, list_view, detail_view in TYPES:
    urlpatterns += [
        path(f"{segment}/", list_view.as_view(), name=f"{name}-list"),
        path(f"{segment}/<slug:slug>/", detail_view.as_view(), name=f"{name}-detail"),
    ]
