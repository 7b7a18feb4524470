"""Read API v1 (mounted under /api/ by config/urls.py)."""

urlpatterns = []
