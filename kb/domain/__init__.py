"""Reads and rules the surfaces share, built on the models' QuerySets.

Owns: the detail pages' read plans (`details`), which published records and
facts a page may show (`records`), where a source's quotes sit in its text and
what each supports (`coverage`), lists' citations as light rows
(`citations`), paging that counts through the cache (`paging`), the one
publish permission (`publication`), and how a record's page reads: each quote
once with what it supports (`quotes`), long lists in groups (`grouping`),
a quote cut from a source's stored text and the facts entered from it (`entry`),
where a merged record's old slug leads the public (`redirects`), which records may be
duplicates (`duplicates`: the rule; `duplicate_store`: storing the pairs, keeping
reviewers' marks).
May import: `kb.lib`, `kb.db`, `kb.models`, `kb.registry`; never a surface.
"""
