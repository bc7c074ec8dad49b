"""The 双随机、一公开 pages: a draw made, drawn, verified and published through the forms; an inspection recorded
with findings and a document, approved by a colleague; leaders read, department officers see only inspections
they were drawn for; each page issues the same number of queries for 2 rows as for 20."""
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from controls.models import Inspection, InspectionDraw, Rectification
from controls.selectors import public_inspections

from .inspection_setup import TODAY, add_enterprise, drawn, inspection_world, make_draw, record

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(users, departments, regions, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return inspection_world(users, departments, regions)


def login(user):
    client = Client()
    client.force_login(user)
    return client


def finding_rows(*rows, extra=4):
    data = {"finding-TOTAL_FORMS": str(max(extra, len(rows))), "finding-INITIAL_FORMS": "0",
            "finding-MIN_NUM_FORMS": "0", "finding-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        data.update({f"finding-{i}-{k}": v for k, v in row.items()})
    return data


def test_a_draw_is_made_drawn_verified_recorded_approved_and_published_through_the_pages(users, world, regions):
    staff, colleague = users["bureau_staff"], world["city_inspector"]
    client = login(staff)
    assert client.get(reverse("controls:draw_create")).status_code == 200
    response = client.post(reverse("controls:draw_create"), {
        "title": "2024年第二批双随机抽查", "region": regions["city"].pk, "list": world["list"].pk, "n_enterprises": 3,
        "n_inspectors": 2, "strata": "county", "exclude_same_county": "on", "pool": [u.pk for u in world["pool"]],
        "plan": world["plan"].pk, "department": world["department"].pk})
    draw = InspectionDraw.objects.get(title="2024年第二批双随机抽查")
    assert response.status_code == 302 and response["Location"] == reverse("controls:draw_detail", args=[draw.pk])
    assert (draw.strata, draw.exclude_same_county, draw.pool.count()) == ({"by": "county"}, True, 5)

    assert client.post(reverse("controls:draw_run", args=[draw.pk]), {"seed": "公证-0001"}).status_code == 302
    page = client.get(reverse("controls:draw_detail", args=[draw.pk]))
    text = page.content.decode()
    assert "公证-0001" in text and "朔城区" in text and "平鲁区" in text and "1.80" in text
    assert len(page.context["inspections"]) == 3
    draw.refresh_from_db()
    county_staff = users["county_staff"]
    assert any(x["inspector"] == county_staff.pk and x["reasons"] == ["same_county"] for x in draw.result["exclusions"])
    shown = [(x["enterprise"].name, x["inspector"]) for x in page.context["exclusions"]]
    assert len(shown) == len(draw.result["exclusions"]) and county_staff in [who for _name, who in shown]
    assert text.count('data-testid="exclusion"') == len(shown)

    # a second run with another seed is refused with a message, nothing changes
    response = client.post(reverse("controls:draw_run", args=[draw.pk]), {"seed": "another"}, follow=True)
    assert any("seed" in str(m) or "种子" in str(m) for m in response.context["messages"])
    assert InspectionDraw.objects.get(pk=draw.pk).seed == "公证-0001"

    fragment = client.get(reverse("controls:draw_verify", args=[draw.pk]), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and fragment.context["verification"]["matches"]
    assert "<html" not in fragment.content.decode() and 'data-testid="verification"' in fragment.content.decode()
    full = client.get(reverse("controls:draw_verify", args=[draw.pk]))
    assert full.status_code == 200 and full.context["verification"]["matches"] and "<html" in full.content.decode()

    inspection = draw.inspections.first()
    inspector = inspection.inspectors.first()
    deadline = TODAY() + datetime.timedelta(days=15)
    as_inspector = login(inspector)
    assert as_inspector.get(reverse("controls:inspection_detail", args=[inspection.pk])).context["form"] is not None
    response = as_inspector.post(reverse("controls:inspection_record", args=[inspection.pk]), {
        "inspected_on": TODAY().isoformat(), "result": "rectify", "summary": "现场检查发现问题一项",
        "files": [SimpleUploadedFile("检查笔录.pdf", PDF)],
        **finding_rows({"text": "未按要求开展监测", "requirement": "补充开展特征污染物监测",
                        "deadline": deadline.isoformat(), "measure": ""})})
    assert response.status_code == 302, response.content.decode()[:2000]
    inspection.refresh_from_db()
    assert inspection.result == "rectify" and inspection.attachments.count() == 1
    rectification = Rectification.objects.get(finding__inspection=inspection)
    assert rectification.deadline == deadline and rectification.task.deadline == deadline

    approver = colleague if inspector != colleague else staff
    page = login(approver).get(reverse("controls:inspection_detail", args=[inspection.pk]))
    assert page.context["can_approve"] and "未按要求开展监测" in page.content.decode()
    assert not login(inspector).get(reverse("controls:inspection_detail", args=[inspection.pk])).context["can_approve"]
    assert login(approver).post(reverse("controls:inspection_approve", args=[inspection.pk])).status_code == 302
    attachment = inspection.attachments.get()
    download = login(approver).get(reverse("controls:inspection_attachment", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF

    response = client.post(reverse("controls:rectification_verify", args=[rectification.pk]), {"note": "复查合格"})
    assert response.status_code == 302 and Rectification.objects.get(pk=rectification.pk).status == "closed"
    assert client.post(reverse("controls:draw_publish", args=[draw.pk])).status_code == 302
    assert Inspection.objects.get(pk=inspection.pk).published
    assert [r["enterprise"] for r in public_inspections(region=regions["city"])] == [inspection.enterprise.name]
    listing = client.get(reverse("controls:draw_list"))
    assert listing.status_code == 200 and "2024年第二批双随机抽查" in listing.content.decode()


def test_errors_in_the_record_form_are_shown_and_nothing_is_saved(users, world):
    staff = users["bureau_staff"]
    draw = drawn(world, staff)
    inspection = draw.inspections.first()
    response = login(staff).post(reverse("controls:inspection_record", args=[inspection.pk]), {
        "inspected_on": TODAY().isoformat(), "result": "rectify",
        "files": [SimpleUploadedFile("照片.gif", b"GIF89a" + b"\x00" * 40)],
        **finding_rows({"text": "问题", "requirement": "整改", "deadline": TODAY().isoformat()})})
    assert response.status_code == 200
    errors = " ".join(map(str, response.context["form"].non_field_errors()))
    assert "照片.gif" in errors and len(response.context["form"].non_field_errors()) == 2  # the file, the deadline
    inspection.refresh_from_db()
    assert inspection.recorded_at is None and not Rectification.objects.exists()


def test_leaders_read_officers_see_only_inspections_they_were_drawn_for(users, world):
    staff, leader, officer = users["bureau_staff"], users["leader"], users["department_officer"]
    draw = drawn(world, staff, pool=[officer, world["city_inspector"]], n_enterprises=2)
    inspection = draw.inspections.first()
    page = login(leader).get(reverse("controls:draw_detail", args=[draw.pk]))
    assert page.status_code == 200 and 'data-testid="publish-draw"' not in page.content.decode()
    assert login(leader).post(reverse("controls:draw_run", args=[draw.pk]), {"seed": "x"}).status_code == 403
    assert login(leader).get(reverse("controls:inspection_detail", args=[inspection.pk])).context["form"] is None
    assert login(leader).post(reverse("controls:inspection_record", args=[inspection.pk])).status_code == 403
    assert login(officer).get(reverse("controls:draw_list")).status_code == 403
    assert login(officer).get(reverse("controls:draw_detail", args=[draw.pk])).status_code == 403
    assert login(officer).get(reverse("controls:inspection_detail", args=[inspection.pk])).status_code == 200
    inspection.inspectors.remove(officer)
    assert login(officer).get(reverse("controls:inspection_detail", args=[inspection.pk])).status_code == 404
    other_province = login(users["county_staff"])  # the county sees the county's enterprises, not the city's draw
    assert other_province.get(reverse("controls:draw_detail", args=[draw.pk])).status_code == 404


def test_drawn_inspectors_are_told_with_a_link_to_their_inspection(users, world, django_capture_on_commit_callbacks):
    from portal.models import Notification

    staff = users["bureau_staff"]
    with django_capture_on_commit_callbacks(execute=True):
        draw = drawn(world, staff, n_enterprises=2, n_inspectors=2)
    for inspection in draw.inspections.prefetch_related("inspectors"):
        link = reverse("controls:inspection_detail", args=[inspection.pk])
        for inspector in inspection.inspectors.all():
            assert Notification.objects.filter(recipient=inspector, link=link).exists()
    assert Notification.objects.filter(link__startswith="/controls/inspections/").count() == 4


def test_published_results_appear_on_the_cached_public_page_at_once(users, world, regions,
                                                                    django_capture_on_commit_callbacks):
    from controls import services

    staff = users["bureau_staff"]
    with django_capture_on_commit_callbacks(execute=True):
        services.controlled_list_publish(actor=staff, clist=world["list"], region=regions["city"])
    url = reverse("public:publication", args=[regions["city"].code, world["list"].pk])
    draw = drawn(world, staff)
    inspection = draw.inspections.select_related("enterprise").first()
    record(inspection, staff, findings=[{"measure": None, "text": "废气收集设施未正常运行", "requirement": "恢复运行",
                                         "deadline": TODAY() + datetime.timedelta(days=10)}])
    services.inspection_approve(actor=world["city_inspector"], inspection=inspection)
    before = Client().get(url).content.decode()  # cached from here on
    assert "废气收集设施未正常运行" not in before and 'data-testid="public-inspections"' not in before
    with django_capture_on_commit_callbacks(execute=True):
        services.draw_publish(actor=staff, draw=draw)
    after = Client().get(url).content.decode()
    assert "废气收集设施未正常运行" in after and 'data-testid="public-inspection"' in after
    names = [u.real_name for u in inspection.inspectors.all()] + [inspection.enterprise.contact_name]
    assert not [n for n in names if n in after.split('data-testid="public-inspections"')[1]]


# ---------------------------------------------------------------- query counts

def grow_list(world, users, start, n):
    for i in range(start, start + n):
        make_draw(world, users["bureau_staff"], title=f"抽查{i}")


def grow_candidates(world, regions, n):
    for i in range(n):
        add_enterprise(world["list"], regions["county" if i % 2 else "sibling"], 100 + i, entries=[1, 2])


def measure(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_the_draw_list_issues_a_fixed_number_of_queries(users, world):
    client, url = login(users["bureau_staff"]), reverse("controls:draw_list")
    grow_list(world, users, 0, 2)
    few = measure(client, url)
    grow_list(world, users, 2, 18)
    assert (few, measure(client, url)) == (DRAW_LIST, DRAW_LIST)


def test_the_draw_page_issues_a_fixed_number_of_queries(users, world, regions):
    client = login(users["bureau_staff"])
    small = drawn(world, users["bureau_staff"], n_enterprises=2, exclude_same_county=True)
    grow_candidates(world, regions, 18)
    large = drawn(world, users["bureau_staff"], n_enterprises=20, exclude_same_county=True, seed="大")
    counts = [measure(client, reverse("controls:draw_detail", args=[d.pk])) for d in (small, large)]
    assert len(large.result["exclusions"]) > len(small.result["exclusions"])
    assert counts == [DRAW_DETAIL, DRAW_DETAIL]


def test_the_inspection_page_issues_a_fixed_number_of_queries(users, world):
    staff = users["bureau_staff"]
    draw = drawn(world, staff)
    inspections = [*draw.inspections.order_by("pk")]
    counts = []
    for inspection, n in ((inspections[0], 2), (inspections[1], 20)):
        findings = [{"measure": None, "text": f"问题{i}", "requirement": f"整改{i}",
                     "deadline": TODAY() + datetime.timedelta(days=10 + i)} for i in range(n)]
        files = [SimpleUploadedFile(f"附件{i}.pdf", PDF) for i in range(n)]
        record(inspection, staff, findings=findings, files=files)
        counts.append(measure(login(world["city_inspector"]), reverse("controls:inspection_detail",
                                                                      args=[inspection.pk])))
    form_page = measure(login(staff), reverse("controls:inspection_detail", args=[inspections[2].pk]))
    assert counts == [INSPECTION_DETAIL, INSPECTION_DETAIL] and form_page == INSPECTION_FORM


DRAW_LIST, DRAW_DETAIL, INSPECTION_DETAIL, INSPECTION_FORM = 10, 12, 13, 15
