"""seed_scale writes synthetic data with valid identifiers, quickly, and replaces it on a second run."""
from django.core.management import call_command

from inventory.identifiers import cas_normalise, uscc_parse
from inventory.models import Enterprise, MonitoringResult, Substance, SurveyLine, SurveyReport
from portal.services import reference_load


def test_seed_scale_small_and_repeatable(db, capsys):
    reference_load()
    call_command("seed_scale", "--enterprises", "50", "--substances", "120", "--records", "2000",
                 "--monitoring", "900")
    assert Enterprise.objects.filter(name__startswith="规模测试").count() == 50
    assert SurveyReport.objects.count() == 50 and SurveyLine.objects.count() == 2000
    assert MonitoringResult.objects.count() == 900
    for e in Enterprise.objects.all()[:20]:
        assert uscc_parse(e.credit_code).check_ok
    for s in Substance.objects.all()[:20]:
        assert cas_normalise(s.cas) == s.cas
    call_command("seed_scale", "--enterprises", "10", "--substances", "20", "--records", "100", "--monitoring", "50")
    assert (Enterprise.objects.count(), SurveyLine.objects.count(), MonitoringResult.objects.count()) == (10, 100, 50)
    assert "规模数据" in capsys.readouterr().out
