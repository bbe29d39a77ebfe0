from django.db import migrations


def forwards(apps, schema_editor):
    from iapt_platform.lib.taxonomy import seed_topics
    from initiatives.opportunities.topics import TOPICS

    seed_topics(apps.get_model("opportunities", "Topic"), TOPICS)


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0001_opportunities")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
