"""Job rows get the fields the stale-job recovery reads; survey lines get their natural key as a unique
constraint. Lines written twice by a repeated import are exact copies: those are removed first (the oldest
is kept); lines that share a key but differ make the migration stop, to be settled by hand."""

import django.utils.timezone
from django.db import migrations, models


DROP_EXACT_COPIES = """
DELETE FROM inventory_surveyline AS copy USING inventory_surveyline AS kept
 WHERE copy.report_id = kept.report_id AND copy.activity = kept.activity AND copy.raw_cas = kept.raw_cas
   AND (copy.raw_cas <> '' OR copy.raw_name = kept.raw_name) AND copy.id > kept.id
   AND copy.raw_name = kept.raw_name AND copy.substance_id IS NOT DISTINCT FROM kept.substance_id
   AND copy.quantity = kept.quantity AND copy.use_category = kept.use_category
   AND copy.dispersive_use = kept.dispersive_use
   AND copy.emission_water IS NOT DISTINCT FROM kept.emission_water
   AND copy.emission_air IS NOT DISTINCT FROM kept.emission_air
   AND copy.emission_soil IS NOT DISTINCT FROM kept.emission_soil
   AND copy.waste_route = kept.waste_route AND copy.warning_note = kept.warning_note
   AND copy.returned = kept.returned AND copy.return_reason = kept.return_reason
"""


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0008_import_target'),
    ]

    operations = [
        migrations.RunSQL(DROP_EXACT_COPIES, migrations.RunSQL.noop),
        migrations.AddField(
            model_name='importrecord',
            name='job_attempts',
            field=models.PositiveSmallIntegerField(default=0, editable=False, help_text='Times the recovery sent its job again.'),
        ),
        migrations.AddField(
            model_name='importrecord',
            name='job_since',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, help_text='When the row last entered a queued or running state.'),
        ),
        migrations.AddConstraint(
            model_name='surveyline',
            constraint=models.UniqueConstraint(condition=models.Q(('raw_cas', ''), _negated=True), fields=('report', 'activity', 'raw_cas'), name='survey_line_unique_cas', violation_error_message='This report already has a line with this CAS number and activity.'),
        ),
        migrations.AddConstraint(
            model_name='surveyline',
            constraint=models.UniqueConstraint(condition=models.Q(('raw_cas', '')), fields=('report', 'activity', 'raw_name'), name='survey_line_unique_name', violation_error_message='This report already has a line with this substance name and activity.'),
        ),
    ]
