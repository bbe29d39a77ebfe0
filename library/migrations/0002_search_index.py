from django.db import migrations

# A GIN index serves the full-text search on PostgreSQL; SQLite has no such index (and no
# tsvector): there the library matches the normalised search_document instead.
CREATE = "CREATE INDEX IF NOT EXISTS library_resource_search_gin ON library_resource USING gin (search_vector)"
DROP = "DROP INDEX IF EXISTS library_resource_search_gin"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
