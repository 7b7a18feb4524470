"""The database's rules, each stated once: the CHECK constraint and its Python twin.

Each rule here gives the model its `CheckConstraint` (what the database
enforces, and what `full_clean()` reports) and `errors(instance)`, the same
rule per column, which the batch import path runs instead of a query per row
(`rules_for(model)`). Neither surface restates a rule; they ask for it here.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

ORDER_MESSAGE = _("The end date must be on or after the start date.")

_RULES = {}  # constraint name -> rule


class Rule:
    """A CHECK constraint with a per-column check in Python."""

    def __init__(self, name):
        self.name = name
        _RULES[name] = self

    def condition(self):
        raise NotImplementedError

    message = None

    def constraint(self):
        return models.CheckConstraint(
            condition=self.condition(), name=self.name, violation_error_message=self.message
        )

    def errors(self, instance):
        """{column: [message]} for a row that breaks the rule; empty when it holds."""
        raise NotImplementedError


class DateWindow(Rule):
    """A window runs forwards; a complete window is both dates or neither.

    A complete window (events, agreements) is unknown (both empty) or known
    (both set, start <= end): a lone end date would make overlap filters guess.
    A membership's may be open at either end.
    """

    message = ORDER_MESSAGE

    def __init__(self, name, start, end, complete=True):
        self.start, self.end, self.complete = start, end, complete
        super().__init__(name)

    def condition(self):
        start, end = self.start, self.end
        if self.complete:
            return Q(**{f"{start}__isnull": True, f"{end}__isnull": True}) | Q(
                **{f"{start}__isnull": False, f"{end}__isnull": False, f"{start}__lte": F(end)}
            )
        return (
            Q(**{f"{start}__isnull": True})
            | Q(**{f"{end}__isnull": True})
            | Q(**{f"{start}__lte": F(end)})
        )

    def errors(self, instance):
        first, last = getattr(instance, self.start), getattr(instance, self.end)
        if first and last and first > last:
            return {self.end: [str(ORDER_MESSAGE)]}
        if self.complete and bool(first) != bool(last):
            missing = self.end if first else self.start
            return {missing: [str(_("Give both dates of the window, or neither."))]}
        return {}


class AnyOf(Rule):
    """At least one of `fields` is set (a participation names someone)."""

    def __init__(self, name, fields, message):
        self.fields, self.message = fields, message
        super().__init__(name)

    def condition(self):
        condition = Q()
        for name in self.fields:
            condition |= Q(**{f"{name}__isnull": False})
        return condition

    def errors(self, instance):
        model = type(instance)
        attnames = [model._meta.get_field(name).attname for name in self.fields]
        if any(getattr(instance, attname) is not None for attname in attnames):
            return {}
        return {self.fields[0]: [str(self.message)]}


class Together(Rule):
    """Two text columns are empty together or filled together (a translation and who made it).

    A translation nobody vouches for, or a translator with nothing translated,
    would leave a reader unable to tell whose words they read.
    """

    def __init__(self, name, first, second, message):
        self.first, self.second, self.message = first, second, message
        super().__init__(name)

    def condition(self):
        first, second = self.first, self.second
        return Q(**{first: "", second: ""}) | (~Q(**{first: ""}) & ~Q(**{second: ""}))

    def errors(self, instance):
        first, second = getattr(instance, self.first), getattr(instance, self.second)
        if bool(first) == bool(second):
            return {}
        return {self.second if first else self.first: [str(self.message)]}


def rules_for(model):
    """The rules behind `model`'s CHECK constraints."""
    return [_RULES[c.name] for c in model._meta.constraints if c.name in _RULES]


# --- Rules that are not constraints, but that more than one path must apply -------


def aliases_valid(aliases):
    """Aliases are a list of non-empty names (the model and the import widget ask this)."""
    return isinstance(aliases, list) and all(isinstance(a, str) and a for a in aliases)


def validate_aliases(aliases):
    if not aliases_valid(aliases):
        raise ValidationError({"aliases": _("Give a list of non-empty names.")})


def organisation_of(post, organisation_id):
    """The organisation a row naming `post` belongs to: the post's own.

    A post belongs to one organisation, so a row naming a post names that
    organisation; filling it in spares editors a redundant field.
    """
    if post is not None and organisation_id is None:
        return post.organisation_id
    return organisation_id


def validate_post_organisation(row):
    """A row naming a post names the post's organisation; another one is refused."""
    if not row.post_id:
        return
    row.organisation_id = organisation_of(row.post, row.organisation_id)
    if row.post.organisation_id != row.organisation_id:
        raise ValidationError({"post": _("This post belongs to another organisation.")})
