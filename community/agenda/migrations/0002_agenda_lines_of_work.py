"""The lines of work and the agenda's forum category, in three languages."""

from django.db import migrations


def seed(apps, schema_editor):
    from community.agenda.lines import seed_lines

    seed_lines(apps.get_model("agenda", "LineOfWork"), apps.get_model("community", "Category"))


class Migration(migrations.Migration):
    dependencies = [("agenda", "0001_agenda")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
