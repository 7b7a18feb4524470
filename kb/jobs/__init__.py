"""Background jobs: the editors' imports and whole-table exports, run by a worker.

A job is a row of the jobs database (kb/models/jobs.py) that holds its input
(the uploaded file, or the keys to export), its progress, a cancel request
and its final report; Django's tasks API (the django-tasks backport) carries
its id to a worker (`manage.py worker`), through the database queue or RQ.

- `start`: what the admin calls: queue an import, an export, a cancel.
- `runner`: what the worker runs: claim the job once, run it, report.
- `progress`: counts written on the jobs connection, outside the job's write
  transaction, and the cooperative cancel between batches.
- `workers`: the worker's identity and heartbeat, and which jobs lost theirs.
- `downloads`, `duplicates`: the bulk files' rebuild, and computing the possible
  duplicates a reviewer asked for; each has one schedule row, not a Job.

Owns: the lifecycle of a job. May import: `kb.ops` and everything below it;
nothing above (the admin imports this package, not the other way round).
"""
