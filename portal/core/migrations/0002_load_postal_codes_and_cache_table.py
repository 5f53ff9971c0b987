from django.core.management import call_command
from django.db import migrations


def load(apps, schema_editor):
    from portal.core.addresses import read_postal_codes

    PostalCode = apps.get_model("core", "PostalCode")
    PostalCode.objects.using(schema_editor.connection.alias).bulk_create(
        [
            PostalCode(
                postal_code=r.postal_code,
                insee_code=r.insee_code,
                commune=r.commune,
                routing_label=r.routing_label,
            )
            for r in read_postal_codes()
        ],
        batch_size=2000,
    )


def unload(apps, schema_editor):
    apps.get_model("core", "PostalCode").objects.all().delete()


def create_cache_table(apps, schema_editor):
    # The database cache (settings.CACHES) is shared by every web process.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(load, unload),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
