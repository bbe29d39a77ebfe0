from django.db import migrations


def seed_topics(apps, schema_editor):
    from initiatives.matchmaking.topics import ensure_topics

    ensure_topics(apps.get_model("matchmaking", "Topic"))


class Migration(migrations.Migration):
    dependencies = [("matchmaking", "0001_initial")]

    operations = [migrations.RunPython(seed_topics, migrations.RunPython.noop)]
