"""Pure Python that every layer may use: regions, text folding, cell escaping, batching.

Owns: the UN M49 region table, the folded form search compares, the slug
syntax, the spreadsheet-formula escape, and the batch size of `__in` lookups.
May import: the standard library and Django's translation and text helpers;
never a model, a request, or anything else in kb.
"""
