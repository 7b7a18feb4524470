"""The app's URLs plus one view that fails, for the tests of what a 500 logs.

The app's own URLs and error handlers stay, so that the 500 answer renders as
it does in production.
"""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as app_urlpatterns


class Boom(Exception):
    pass


def fails(request):
    raise Boom("the view failed on purpose")


urlpatterns = [path("_test/fails/", fails), *app_urlpatterns]
