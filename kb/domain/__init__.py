"""Reads and rules the surfaces share, built on the models' QuerySets.

Owns: the detail pages' read plans (`details`), which published records and
facts a page may show (`records`), lists' citations as light rows
(`citations`), paging that counts through the cache (`paging`), and the one
publish permission (`publication`).
May import: `kb.lib`, `kb.db`, `kb.models`, `kb.registry`; never a surface.
"""
