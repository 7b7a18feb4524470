"""The editorial workflow in the admin: import/export, roles, publication, history.

`EditorialAdmin` is the base of every kb ModelAdmin (records.py):

- import and export in CSV, XLSX and JSON through kb/transfer/resources.py, each
  behind its own permission (`kb.import_<model>`, `kb.export_<model>`,
  created with the groups by migration 0003);
- publication by reviewers only, on every write path, through the one rule
  (`can_publish`, kb/domain/publication.py): "Publish selected" /
  "Unpublish selected", one revision per record; the status field, read-only
  on anyone else's forms; their revert and recover pages apply a version with
  the record's current status (draft for a recovered one);
- a snapshot revision of a record, with its citations and join rows, just
  before it is deleted, so "Recover deleted" brings all of them back;
- a history page that compares two versions, every field by what an editor
  reads (linked records by name);
- change forms that refuse to overwrite a concurrent save (forms.py).
"""

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportMixin
from import_export.forms import ExportForm
from reversion.admin import VersionAdmin
from reversion.errors import RevertError
from reversion.models import Version
from reversion.revisions import _get_options

from .. import registry
from ..domain.publication import can_publish, publishable
from ..history.revisions import save_revisions
from ..jobs.start import start_export, start_import
from ..models import Status
from ..transfer.formats import FORMATS, UnsafeFile
from ..transfer.resources import RESOURCES
from .forms import ConcurrencyForm, SizeLimitedImportForm

# Fields a comparison leaves out: keys and derived columns, not editors' data.
NOT_COMPARED = {"id", "search_text", "created_at", "updated_at"}


def has_model_perm(request, action, opts):
    return request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")


