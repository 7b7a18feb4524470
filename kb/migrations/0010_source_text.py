"""The source's stored text, its publish flag, and who translated a quote (issue 15, sources)."""

from django.db import migrations, models


def translations_are_ententes(apps, schema_editor):
    # Translations typed before this field existed were the editors' own: the
    # constraint below needs a translator for each, and Entente is the only one
    # that can vouch for them.
    Citation = apps.get_model("kb", "Citation")
    Citation.objects.exclude(translation="").update(translation_by="entente")


class Migration(migrations.Migration):
    dependencies = [("kb", "0009_downloads")]

    operations = [
        migrations.AddField(
            model_name="source",
            name="text",
            field=models.TextField(
                blank=True,
                default="",
                help_text=(
                    "The full text as published, copied exactly: quotes are found in it word "
                    "for word."
                ),
            ),
        ),
        migrations.AddField(
            model_name="source",
            name="publish_full_text",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Its full text may be published (off for someone else's copyrighted work)"
                ),
            ),
        ),
        migrations.AddField(
            model_name="citation",
            name="translation_by",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "No translation"),
                    ("entente", "Entente's translation"),
                    ("source", "The source's own translation"),
                ],
                default="",
                help_text="Who made the translation; empty exactly when there is none.",
                max_length=20,
            ),
        ),
        migrations.RunPython(translations_are_ententes, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="citation",
            constraint=models.CheckConstraint(
                condition=models.Q(("translation", ""), ("translation_by", ""))
                | (~models.Q(("translation", "")) & ~models.Q(("translation_by", ""))),
                name="citation_translation_has_translator",
                violation_error_message="Give a translation and who made it, or neither.",
            ),
        ),
    ]
