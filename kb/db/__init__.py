"""Vendor SQL that keeps a large database fast, and knows no HTTP.

Owns: the search index (`search`), the data version and its triggers
(`version`), counts cached under that version (`counts`), each event's participant
groups and each agreement's party groups for the map (`groups`), and the one runner
that installs or removes them (`install`), on SQLite and PostgreSQL; day
arithmetic an index can hold, for date windows (`dates`); a row and every row
below it in a self-referencing table, in one recursive query (`trees`); each
language's collation of names, the same on both databases (`collation`); hints to
SQLite's planner, which plans without statistics (`planning`); rows for a list of
ids from SQL written once per database (`idlists`).
May import: `kb.lib`, Django's database and cache layers. Never a kb model
(tables come from the app config it is handed) and never a request.
"""
