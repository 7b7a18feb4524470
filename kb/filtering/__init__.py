"""The FilterSets the list pages, the API and the downloads share, and their fields.

Owns: one FilterSet per type (`filtersets`), the API's with `updated_since`
(`sync`), list-valued fields, strict choices and sorting (`fields`), the
count key of a filtered list (`keys`), each list's facets and their counts
(`facets`), the cooperation views' scope (`scope`),
and the open-format exports' `parent` and `updated_since` (`exports`).
May import: `kb.lib`, `kb.db`, `kb.models`, `kb.registry`, `kb.domain`.
"""
