"""Pure Python that every layer may use: regions, text folding, cell escaping, batching.

Owns: the UN M49 region table, the folded form search compares and the search
column's terms, the names and demonyms of countries search finds records by
(`countries`, with its data file in data/), the slug syntax, the
spreadsheet-formula escape, and the batch size of `__in` lookups.
May import: the standard library, Django's translation and text helpers and
django-countries' names; never a model, a request, or anything else in kb.
"""
