from django.db import migrations

# A GIN index serves the full-text search on PostgreSQL; SQLite has no such index (and no
# tsvector): there the directory matches the normalised search_document instead.
CREATE = "CREATE INDEX IF NOT EXISTS initiative_search_gin ON initiatives_initiative USING gin (search_vector)"
DROP = "DROP INDEX IF EXISTS initiative_search_gin"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
