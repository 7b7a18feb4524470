from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = _("Knowledge base")

    def ready(self):
        # History must be registered after modeltranslation (an earlier app)
        # has added the per-language fields, so that versions store them.
        # The admin's autodiscovery usually imports it first (kb.admin does);
        # this import covers processes where the admin is not installed.
        from . import history  # noqa: F401
