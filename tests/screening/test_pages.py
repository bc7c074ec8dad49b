"""The screening pages as bureau staff and leaders use them: hazard data entered with qualifiers and
units, a threshold edit that becomes a new version with a diff, a run's results with reasons, filters,
export and PDF, two runs compared, a tier override, and an assessment through approval."""
import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from screening import services
from screening.models import CriteriaProfile, HazardRecord, ProfileVersion, RiskAssessment, ScreeningResult
from screening.runs import run_execute


@pytest.fixture(autouse=True)
def chinese(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("zh-hans"):
        yield


def login(users, role):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(users[role])
    return client


def flashed(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def screening(users, regions, inventory):
    services.profiles_load()
    staff, pfos, dcm = users["bureau_staff"], inventory["pfos"], inventory["dcm"]
    for endpoint, value, unit, extra in (("half_life", ">41", "年", {"compartment": "fresh_water"}),
                                         ("bcf", "2796", "L/kg", {}), ("stot_re", "", "", {"category": "1"})):
        services.hazard_record_save(actor=staff, substance=pfos, endpoint=endpoint, entered_value=value,
                                    entered_unit=unit, **extra)
    services.hazard_record_save(actor=staff, substance=dcm, endpoint="bcf", entered_value="2", entered_unit="L/kg")
    report = inventory["report"]
    report.state = "accepted"
    report.save()
    report.lines.create(substance=pfos, raw_name="PFOS", raw_cas="1763-23-1", activity="use", quantity=Decimal("150"))
    profile = CriteriaProfile.objects.get(code="hj1229")
    run = run_execute(services.run_create(actor=staff, version=profile.current, region=regions["city"],
                                          year=2023).pk)
    return {"profile": profile, "run": run, "pfos": pfos, "dcm": dcm}


def test_hazard_page_adds_a_record_and_names_a_bad_unit(users, screening):
    client, pfos = login(users, "bureau_staff"), screening["pfos"]
    url = reverse("screening:hazard_substance", args=[pfos.pk])
    page = client.get(url)
    assert page.status_code == 200 and "2796" in page.content.decode()
    response = client.post(url, {"endpoint": "half_life", "compartment": "soil", "entered_value": "3",
                                 "entered_unit": "fortnight", "reliability": 2, "source": "database"})
    assert "entered_unit" in response.context["form"].errors
    assert "fortnight" in response.context["form"].errors["entered_unit"][0]
    client.post(url, {"endpoint": "bcf", "entered_value": "≥ 5000", "entered_unit": "L/kg", "reliability": 3,
                      "source": "estimate", "reference": "QSAR"})
    assert HazardRecord.objects.filter(substance=pfos, endpoint="bcf", qualifier=">=", value=5000).exists()
    assert login(users, "leader").post(url, {"endpoint": "bcf", "entered_value": "1"}).status_code == 403


def test_threshold_edit_makes_a_new_version_with_a_diff(users, screening):
    client, profile = login(users, "bureau_staff"), screening["profile"]
    form = client.get(reverse("screening:profile_edit", args=[profile.pk])).context["form"]
    data = {name: field.initial for name, field in form.fields.items() if name != "note"}
    bad = dict(data, **{"pbt.b_bcf": "-5", "note": "试"})
    response = client.post(reverse("screening:profile_edit", args=[profile.pk]), bad)
    assert response.status_code == 200 and any("负数" in e for e in response.context["form"].non_field_errors())
    assert profile.versions.count() == 1
    good = dict(data, **{"pbt.b_bcf": "1000", "note": "参照地方导则"})
    response = client.post(reverse("screening:profile_edit", args=[profile.pk]), good, follow=True)
    assert profile.versions.count() == 2
    assert ("pbt.b_bcf", "2000", "1000") in response.context["diff"]
    assert ProfileVersion.objects.get(profile=profile, number=2).thresholds["cmr_categories"] == ["1", "1A", "1B"]
    assert screening["run"].version.number == 1


def test_run_page_shows_reasons_filters_and_exports(users, screening):
    client, run = login(users, "leader"), screening["run"]
    page = client.get(reverse("screening:run_detail", args=[run.pk]))
    text = page.content.decode()
    assert "全氟辛基磺酸" in text and "14965" in text  # 41 years in days, in the P reason
    first = page.context["page"].object_list[0]
    assert first.substance == screening["pfos"] and first.tier == "优先评估"
    only = client.get(reverse("screening:run_detail", args=[run.pk]), {"tier": "优先评估"}).context["page"]
    assert [r.substance_id for r in only] == [screening["pfos"].pk]
    flagged = client.get(reverse("screening:run_detail", args=[run.pk]), {"flag": "STOT_RE"}).context["page"]
    assert [r.substance_id for r in flagged] == [screening["pfos"].pk]
    export = client.get(reverse("screening:run_detail", args=[run.pk]), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[1][2] == "全氟辛基磺酸" and "P" in rows[1][10]
    pdf = client.get(reverse("screening:run_pdf", args=[run.pk]))
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"


def test_two_runs_compared_say_what_moved_and_why(users, regions, screening):
    staff = users["bureau_staff"]
    HazardRecord.objects.filter(substance=screening["dcm"]).delete()
    services.hazard_record_save(actor=staff, substance=screening["dcm"], endpoint="carcinogenicity", category="1B")
    other = run_execute(services.run_create(actor=staff, version=screening["profile"].current,
                                            region=regions["city"], year=2023).pk)
    page = login(users, "bureau_staff").get(reverse("screening:run_compare", args=[screening["run"].pk]),
                                            {"other": other.pk})
    changes = page.context["changes"]
    dcm = next(c for c in changes if c["substance"] == screening["dcm"])
    assert dcm["tier_a"] != dcm["tier_b"]
    assert any(w.startswith("CMR：") for w in dcm["why"])


def test_override_and_assessment_through_the_pages(users, screening):
    staff, leader, run = login(users, "bureau_staff"), login(users, "leader"), screening["run"]
    result = ScreeningResult.objects.get(run=run, substance=screening["dcm"])
    response = staff.post(reverse("screening:result_override", args=[result.pk]), {"tier": "关注", "reason": ""},
                          follow=True)
    result.refresh_from_db()
    assert result.override_tier == "" and flashed(response)
    staff.post(reverse("screening:result_override", args=[result.pk]), {"tier": "关注", "reason": "饮用水源地检出"})
    result.refresh_from_db()
    assert result.effective_tier == "关注"

    pfos_result = ScreeningResult.objects.get(run=run, substance=screening["pfos"])
    response = staff.post(reverse("screening:assessment_create"), {"result": pfos_result.pk}, follow=True)
    assessment = RiskAssessment.objects.get()
    assert response.context["form"] is not None
    staff.post(reverse("screening:assessment_edit", args=[assessment.pk]), {
        "title": assessment.title, "hazard_identification": assessment.hazard_identification,
        "dose_response": "PNEC 0.23 μg/L", "exposure_assessment": "PEC 0.9 μg/L", "risk_characterisation": "RCR 3.9",
        "conclusion": "needs_control", "recommended_measures": "禁止生产、加工使用和进出口"})
    staff.post(reverse("screening:assessment_submit", args=[assessment.pk]))
    assessment.refresh_from_db()
    assert assessment.status == "submitted"
    assert staff.get(reverse("screening:assessment_detail", args=[assessment.pk])).context["can_review"] is False
    leader.post(reverse("screening:assessment_review", args=[assessment.pk]), {"decision": "approve", "note": "同意"})
    assessment.refresh_from_db()
    assert assessment.status == "approved" and assessment.proposal.substance == screening["pfos"]
    page = staff.get(reverse("screening:assessment_list"))
    assert assessment.proposal in list(page.context["proposals"])


def test_pages_render_for_readers(users, screening):
    client = login(users, "leader")
    for name, kwargs in (("screening:index", None), ("screening:hazard_list", None),
                         ("screening:profile_list", None), ("screening:run_list", None),
                         ("screening:assessment_list", None),
                         ("screening:profile_detail", {"pk": screening["profile"].pk})):
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 200, name
    county = login(users, "county_staff")
    assert county.get(reverse("screening:run_detail", args=[screening["run"].pk])).status_code == 404


def test_attachments_are_checked_by_content(users, screening):
    from django.core.files.uploadedfile import SimpleUploadedFile

    staff = login(users, "bureau_staff")
    result = ScreeningResult.objects.get(run=screening["run"], substance=screening["pfos"])
    staff.post(reverse("screening:assessment_create"), {"result": result.pk})
    assessment = RiskAssessment.objects.get()
    url = reverse("screening:assessment_attach", args=[assessment.pk])
    response = staff.post(url, {"file": SimpleUploadedFile("毒理.pdf", b"MZ\x90\x00 program")}, follow=True)
    assert any("程序" in m for m in flashed(response)), flashed(response)
    staff.post(url, {"file": SimpleUploadedFile("毒理.pdf", b"%PDF-1.4 report")})
    assert [a.original_name for a in assessment.attachments.all()] == ["毒理.pdf"]
    download = staff.get(reverse("screening:attachment_download", args=[assessment.attachments.get().pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 report"
