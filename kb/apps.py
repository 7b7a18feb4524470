from django.apps import AppConfig
from django.contrib import admin
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = _("Knowledge base")

    def ready(self):
        # Nothing happens when a kb module is imported; everything is wired here.
        from .db import collation
        from .db.install import ensure_installed
        from .history.registration import register

        # History is registered after modeltranslation (an earlier app) has
        # added the per-language fields, so that versions store them.
        register()
        # Indexes order names by collations SQLite lacks: every connection gets them
        # before it reads or writes such an index (kb/db/collation.py).
        connection_created.connect(collation.on_connection_created, dispatch_uid="kb.db.collation")
        _register_open_connections(collation)
        # The admin is discovered here, not by django.contrib.admin (settings use its
        # SimpleAdminConfig): reversion's VersionAdmin registers any model it finds
        # unregistered, with follow lists guessed from its inlines, so history must
        # be registered first.
        admin.autodiscover()
        # A table rebuilt by a later migration loses its triggers: put them back.
        post_migrate.connect(ensure_installed, dispatch_uid="kb.db.install.ensure_installed")
        # The bulk downloads' JSON is the API's own: the API lends it to kb/exports,
        # which sits below the surfaces and cannot import them.
        from .api.bulk import documents
        from .exports.bulk import jsonzip

        jsonzip.provide(documents)


def _register_open_connections(collation):
    # A connection opened before ready() (a check, a management command's setup)
    # missed the signal.
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            collation.on_connection_created(None, connection)