class EditorialAdmin(ImportExportMixin, VersionAdmin):
    form = ConcurrencyForm
    formats = FORMATS
    import_form_class = SizeLimitedImportForm
    # Every column, always: a file that round-trips. (The selectable-columns
    # form also needs an inline script, which the admin's CSP forbids.)
    export_form_class = ExportForm
    import_template_name = "admin/kb/import.html"
    object_history_template = "admin/kb/object_history.html"
    # History lists the newest version first, by the revision's date (then by id).
    history_latest_first = True
    history_order_by_date = True
    # Errors name their row and column; a traceback helps no editor.
    import_error_display = ("message", "row")

    def get_resource_classes(self, request):
        return [RESOURCES[self.model]]

    # Permissions -------------------------------------------------------------

    def has_import_permission(self, request):
        # An import adds and changes records, so it needs those rights too.
        return (
            has_model_perm(request, "import", self.opts)
            and self.has_add_permission(request)
            and self.has_change_permission(request)
        )

    def has_export_permission(self, request):
        return has_model_perm(request, "export", self.opts)

    def has_publish_permission(self, request):
        return can_publish(request.user, self.model)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if publishable(self.model) and not self.has_publish_permission(request):
            # Shown, but not a form field: a crafted POST cannot set it, and a
            # new record keeps the model's default, draft.
            return ("status", *fields)
        return fields

    # Import ------------------------------------------------------------------

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UnsafeFile):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def import_action(self, request, **kwargs):
        """The upload, queued as a job: a worker checks and writes it (kb/jobs/).

        The page itself is the library's; a valid form no longer imports in
        the request (a large file outlasts any web timeout) but leaves the
        file with a job and sends the editor to its progress page. An
        invalid one is shown again, by the library, with its errors.
        """
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = self.create_import_form(request)
            if form.is_valid():
                return self.queue_import(request, form)
        return super().import_action(request, **kwargs)

    def queue_import(self, request, form):
        upload = form.cleaned_data["import_file"]
        input_format = self.get_import_formats()[int(form.cleaned_data["format"])]()
        job = start_import(
            user=request.user,
            entry=registry.of(self.model),
            file_format=input_format.get_title().lower(),
            file_name=upload.name,
            data=b"".join(upload.chunks()),
            dry_run=form.cleaned_data.get("check_first", False),
        )
        return HttpResponseRedirect(reverse("admin:kb_job_change", args=(job.pk,)))

    def process_import(self, request, **kwargs):
        # The confirm step of the library's two-step import: a job now
        # confirms a checked file itself (kb/admin/jobs.py).
        if not self.has_import_permission(request):
            raise PermissionDenied
        info = self.opts.app_label, self.opts.model_name
        return HttpResponseRedirect(reverse("admin:{}_{}_import".format(*info)))

    # Export ------------------------------------------------------------------

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        """A job writes the file: the rows the changelist shows (or those
        selected), in its order; the editor downloads it from the job's page."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        job = start_export(
            user=request.user,
            entry=registry.of(self.model),
            file_format=file_format.get_title().lower(),
            keys=queryset.values_list("pk", flat=True),
            file_name=self.get_export_filename(request, queryset, file_format),
        )
        return HttpResponseRedirect(reverse("admin:kb_job_change", args=(job.pk,)))

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(request, self.import_refused_message(result))
            info = self.opts.app_label, self.opts.model_name
            return HttpResponseRedirect(reverse("admin:{}_{}_import".format(*info)))
        return super().process_result(result, request)

    def import_refused_message(self, result):
        """Why a confirmed import wrote nothing, in the editor's terms."""
        if getattr(result, "write_lost", False):
            # Another import or save held or took the same rows (kb/transfer/write.py).
            return _(
                "Nothing was imported: another change to the database got there first, "
                "so nothing of this file was written. Import it again."
            )
        # The data changed between the preview and the confirmation.
        return _("Nothing was imported: the file no longer imports cleanly. Upload it again.")

    # Publication -------------------------------------------------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not publishable(self.model):
            actions.pop("publish_selected", None)
            actions.pop("unpublish_selected", None)
        return actions

    @admin.action(
        description=gettext_lazy("Publish selected %(verbose_name_plural)s"),
        permissions=["publish"],
    )
    def publish_selected(self, request, queryset):
        self.set_status(request, queryset, Status.PUBLISHED, _("Published"))

    @admin.action(
        description=gettext_lazy("Unpublish selected %(verbose_name_plural)s"),
        permissions=["publish"],
    )
    def unpublish_selected(self, request, queryset):
        self.set_status(request, queryset, Status.DRAFT, _("Unpublished"))

    actions = ("publish_selected", "unpublish_selected")

    def set_status(self, request, queryset, status, comment):
        """One bulk UPDATE, and a revision per record, never a silent update()."""
        # The actions declare the permission; this holds for any other caller.
        if not self.has_publish_permission(request):
            raise PermissionDenied
        changed = list(queryset.exclude(status=status).order_by())
        now = timezone.now()
        for obj in changed:
            obj.status = status
            obj.updated_at = now
        self.model._default_manager.bulk_update(changed, ["status", "updated_at"])
        save_revisions(changed, user=request.user, comment=comment)
        if changed:
            LogEntry.objects.log_actions(
                request.user.pk,
                changed,
                CHANGE,
                change_message=[{"changed": {"fields": ["status"]}}],
                single_object=len(changed) == 1,
            )
        self.message_user(
            request,
            _("%(action)s %(count)d %(name)s.")
            % {
                "action": comment,
                "count": len(changed),
                "name": self.opts.verbose_name_plural,
            },
            messages.SUCCESS,
        )

    # Deletion and recovery ---------------------------------------------------

    def delete_model(self, request, obj):
        self.snapshot(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self.snapshot(request, list(queryset))
        super().delete_queryset(request, queryset)

    def snapshot(self, request, objs):
        """Record each record with the rows it follows, as they are now.

        A row added on its own admin page (a participation, a citation)
        enters its own revision, not its record's; without this snapshot,
        recovering the record would miss it.
        """
        save_revisions(objs, user=request.user, comment=_("Deleted"))

    # Reverting and recovering -------------------------------------------------
    #
    # reversion writes every row of the chosen version's revision back, then
    # shows the change form on the record as written, and keeps the writes on
    # a POST that saves (it rolls them back otherwise). A user who may not
    # publish gets each record of the revision with its status as it is now
    # (draft if it has no row: a recovery), put back before the form reads it.

    def revision_view(self, request, object_id, version_id, extra_context=None):
        version = self.version_or_404(version_id, object_id=unquote(object_id))
        self.prepare_old_version(request, version)
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        version = self.version_or_404(version_id)
        self.prepare_old_version(request, version)
        return super().recover_view(request, version_id, extra_context)

    def version_or_404(self, version_id, **lookups):
        """A version of this page's model: reversion looks one up by its id alone,
        and would apply another model's version through this page."""
        versions = Version.objects.get_for_model(self.model)
        return get_object_or_404(versions, pk=version_id, **lookups)

    def prepare_old_version(self, request, version):
        # Saving an old version is a choice, so it skips the concurrency check.
        request.kb_saving_old_version = True
        request.kb_kept_statuses = self.kept_statuses(request, version.revision)
        if request.method == "GET":
            self.warn_status_kept(request, version)

    def warn_status_kept(self, request, version):
        """Say so when the form will save another status than the version's."""
        kept = request.kb_kept_statuses.get((self.model, version.object_id))
        if kept is None:
            return
        try:
            then = version.field_dict.get("status")
        except RevertError:
            return  # reversion's own view says the version cannot be loaded
        if kept != then:
            self.message_user(
                request,
                _(
                    "Only reviewers may publish or unpublish: this version will be "
                    "saved as “%(status)s”."
                )
                % {"status": Status(kept).label},
                messages.WARNING,
            )

    def kept_statuses(self, request, revision):
        """{(model, object id): status now, or draft} for the revision's records
        whose status the user may not change."""
        kept = {}
        for version in revision.version_set.select_related("content_type"):
            model = version._model
            if model and publishable(model) and not can_publish(request.user, model):
                rows = model._default_manager.filter(pk=version.object_id)
                now = rows.values_list("status", flat=True).first()
                kept[(model, version.object_id)] = now or Status.DRAFT
        return kept

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # On the revert and recover pages reversion has just written the
        # version's rows: statuses the user may not change go back first.
        for (model, pk), status in getattr(request, "kb_kept_statuses", {}).items():
            model._default_manager.filter(pk=pk).update(status=status)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if getattr(request, "kb_saving_old_version", False):
            form = type(form.__name__, (form,), {"check_concurrency": False})
        return form

    # History and comparison --------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        compare = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(self.compare_view),
            name="{}_{}_compare".format(*info),
        )
        return [compare, *super().get_urls()]

    def history_view(self, request, object_id, extra_context=None):
        # reversion's own list, with each version's id for the compare form.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        versions = self.versions(request, object_id)
        info = self.opts.app_label, self.opts.model_name
        action_list = [
            {
                "version": version,
                "revision": version.revision,
                "url": reverse(
                    "admin:{}_{}_revision".format(*info), args=(version.object_id, version.pk)
                ),
            }
            for version in versions
        ]
        context = {"action_list": action_list, **(extra_context or {})}
        return admin.ModelAdmin.history_view(self, request, object_id, context)

    def versions(self, request, object_id):
        queryset = Version.objects.get_for_object_reference(self.model, unquote(object_id))
        queryset = queryset.select_related("revision", "revision__user")
        return self._reversion_order_version_queryset(request, queryset)

    def compare_view(self, request, object_id):
        """Two versions of one record side by side, differing fields first."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        versions = {str(v.pk): v for v in self.versions(request, object_id)}
        try:
            old, new = sorted(
                (versions[request.GET["a"]], versions[request.GET["b"]]), key=lambda v: v.pk
            )
        except KeyError:
            raise Http404(_("Choose two versions of this record to compare.")) from None
        rows = self.compared_fields(old, new)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Compare versions of %(name)s") % {"name": new.object_repr},
            "object_id": object_id,
            "old": old,
            "new": new,
            "changed": [r for r in rows if r["changed"]],
            "unchanged": [r for r in rows if not r["changed"]],
            "rows_only_old": sorted(self.followed(old) - self.followed(new)),
            "rows_only_new": sorted(self.followed(new) - self.followed(old)),
        }
        return TemplateResponse(request, "admin/kb/compare.html", context)

    def compared_fields(self, old, new):
        fields = _get_options(self.model).fields
        old_values, new_values = old.field_dict, new.field_dict
        rows = []
        for name in fields:
            if name in NOT_COMPARED:
                continue
            field = self.model._meta.get_field(name)
            a, b = self.stored(field, old_values), self.stored(field, new_values)
            rows.append(
                {
                    "label": field.verbose_name,
                    "old": self.shown(field, a),
                    "new": self.shown(field, b),
                    "changed": a != b,
                }
            )
        return rows

    @staticmethod
    def stored(field, values):
        """A field's value in a version's field_dict, which reversion keys by
        attname (`organiser_id`, not `organiser`)."""
        value = values.get(field.attname)
        if field.many_to_many:
            # The keys of the related rows; their order means nothing.
            return frozenset(value or ())
        return value

    def shown(self, field, value):
        if value in (None, "", [], frozenset()):
            return "—"
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if field.is_relation:
            # The related records by name, as they are now.
            keys = value if field.many_to_many else [value]
            related = field.related_model._default_manager.in_bulk(keys)
            names = [str(related[pk]) if pk in related else self.deleted(pk) for pk in keys]
            return ", ".join(sorted(names))
        return str(value)

    @staticmethod
    def deleted(pk):
        return _("#%(pk)s (deleted)") % {"pk": pk}

    def followed(self, version):
        """The other rows saved in a version's revision: citations, join rows."""
        return {
            f"{v.content_type.name}: {v.object_repr}"
            for v in version.revision.version_set.select_related("content_type")
            if v.pk != version.pk
        }
