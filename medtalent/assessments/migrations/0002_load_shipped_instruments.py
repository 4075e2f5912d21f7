"""Load Mini-CEX, DOPS, record quality and the exit exam from ``fixtures/instruments/``."""

from django.db import migrations


def load(apps, schema_editor):
    from medtalent.assessments.services.instruments import shipped_instruments_load

    shipped_instruments_load(apps.get_model("assessments", "Instrument"), apps.get_model("assessments", "InstrumentVersion"))


def unload(apps, schema_editor):
    Instrument = apps.get_model("assessments", "Instrument")
    apps.get_model("assessments", "InstrumentVersion").objects.filter(instrument__institution__isnull=True).delete()
    Instrument.objects.filter(institution__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_instruments_assessments_logbook_ethics")]

    operations = [migrations.RunPython(load, unload)]
