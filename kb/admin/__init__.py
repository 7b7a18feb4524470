"""The editors' admin: registrations, the editorial workflow, forms and security.

Owns: one ModelAdmin per type (`records`; sources, with their text and what
cites it, in `sources`), each record's identifiers inline
(`identifiers`), import/export, roles, publication,
history compare and deletion snapshots (`editorial`), the size-limited import
form and the concurrent-save guard (`forms`), the editors' jobs and their
progress pages (`jobs`), and the login lockout
(`security`; the Content-Security-Policy is the whole site's, kb/ops/ and
config/settings.py).
May import: everything below the surfaces; never `kb.site` or `kb.api`.
Django's admin autodiscovery imports this package (from KbConfig.ready()).
"""

from . import jobs, records, sources  # noqa: F401  (registers the ModelAdmins)
