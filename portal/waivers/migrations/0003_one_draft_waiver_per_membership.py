"""One draft waiver per membership (issue 12.9): the drafts a resubmission left behind go,
the newest kept, with their files; then the database keeps it so."""

from django.db import migrations, models


def keep_the_newest_draft(apps, schema_editor):  # type: ignore[no-untyped-def]
    Waiver = apps.get_model("waivers", "Waiver")
    newest: set[int] = set()
    stale = []
    drafts = Waiver.objects.filter(status="requested", membership__isnull=False)
    for waiver in drafts.order_by("membership_id", "-requested_at", "-pk"):
        if waiver.membership_id in newest:
            stale.append(waiver)
        else:
            newest.add(waiver.membership_id)
    for waiver in stale:
        names = [f.name for f in (waiver.proof, waiver.request_pdf) if f.name]
        storage = waiver.request_pdf.storage
        waiver.delete()
        for name in names:
            storage.delete(name)


class Migration(migrations.Migration):
    dependencies = [
        ("waivers", "0002_waiver_review"),
    ]

    operations = [
        migrations.RunPython(keep_the_newest_draft, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="waiver",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "requested")),
                fields=("membership",),
                name="one_draft_waiver_per_membership",
            ),
        ),
    ]
