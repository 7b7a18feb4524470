"""`manage.py worker`: run background jobs (imports, exports) until stopped.

One command for either queue (TASKS_BACKEND): the jobs database (the
django-tasks-db worker) or Redis (RQ's worker, in-process: no fork per job,
so each job's database connections are its own process's). Either way the
worker beats every few seconds (kb/jobs/workers.py), for readiness and to
tell a job whose worker died. SIGTERM lets the job under way finish first;
a second one stops at once, and the job's transaction rolls back.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kb.jobs.workers import Heartbeat, new_worker_id


class Command(BaseCommand):
    help = "Run the task worker: the editors' imports and exports (README, 'Deploying')."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", action="store_true", help="Run the jobs queued now, then exit."
        )
        parser.add_argument(
            "--max-tasks", type=int, default=None, help="Exit after running this many jobs."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds between two looks at an empty queue (database queue; default 1).",
        )

    def handle(self, *, batch, max_tasks, interval, **options):
        if max_tasks is not None and max_tasks < 1:
            raise CommandError("--max-tasks must be 1 or more.")
        if interval < 0:
            raise CommandError("--interval must be 0 or more.")
        backend = settings.TASKS_BACKEND
        worker_id = new_worker_id()
        heartbeat = Heartbeat(worker_id, backend)
        heartbeat.start()
        self.stdout.write(f"Worker {worker_id} ({backend} queue) is running.")
        try:
            if backend == "rq":
                self.run_rq(worker_id, batch, max_tasks)
            else:
                self.run_database(worker_id, batch, max_tasks, interval)
        finally:
            heartbeat.stop()

    def run_database(self, worker_id, batch, max_tasks, interval):
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(
            queue_names=["default"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=worker_id[:64],
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()

    def run_rq(self, worker_id, batch, max_tasks):
        import django_rq
        from django_tasks_rq import Job
        from rq.worker import SimpleWorker

        worker = django_rq.get_worker(
            "default", job_class=Job, worker_class=SimpleWorker, name=worker_id
        )
        # The scheduler moves deferred jobs (a downloads rebuild's run_after,
        # kb/jobs/downloads.py) to the queue when due; RQ runs one per queue
        # across workers, under a lock.
        worker.work(burst=batch, max_jobs=max_tasks, with_scheduler=True)
