"""The one task: run a job by its id. Its arguments are JSON, so the job's
input stays in the jobs database rather than in the queue."""

from django_tasks import task

from . import runner


@task()
def run_job(job_id):
    runner.run(job_id)
