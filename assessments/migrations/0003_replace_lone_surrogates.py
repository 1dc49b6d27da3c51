"""Replace lone UTF-16 surrogates in stored answers and their revisions with U+FFFD.

Before the edge refused them (config/null_characters.py), a JSON ``"\\ud800"`` in an answer was stored, and every
page showing that answer or its history failed to encode as UTF-8: a 500 for everyone, even after the answer was
fixed, since the revision kept the old value. Submitted records are left alone: their content hash covers them,
and a surrogate could never be hashed, so none was ever frozen.
"""

import re

from django.db import migrations

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _repaired(value):
    if isinstance(value, str):
        return LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_repaired(item) for item in value]
    if isinstance(value, dict):
        return {_repaired(key): _repaired(item) for key, item in value.items()}
    return value


def replace_lone_surrogates(apps, schema_editor):
    for model_name in ("Answer", "AnswerRevision"):
        model = apps.get_model("assessments", model_name)
        for row in model.objects.only("pk", "value", "comment", "justification").iterator(chunk_size=500):
            repaired = {field: _repaired(getattr(row, field)) for field in ("value", "comment", "justification")}
            changed = {field: value for field, value in repaired.items() if value != getattr(row, field)}
            if changed:
                model.objects.filter(pk=row.pk).update(**changed)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_prefill_and_reminders")]

    operations = [migrations.RunPython(replace_lone_surrogates, migrations.RunPython.noop, elidable=True)]
