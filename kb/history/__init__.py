"""Change history (django-reversion): what is versioned, and revisions written in bulk.

Owns: the registration of every record type with the rows its revisions
follow (`registration`, from kb/registry.py), the bulk path that writes
the same versions reversion would (`revisions`), and merging duplicates in one
revision that undoes it (`merging`).
May import: `kb.lib`, `kb.models`, `kb.registry`; not the filters or surfaces.
"""
