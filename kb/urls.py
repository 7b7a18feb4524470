"""Public pages (mounted under /en/ and /fr/ by config/urls.py)."""

app_name = "kb"
urlpatterns = []
