"""The FilterSets the list pages, the API and the downloads share, and their fields.

Owns: one FilterSet per type (`filtersets`), the API's with `updated_since`
(`sync`), list-valued fields, strict choices and sorting (`fields`), and the
count key of a filtered list (`keys`).
May import: `kb.lib`, `kb.db`, `kb.models`, `kb.registry`, `kb.domain`.
"""
