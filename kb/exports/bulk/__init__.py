"""The bulk files of the downloads page, from the published data only.

- `tables`: the relational tables (a type per table, plus who met whom), the
  one description the CSV zip and the SQLite file share;
- `csvzip` (CSV files and their Frictionless Data Package), `jsonzip` (the
  API's JSON, lent by kb/api/bulk.py), `sqlite` (the SQLite file and
  Datasette's metadata.json); the FollowTheMoney and Popolo files come from
  kb/exports/ftm.py and kb/exports/popolo.py;
- `catalogue`: the files, in the page's order, with their descriptions;
- `build`: one build, from one consistent view of the data (kb/db/snapshot.py);
- `publish`: the files into the downloads storage, the manifest pointed at them.

Knows no HTTP and no job: kb/jobs/downloads.py decides when to build,
kb/site/downloads.py serves the files.
"""
