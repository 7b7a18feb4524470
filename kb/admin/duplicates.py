"""The admin's "Possible duplicates" page: pairs a reviewer merges or marks "Not duplicates".

The pairs are computed by kb/domain/duplicates.py (the rule) in a worker
(kb/jobs/duplicates.py) or by `manage.py duplicates`; this page lists the open
ones, by type, each with both records (name, country or organisation, a link to
its page), why it is listed (a shared alias, a similarity) and two buttons:
"Merge…" leads to the merge preview (kb/admin/merge.py) with the two ids, and
"Not duplicates" marks the pair so that no later computation lists it again.
A pair whose record is gone (merged, deleted) is left out by the query itself.

It is registered as the changelist of `DuplicateCandidate`, so the admin index
links to it. Anyone who may view a type sees its pairs; merging, marking and
"Recompute" are the reviewers' (the merge permission, `has_merge_permission`).
"""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import registry
from ..domain import duplicates
from ..jobs.duplicates import queue
from ..jobs.workers import any_alive
from ..models import DuplicateCandidate, DuplicatesRun

PER_PAGE = 50


class CountedPaginator(Paginator):
    """A paginator told its count (the page counts every type's pairs in one query)."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self):
        return self._known_count


def context_of(record):
    """What tells two records of one name apart: the country, or a post's organisation."""
    if getattr(record, "organisation_id", None):
        return str(record.organisation)
    country = getattr(record, "country", None)
    return country.name if country else ""


