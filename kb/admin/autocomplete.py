"""Inline rows' autocomplete fields labelled from the ends each row already loaded.

Django's AutocompleteSelect reads the chosen record of each widget with a
query of its own, to print its label: an event's form with 50 participants
ran 50 queries for their organisations, although the inline had read them
with its rows (JoinRowInline.get_queryset's select_related). `LoadedEnds`
gives each row's widgets the records its instance holds; a widget whose
value is not among them (a bound form with another choice) asks as before.
"""

from django.contrib.admin.widgets import AutocompleteSelect


class LoadedAutocompleteSelect(AutocompleteSelect):
    """An AutocompleteSelect that takes the chosen record from `loaded` when it is there."""

    loaded = None  # {str(pk): record}, set per form by LoadedEnds

    def optgroups(self, name, value, attr=None):
        chosen = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        known = self.loaded or {}
        if not chosen or not chosen <= known.keys():
            return super().optgroups(name, value, attr)
        # As AutocompleteSelect.optgroups does, with the records at hand.
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        label = self.choices.field.label_from_instance
        for index, key in enumerate(sorted(chosen), start=len(options)):
            record = known[key]
            options.append(self.create_option(name, record.pk, label(record), chosen, index))
        return [(None, options, 0)]


class LoadedEnds:
    """For an inline: its foreign keys in `autocomplete_fields` use LoadedAutocompleteSelect,
    and each form's widgets know the ends its instance loaded."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = LoadedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class Formset(formset):
            def _construct_form(self, i, **form_kwargs):
                form = super()._construct_form(i, **form_kwargs)
                instance = form.instance
                if instance.pk is None:
                    return form
                for name, field in form.fields.items():
                    widget = getattr(field.widget, "widget", field.widget)  # the admin's wrapper
                    # Only an end the row's query loaded: reading another would query.
                    if isinstance(widget, LoadedAutocompleteSelect) and instance._meta.get_field(
                        name
                    ).is_cached(instance):
                        end = getattr(instance, name)
                        widget.loaded = {str(end.pk): end} if end is not None else {}
                return form

        Formset.__name__ = formset.__name__
        return Formset
