"""The editor's jobs in the admin: a list, and a page per job with its progress bar.

The job page shows the rows validated and written of the total, moving
without a reload (kb/static/kb/admin/job.js polls `progress/`, a script file:
the Content-Security-Policy allows no inline script), a cancel button while
it runs, and the final report: the row-and-column errors, the counts, and
after a clean check the button that imports the same file for real; an
export's file to download. An editor sees their own jobs; a superuser all.
"""

from django.contrib import admin, messages
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import registry
from ..jobs.start import cancel, import_for_real
from ..jobs.workers import any_alive, orphaned
from ..models import Job
from ..models.jobs import FINISHED


def progress_of(job):
    """What the page's script reads: counts, the state and its label, and whether it is over."""
    return {
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "total": job.total,
        "validated": job.validated,
        "written": job.written,
        "to_write": job.to_write,
        "cancel_requested": job.cancel_requested,
        "finished": job.finished,
    }


def job_title(job, entry):
    names = {"name": entry.model._meta.verbose_name_plural, "id": job.pk}
    if job.kind == Job.Kind.EXPORT:
        return _("Export of %(name)s (job %(id)s)") % names
    if job.dry_run:
        return _("Check of a file for %(name)s (job %(id)s)") % names
    return _("Import into %(name)s (job %(id)s)") % names


def settle_if_orphaned(job):
    """A job whose worker stopped beating is over: it wrote nothing (one transaction)."""
    if orphaned(job):
        Job.objects.filter(pk=job.pk).exclude(state__in=FINISHED).update(
            state=Job.State.FAILED, report={**job.report, "worker_lost": True}
        )
        job.refresh_from_db()
    return job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    # Short columns: the list fits the admin's content width at 1280 px.
    list_display = ("id", "what", "file_name", "username", "state", "created_at")
    list_display_links = ("id", "what")
    list_filter = ("kind", "state")
    list_per_page = 50
    change_form_template = "admin/kb/job.html"

    @admin.display(description=gettext_lazy("Job"), ordering="kind")
    def what(self, job):
        names = registry.named(job.resource).model._meta.verbose_name_plural
        return f"{job.get_kind_display()}: {names}"

    # Every member of staff may list and follow their own jobs; the rights
    # to import and export are checked when a job is started.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request) and (obj is None or obj.finished)

    def get_queryset(self, request):
        # Not the files themselves: the list needs none of their bytes.
        jobs = super().get_queryset(request).defer("payload", "result")
        return jobs.for_user(request.user)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:job_id>/progress/", view(self.progress_view), name="kb_job_progress"),
            path("<int:job_id>/cancel/", view(self.cancel_view), name="kb_job_cancel"),
            path("<int:job_id>/import/", view(self.import_view), name="kb_job_import"),
            path("<int:job_id>/download/", view(self.download_view), name="kb_job_download"),
            *super().get_urls(),
        ]

    def job_or_404(self, request, job_id):
        try:
            job = Job.objects.for_user(request.user).defer("payload", "result").get(pk=job_id)
        except (Job.DoesNotExist, ValueError, TypeError):
            raise Http404(_("There is no such job.")) from None
        return settle_if_orphaned(job)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.job_or_404(request, object_id)
        entry = registry.named(job.resource)
        report = job.report or {}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": job_title(job, entry),
            "job": job,
            "record_opts": entry.model._meta,
            "progress": progress_of(job),
            # A queued job waits for a worker: say so when none is running.
            "no_worker": job.state == Job.State.QUEUED and not any_alive(),
            "report": report,
            "errors": report.get("errors", []),
            "more_errors": max(0, report.get("errors_total", 0) - len(report.get("errors", []))),
            "can_import": (
                job.kind == Job.Kind.IMPORT
                and job.dry_run
                and job.state == Job.State.DONE
                and self.may_import(request, entry.model)
            ),
        }
        return TemplateResponse(request, self.change_form_template, context)

    @staticmethod
    def may_import(request, model):
        opts = model._meta
        return all(
            request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
            for action in ("import", "add", "change")
        )

    def progress_view(self, request, job_id):
        response = JsonResponse(progress_of(self.job_or_404(request, job_id)))
        response["Cache-Control"] = "no-store"
        return response

    @staticmethod
    def page(job):
        return HttpResponseRedirect(reverse("admin:kb_job_change", args=(job.pk,)))

    def cancel_view(self, request, job_id):
        return require_POST(self._cancel)(request, job_id)

    def _cancel(self, request, job_id):
        job = self.job_or_404(request, job_id)
        if not job.finished:
            cancel(job)
            messages.info(
                request, _("The job will stop at its next batch; nothing will be written.")
            )
        return self.page(job)

    def import_view(self, request, job_id):
        return require_POST(self._import)(request, job_id)

    def _import(self, request, job_id):
        job = self.job_or_404(request, job_id)
        model = registry.named(job.resource).model
        if not (job.kind == Job.Kind.IMPORT and job.dry_run and job.state == Job.State.DONE):
            messages.error(request, _("Only a file checked without errors can be imported."))
            return self.page(job)
        if not self.may_import(request, model):
            raise Http404(_("There is no such job."))
        return self.page(import_for_real(Job.objects.get(pk=job.pk), request.user))

    def download_view(self, request, job_id):
        job = self.job_or_404(request, job_id)
        if job.kind != Job.Kind.EXPORT or job.state != Job.State.DONE:
            raise Http404(_("This job has no file to download."))
        data = Job.objects.filter(pk=job.pk).values_list("result", flat=True).get()
        response = HttpResponse(bytes(data), content_type=job.result_type)
        response["Content-Disposition"] = f'attachment; filename="{job.result_name}"'
        return response