@admin.register(DuplicateCandidate)
class DuplicatesAdmin(admin.ModelAdmin):
    template = "admin/kb/duplicates.html"

    # Types -------------------------------------------------------------------------

    def record_admin(self, model):
        return self.admin_site._registry.get(model)

    def visible_models(self, request):
        """The types with duplicates that this user may view, in SPECS' order."""
        return [
            model
            for model in duplicates.models()
            if (model_admin := self.record_admin(model)) is not None
            and model_admin.has_view_permission(request)
        ]

    def may_merge(self, request, model):
        model_admin = self.record_admin(model)
        return model_admin is not None and model_admin.has_merge_permission(request)

    # Permissions: a page to read, and two POSTs of the reviewers' ----------------------

    def has_module_permission(self, request):
        return (
            request.user.is_active and request.user.is_staff and bool(self.visible_models(request))
        )

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        info = self.opts.app_label, self.opts.model_name
        return [
            path("", view(self.changelist_view), name="{}_{}_changelist".format(*info)),
            path("recompute/", view(self.recompute_view), name="{}_{}_recompute".format(*info)),
            path(
                "<int:pair_id>/distinct/",
                view(self.distinct_view),
                name="{}_{}_distinct".format(*info),
            ),
        ]

    def list_url(self):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")

    # The list ------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        visible = self.visible_models(request)
        by_name = {model._meta.model_name: model for model in visible}
        chosen_name = request.GET.get("type", "")
        if chosen_name and chosen_name not in by_name:
            return HttpResponseBadRequest(
                _("“type” must be one of: %(types)s.") % {"types": ", ".join(by_name)}
            )
        chosen = [by_name[chosen_name]] if chosen_name else visible
        open_pairs = DuplicateCandidate.objects.open()
        counts = dict(
            open_pairs.existing(visible)
            .order_by()
            .values_list("content_type__model")
            .annotate(n=Count("pk"))
        )
        total = sum(counts.get(model._meta.model_name, 0) for model in chosen)
        # By type (its id: the listing index's order, so a page of 300,000 pairs is read
        # from the index, not sorted), the most similar first.
        paginator = CountedPaginator(
            open_pairs.existing(chosen).order_by("content_type", "-score", "low_id", "high_id"),
            PER_PAGE,
            total,
        )
        page = self.page_or_404(paginator, request.GET.get("page", "1"))
        run = DuplicatesRun.current()
        reviewer = any(self.may_merge(request, model) for model in visible)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Possible duplicates"),
            "types": [
                {
                    "name": model._meta.model_name,
                    "label": registry.of(model).title,
                    "count": counts.get(model._meta.model_name, 0),
                    "chosen": model._meta.model_name == chosen_name,
                    "query": urlencode({"type": model._meta.model_name}),
                }
                for model in visible
            ],
            "all_count": sum(counts.values()),
            "chosen_type": chosen_name,
            "rows": self.rows(request, page.object_list, visible),
            "page": page,
            "page_query": self.page_query(chosen_name),
            "run": run,
            "threshold": settings.DUPLICATE_SIMILARITY,
            "can_recompute": reviewer,
            # A queued run waits for a worker: say so when none is running.
            "no_worker": run.queued_at is not None and not any_alive(),
            "here": request.get_full_path(),
        }
        return TemplateResponse(request, self.template, context)

    @staticmethod
    def page_or_404(paginator, number):
        """The page asked for; past the end, the last one (a pair marked on the last page
        leads back to a page that may be gone); not a page number at all: 404."""
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise Http404(_("“page” must be a page number.")) from None
        if number < 1:
            raise Http404(_("“page” must be a page number."))
        return paginator.page(min(number, paginator.num_pages))

    @staticmethod
    def page_query(chosen_name):
        """The query string of another page of this list, without its number."""
        return urlencode({"type": chosen_name}) + "&" if chosen_name else ""

    def rows(self, request, pairs, visible):
        """The page's pairs with both records: one query per type on the page."""
        pairs = list(pairs.select_related("content_type"))
        ids = {}
        for pair in pairs:
            ids.setdefault(pair.content_type.model_class(), set()).update(
                (pair.low_id, pair.high_id)
            )
        records = {}
        for model, pks in ids.items():
            queryset = model._default_manager.filter(pk__in=pks)
            if any(f.name == "organisation" for f in model._meta.fields):
                queryset = queryset.select_related("organisation")
            records[model] = queryset.in_bulk()
        rows = []
        for pair in pairs:
            model = pair.content_type.model_class()
            first, second = records[model].get(pair.low_id), records[model].get(pair.high_id)
            if first is None or second is None:
                continue  # deleted since the count: the next load leaves it out
            opts = model._meta
            change = f"admin:{opts.app_label}_{opts.model_name}_change"
            merge = distinct = None
            if self.may_merge(request, model):
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_merge")
                merge = f"{url}?{urlencode({'ids': f'{pair.low_id},{pair.high_id}'})}"
                distinct = reverse("admin:kb_duplicatecandidate_distinct", args=[pair.pk])
            rows.append(
                {
                    "pair": pair,
                    "type": opts.model_name,
                    "heading": registry.of(model).title,
                    "records": [
                        {
                            "record": record,
                            "url": reverse(change, args=[record.pk]),
                            "context": context_of(record),
                        }
                        for record in (first, second)
                    ],
                    "merge_url": merge,
                    "distinct_url": distinct,
                }
            )
        return rows

    # The reviewers' POSTs --------------------------------------------------------------

    def back(self, request):
        """Where a POST leads: the list as the reviewer left it (its filter and page)."""
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return HttpResponseRedirect(target)
        return HttpResponseRedirect(self.list_url())

    def distinct_view(self, request, pair_id):
        return require_POST(self._distinct)(request, pair_id)

    def _distinct(self, request, pair_id):
        pair = DuplicateCandidate.objects.select_related("content_type").filter(pk=pair_id).first()
        model = pair and pair.content_type.model_class()
        if pair is None or model not in self.visible_models(request):
            raise Http404(_("There is no such pair."))
        if not self.may_merge(request, model):
            raise PermissionDenied
        marked = DuplicateCandidate.objects.filter(
            pk=pair.pk, status=DuplicateCandidate.Status.OPEN
        ).update(status=DuplicateCandidate.Status.DISTINCT)
        names = {
            r.pk: str(r) for r in model._default_manager.filter(pk__in=[pair.low_id, pair.high_id])
        }
        values = {
            "first": names.get(pair.low_id, f"#{pair.low_id}"),
            "second": names.get(pair.high_id, f"#{pair.high_id}"),
        }
        if marked:
            self.message_user(
                request,
                _("“%(first)s” and “%(second)s” are marked as not duplicates.") % values,
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                _("“%(first)s” and “%(second)s” were already marked as not duplicates.") % values,
                messages.INFO,
            )
        return self.back(request)

    def recompute_view(self, request):
        return require_POST(self._recompute)(request)

    def _recompute(self, request):
        if not any(self.may_merge(request, m) for m in self.visible_models(request)):
            raise PermissionDenied
        if queue(request.user):
            self.message_user(
                request,
                _("The possible duplicates will be computed again by a worker."),
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, _("A computation is queued already: it runs next."), messages.INFO
            )
        return self.back(request)
