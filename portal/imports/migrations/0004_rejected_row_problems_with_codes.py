"""Rejected rows keep `{field, code, message}` problems; old rows stored formatted strings."""

from django.db import migrations


def _to_problems(apps, schema_editor):
    ImportRow = apps.get_model("imports", "ImportRow")
    changed = []
    for row in ImportRow.objects.only("pk", "errors").iterator(chunk_size=2000):
        if any(isinstance(error, str) for error in row.errors):
            row.errors = [
                {"field": "", "code": "legacy", "message": error} if isinstance(error, str) else error
                for error in row.errors
            ]
            changed.append(row)
    ImportRow.objects.bulk_update(changed, ["errors"], batch_size=2000)


def _to_strings(apps, schema_editor):
    ImportRow = apps.get_model("imports", "ImportRow")
    changed = []
    for row in ImportRow.objects.only("pk", "errors").iterator(chunk_size=2000):
        row.errors = [error["message"] if isinstance(error, dict) else error for error in row.errors]
        changed.append(row)
    ImportRow.objects.bulk_update(changed, ["errors"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("imports", "0003_rejected_rows_only")]

    operations = [migrations.RunPython(_to_problems, _to_strings)]
