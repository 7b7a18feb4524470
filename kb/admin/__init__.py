"""The editors' admin: registrations, the editorial workflow, forms and security.

Owns: one ModelAdmin per type (`records`; sources, with their text and what
cites it, in `sources`; entering facts from that text, in `entry`), each
record's identifiers inline (`identifiers`), import/export, roles, publication,
history compare and deletion snapshots (`editorial`), the size-limited import
form and the concurrent-save guard (`forms`), the editors' jobs and their
progress pages (`jobs`), the changelists' short columns and the join rows'
links to their quotes (`columns`; the stylesheet that fits every page to the
window is loaded by templates/admin/base_site.html), the possible duplicates a
reviewer merges or marks distinct (`duplicates`), and the login lockout
(`security`; the Content-Security-Policy is the whole site's, kb/ops/ and
config/settings.py).
May import: everything below the surfaces; never `kb.site` or `kb.api`.
Django's admin autodiscovery imports this package (from KbConfig.ready()).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import duplicates, jobs, records, sources  # noqa: F401  (registers the ModelAdmins)

# Entente's editorial site, not "Django administration", in the editor's language.
admin.site.site_header = _("Entente — editorial site")
admin.site.site_title = _("Entente editorial site")
admin.site.index_title = _("Records, sources and imports")
# The sidebar would take 300 of a 1,280 px window's width from every list and
# form; the breadcrumbs and the index lead to every list instead.
admin.site.enable_nav_sidebar = False
