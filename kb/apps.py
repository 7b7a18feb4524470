from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = _("Knowledge base")

    def ready(self):
        # History is registered here, after modeltranslation (an earlier app)
        # has added the per-language fields, so that versions store them.
        from . import history  # noqa: F401
