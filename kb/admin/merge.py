"""Merging duplicates in the admin: the "Merge selected" action and its preview page.

A reviewer selects two or more records on a changelist and chooses "Merge
selected …". The preview (admin/kb/merge.html) shows each field as a row and
each record as a column, with a radio button per value (by default the kept
record's, or the first record's that has one when it has none), which record
is kept (by default the oldest), and what will move: the rows that point at
each record, and the rows that will be merged because both records have one
(both took part in the same meeting). Posting it merges through the one rule,
kb/history/merging.py, and leads to the kept record's page.

Only reviewers merge: a merge deletes records (the delete permission) and
must not let anyone change what the public sees otherwise (the publish
permission, kb/domain/publication.py).
"""

from django.contrib import admin, messages
from django.contrib.admin.models import DELETION, LogEntry
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..domain.publication import can_publish
from ..history import merging


def _ids(value):
    """The record ids a "1,2,3" parameter names; None when it is malformed."""
    try:
        return [int(part) for part in str(value or "").split(",") if part.strip()]
    except ValueError:
        return None


def shown_value(record, field):
    """A field's value as an editor reads it (choices by label, relations by name)."""
    value = getattr(record, field.attname)
    if value in (None, "", []):
        return ""
    if field.choices:
        return getattr(record, f"get_{field.name}_display")()
    if field.is_relation:
        return str(getattr(record, field.name))
    if field.name == "country":
        return record.country.name
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


class MergeAdmin:
    """Mixed into the records' ModelAdmins (records.py): the action and its page."""

    merge_template = "admin/kb/merge.html"

    def has_merge_permission(self, request):
        return can_publish(request.user, self.model) and self.has_delete_permission(request)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_merge_permission(request):
            actions["merge_selected"] = self.get_action("merge_selected")
        return actions

    @admin.action(description=gettext_lazy("Merge selected %(verbose_name_plural)s"))
    def merge_selected(self, request, queryset):
        ids = sorted(queryset.values_list("pk", flat=True))
        if len(ids) < 2:
            self.message_user(
                request, _("Select at least two records of one type to merge."), messages.ERROR
            )
            return None
        url = reverse(self.merge_url_name())
        return HttpResponseRedirect(f"{url}?{urlencode({'ids': ','.join(map(str, ids))})}")

    def merge_url_name(self):
        return f"admin:{self.opts.app_label}_{self.opts.model_name}_merge"

    def get_urls(self):
        merge = path(
            "merge/",
            self.admin_site.admin_view(self.merge_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_merge",
        )
        return [merge, *super().get_urls()]

    def changelist_url(self):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")

    def merge_view(self, request):
        if not self.has_merge_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else request.GET
        ids = _ids(data.get("ids"))
        try:
            if ids is None:
                raise merging.MergeError(_("Select the records to merge again."))
            records = merging.fetch(self.model, ids)
        except merging.MergeError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(self.changelist_url())
        if request.method == "POST":
            return self.merge_post(request, records)
        return self.merge_preview(request, records)

    def merge_post(self, request, records):
        by_id = {str(r.pk): r for r in records}
        kept = by_id.get(request.POST.get("kept", ""))
        if kept is None:
            self.message_user(request, _("Choose the record to keep."), messages.ERROR)
            return self.merge_preview(request, records, status=400)
        values = {
            f.name: request.POST[f"value_{f.name}"]
            for f in merging.chosen_fields(self.model)
            if request.POST.get(f"value_{f.name}")
        }
        if any(pk not in by_id for pk in values.values()):
            self.message_user(
                request, _("Choose each value from one of the records merged."), messages.ERROR
            )
            return self.merge_preview(request, records, status=400)
        merged = [r for r in records if r.pk != kept.pk]
        try:
            result = merging.merge(
                self.model, kept.pk, [r.pk for r in merged], values, user=request.user
            )
        except merging.MergeError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(self.changelist_url())
        self.log_change(request, result.kept, result.revision.comment)
        LogEntry.objects.log_actions(
            request.user.pk, merged, DELETION, change_message=result.revision.comment
        )
        self.message_user(
            request,
            _(
                "Merged %(merged)s into “%(kept)s”. Their old addresses lead here; "
                "its History can undo the merge."
            )
            % {"merged": ", ".join(f"“{r}”" for r in merged), "kept": result.kept},
            messages.SUCCESS,
        )
        info = self.opts.app_label, self.opts.model_name
        return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[kept.pk]))

    def merge_preview(self, request, records, status=200):
        # The oldest is kept unless the reviewer chooses another.
        kept = min(records, key=lambda r: (r.created_at, r.pk))
        others = [r for r in records if r is not kept]
        fields = merging.chosen_fields(self.model)
        # The related records the table names, in one query per relation.
        prefetch_related_objects(records, *(f.name for f in fields if f.many_to_one))
        rows = []
        for field in fields:
            shown = [shown_value(r, field) for r in records]
            default = kept if shown[records.index(kept)] else None
            if default is None:
                default = next((r for r, s in zip(records, shown, strict=True) if s), kept)
            rows.append(
                {
                    "name": field.name,
                    "label": field.verbose_name,
                    "differs": len(set(shown)) > 1,
                    "cells": [
                        {"record": r, "value": s, "checked": r is default}
                        for r, s in zip(records, shown, strict=True)
                    ],
                }
            )
        counts = [
            {"label": relation.label, "counts": [per_record.get(r.pk, 0) for r in records]}
            for relation, per_record in merging.counts(self.model, [r.pk for r in records])
        ]
        conflicts = [
            {"label": move.relation.label, "row": duplicate, "into": there}
            for move in merging.plan(kept, others)
            for duplicate, there in move.merged
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Merge %(name)s") % {"name": self.opts.verbose_name_plural},
            "records": records,
            "kept": kept,
            "ids": ",".join(str(r.pk) for r in records),
            "rows": rows,
            "combined": self.combined_fields(),
            "counts": counts,
            "conflicts": conflicts,
            "changelist_url": self.changelist_url(),
        }
        return TemplateResponse(request, self.merge_template, context, status=status)

    def combined_fields(self):
        """Fields not chosen but combined: the merged names as aliases, many-to-many rows."""
        names = [f.verbose_name for f in merging.own_many_to_many(self.model)]
        if any(f.name == "aliases" for f in self.model._meta.fields):
            names.insert(0, self.model._meta.get_field("aliases").verbose_name)
        return names
