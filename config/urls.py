"""Top-level URLs: the admin for editors; public pages and the API join later."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
