"""A record's identifiers in other systems, edited as an inline on its change form.

Identifiers have no admin page or permissions of their own: they are part of
their record, so whoever may change the record may add, change and remove
them, and whoever may only view it sees them (kb/registry.py, `inline`).
"""

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..lib import identifiers as schemes
from ..models import Identifier

SCHEMES_HELP = gettext_lazy("Wikidata: an item's QID (Q7747). OpenSanctions: an entity's ID.")


class IdentifierForm(forms.ModelForm):
    class Meta:
        model = Identifier
        fields = ("scheme", "value")
        labels = {"scheme": gettext_lazy("System"), "value": gettext_lazy("Identifier")}
        help_texts = {"scheme": SCHEMES_HELP}


class IdentifierFormSet(BaseGenericInlineFormSet):
    """Each identifier once per record, and not another record's of the same type.

    The database's unique constraint names the content type, which the inline's
    forms do not hold, so the model forms cannot check it: checked here, with
    the error on the value that breaks it.
    """

    def clean(self):
        super().clean()
        kept = {}
        for form in self.forms:
            if not form.has_changed() and form.instance.pk is None:
                continue  # an empty extra row
            if self._should_delete_form(form) or not hasattr(form, "cleaned_data"):
                continue
            scheme, value = form.cleaned_data.get("scheme"), form.cleaned_data.get("value")
            if not scheme or not value or "value" in form.errors:
                continue
            if (scheme, value) in kept:
                form.add_error("value", _("This identifier is already listed above."))
                continue
            kept[(scheme, value)] = form
        if kept:
            self.refuse_taken(kept)

    def refuse_taken(self, kept):
        """An identifier another record of this type holds: one query for the whole form."""
        model = type(self.instance)
        wanted = Q()
        for scheme, value in kept:
            wanted |= Q(scheme=scheme, value=value)
        content_type = ContentType.objects.get_for_model(model)
        taken = Identifier.objects.filter(wanted, content_type=content_type)
        if self.instance.pk is not None:
            taken = taken.exclude(object_id=self.instance.pk)
        rows = list(taken.values_list("scheme", "value", "object_id"))
        holders = model._default_manager.in_bulk([object_id for _s, _v, object_id in rows])
        for scheme, value, object_id in rows:
            kept[(scheme, value)].add_error(
                "value",
                _("%(record)s already has this identifier.")
                % {"record": holders.get(object_id, _("Another record"))},
            )

    def save_existing_objects(self, commit=True):
        changed = [
            form.instance.pk
            for form in self.initial_forms
            if form.instance.pk and form.has_changed() and not self._should_delete_form(form)
        ]
        if commit and changed:
            # A value moved between two rows of the record (or two swapped) would meet
            # the unique constraint half-way through Django's row-by-row saves: the
            # rows being changed or deleted let go of their values first (a
            # placeholder no scheme can hold, unique by row), inside the admin's
            # transaction, so nobody ever sees it.
            deleted = [form.instance.pk for form in self.deleted_forms if form.instance.pk]
            placeholder = Concat(Value("~"), Cast("pk", output_field=CharField()))
            Identifier.objects.filter(pk__in=changed + deleted).update(value=placeholder)
        return super().save_existing_objects(commit)


class IdentifierInline(GenericTabularInline):
    model = Identifier
    form = IdentifierForm
    formset = IdentifierFormSet
    fields = ("scheme", "value", "link")
    readonly_fields = ("link",)
    extra = 0
    verbose_name = gettext_lazy("identifier in another system")
    verbose_name_plural = gettext_lazy("identifiers in other systems")

    # The record's own rights (see the module's docstring).

    def may_edit(self, request, obj):
        record_admin = self.admin_site.get_model_admin(self.parent_model)
        if obj is None:  # the add form
            return record_admin.has_add_permission(request)
        return record_admin.has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        record_admin = self.admin_site.get_model_admin(self.parent_model)
        return record_admin.has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self.may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.may_edit(request, obj)

    @admin.display(description=gettext_lazy("Its page"))
    def link(self, identifier):
        """The identifier's page in its system, to check that it names the right thing."""
        if identifier.pk is None or identifier.scheme not in schemes.SCHEMES:
            return ""
        url = identifier.url
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', url, url)
