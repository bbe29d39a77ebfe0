"""Give existing initiatives (and their pending edits) the ISO 3166-2 code that their free-text
territory names, where it names one unambiguously; the text itself is kept as the detail."""

from django.db import migrations

BATCH = 500


def map_territories(apps, schema_editor):
    from iapt_platform.lib import subdivisions

    Initiative = apps.get_model("initiatives", "Initiative")
    pending = []
    rows = (
        Initiative.objects.filter(subdivision="")
        .exclude(territory="")
        .only("pk", "country", "territory")
        .iterator(chunk_size=BATCH)
    )
    for initiative in rows:
        code = subdivisions.match(str(initiative.country), initiative.territory)
        if code:
            initiative.subdivision = code
            pending.append(initiative)
        if len(pending) >= BATCH:
            Initiative.objects.bulk_update(pending, ["subdivision"])
            pending = []
    if pending:
        Initiative.objects.bulk_update(pending, ["subdivision"])


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0004_initiative_subdivision")]

    # Backwards: the codes are dropped with the column; the free text was never changed.
    operations = [migrations.RunPython(map_territories, migrations.RunPython.noop)]
