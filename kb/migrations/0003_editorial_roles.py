"""Editorial roles: the groups editor, reviewer and read-only staff, with their permissions.

The custom permissions (import, export, publish) are created here rather
than declared in the models' Meta.permissions, which Django only creates
after post_migrate: too late for groups made by a migration. The default
ones (add, change, delete, view) are created here too for the same reason;
post_migrate later finds them present.
"""

from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import create_contenttypes
from django.db import migrations

MODELS = (
    "topic",
    "organisation",
    "person",
    "post",
    "membership",
    "event",
    "participation",
    "agreement",
    "agreementparty",
    "source",
    "citation",
    "claim",
)
# Models with a publication status.
PUBLISHABLE = ("topic", "organisation", "person", "post", "event", "agreement", "source", "claim")
CUSTOM = {
    "import": "Can import %s",
    "export": "Can export %s",
    "publish": "Can publish or unpublish %s",
}
ROLES = {
    "editor": ("add", "change", "view", "import", "export"),
    "reviewer": ("add", "change", "view", "import", "export", "publish", "delete"),
    "read-only staff": ("view",),
}


def create_roles(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    kb = apps.get_app_config("kb")
    # The management helpers skip an app config without a models module,
    # which a migration's historical one never has.
    kb.models_module = True
    try:
        create_contenttypes(kb, verbosity=0, apps=apps)
        create_permissions(kb, verbosity=0, apps=apps)
    finally:
        kb.models_module = None

    for model in MODELS:
        content_type = ContentType.objects.get(app_label="kb", model=model)
        verbose_name = apps.get_model("kb", model)._meta.verbose_name
        for action, name in CUSTOM.items():
            if action == "publish" and model not in PUBLISHABLE:
                continue
            Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": name % verbose_name},
            )

    for group_name, actions in ROLES.items():
        group, _created = Group.objects.get_or_create(name=group_name)
        codenames = [f"{action}_{model}" for action in actions for model in MODELS]
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="kb", codename__in=codenames)
        )


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.filter(name__in=ROLES).delete()
    Permission.objects.filter(
        content_type__app_label="kb",
        codename__in=[f"{action}_{model}" for action in CUSTOM for model in MODELS],
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("kb", "0002_search_text"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
