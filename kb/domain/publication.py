"""Who may publish: the one publish permission every write path asks.

Migration 0003 creates `kb.publish_<model>` for every model with a status
and gives it to reviewers. The admin (its actions, its forms' status
field, its revert and recover pages) and imports call `can_publish`; none
restates the rule.
"""

from ..models import Record


def publishable(model):
    """Whether records of `model` have a publication status."""
    return issubclass(model, Record)


def can_publish(user, model):
    """Whether `user` may publish or unpublish records of `model`."""
    if user is None or not publishable(model):
        return False
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")
