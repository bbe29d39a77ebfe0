from django.db import migrations

# GIN indexes serve the full-text search on PostgreSQL; SQLite has no tsvector: there the
# normalised search_document is matched instead.
INDEXES = [
    ("community_post_search_gin", "community_post"),
    ("community_memberprofile_search_gin", "community_memberprofile"),
]


def indexes_forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, table in INDEXES:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (search_vector)"
            )


def indexes_backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _table in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def seed(apps, schema_editor):
    from community.taxonomy import seed_taxonomy

    seed_taxonomy(apps.get_model("community", "Topic"), apps.get_model("community", "Category"))


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]
    operations = [
        migrations.RunPython(indexes_forwards, indexes_backwards),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
