"""Managing and publishing the controlled-enterprise list: confirm, add with evidence, remove with a reason,
implementation status by the responsible department, dated publications holding only public fields, and the
public page (no login) that shows them — cached, invalidated on publication, rate-limited, never leaking
contacts, quantities or unpublished data."""
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from controls import selectors, services
from controls.choices import MeasureType
from controls.models import ControlledEnterprise, ControlList
from portal.models import AuditEvent
from tests.factories import ActionPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(db, inventory):
    services.reference_lists_load()
    return ControlList.objects.get(kind="national_key")


@pytest.fixture
def listed(users, inventory, national):
    report = inventory["report"]
    report.state = "accepted"
    report.save()
    report.lines.create(substance=inventory["pfos"], raw_name="PFOS", raw_cas="1763-23-1", activity="use",
                        quantity=Decimal("2.5"))
    services.controlled_enterprises_derive(actor=None, clist=national)
    return ControlledEnterprise.objects.get(list=national, enterprise=inventory["enterprise"])


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_removing_needs_a_reason_and_is_kept_with_who_and_when(users, listed):
    staff = users["bureau_staff"]
    with pytest.raises(ValidationError) as exc:
        services.controlled_enterprise_decide(actor=staff, controlled=listed, action="remove", reason="  ")
    assert "reason" in exc.value.message_dict
    listed.refresh_from_db()
    assert listed.status == "derived"
    services.controlled_enterprise_decide(actor=staff, controlled=listed, action="remove", reason="已停产并注销")
    listed.refresh_from_db()
    assert (listed.status, listed.removed_reason, listed.decided_by) == ("removed", "已停产并注销", staff)
    with pytest.raises(ValidationError):
        services.controlled_enterprise_decide(actor=staff, controlled=listed, action="confirm")
    services.controlled_enterprise_decide(actor=staff, controlled=listed, action="restore")
    listed.refresh_from_db()
    assert listed.status == "confirmed" and listed.removed_reason == ""
    assert AuditEvent.objects.filter(action="controlled.remove", object_id=str(listed.pk)).exists()
    with pytest.raises(PermissionDenied):
        services.controlled_enterprise_decide(actor=users["leader"], controlled=listed, action="confirm")

def test_county_staff_cannot_decide_on_another_countys_enterprise(users, inventory, listed):
    other = ControlledEnterprise.objects.create(list=listed.list, enterprise=inventory["other_enterprise"])
    with pytest.raises(PermissionDenied):
        services.controlled_enterprise_decide(actor=users["county_staff"], controlled=other, action="confirm")
    services.controlled_enterprise_decide(actor=users["county_staff"], controlled=listed, action="confirm")


def test_adding_by_hand_needs_evidence_and_entries_and_survives_recomputation(users, inventory, national):
    staff = users["bureau_staff"]
    enterprise = inventory["other_enterprise"]
    with pytest.raises(ValidationError) as exc:
        services.controlled_enterprise_add(actor=staff, clist=national, enterprise=enterprise, entries=[], evidence="")
    assert set(exc.value.message_dict) == {"entries", "evidence"}
    with pytest.raises(ValidationError) as exc:
        services.controlled_enterprise_add(actor=staff, clist=national, enterprise=enterprise, entries=[99],
                                           evidence="排污许可证")
    assert "99" in exc.value.message_dict["entries"][0]
    added = services.controlled_enterprise_add(actor=staff, clist=national, enterprise=enterprise, entries=[1],
                                               evidence="排污许可证载明使用PFOS类")
    assert added.status == "added" and services.applicable_entries(added) == {1}
    services.controlled_enterprises_derive(actor=None, clist=national)
    added.refresh_from_db()
    assert added.status == "added" and added.basis == {"manual": [1]}
    with pytest.raises(ValidationError) as exc:
        services.controlled_enterprise_add(actor=staff, clist=national, enterprise=enterprise, entries=[1],
                                           evidence="again")
    assert "enterprise" in exc.value.message_dict


def test_the_responsible_department_updates_implementation_status_others_cannot(users, departments, regions,
                                                                              national, listed):
    pfos = national.entries.get(number=1)
    ban = pfos.measures.filter(type=MeasureType.BAN_USE).first() or pfos.measures.first()
    officer = users["department_officer"]  # 市农业农村局
    with pytest.raises(PermissionDenied):
        services.controlled_measure_status_set(actor=officer, controlled=listed, measure=ban, status="replaced")
    plan = ActionPlanFactory(region=regions["city"])
    dated = pfos.measures.filter(ends_on__isnull=False).first()
    services.measure_task_create(actor=users["bureau_staff"], measure=dated, plan=plan,
                                 departments=[departments["agri"]])
    row = services.controlled_measure_status_set(actor=officer, controlled=listed, measure=dated, status="replaced",
                                                 note="已改用无氟泡沫")
    assert row.status == "replaced" and row.updated_by == officer
    with pytest.raises(ValidationError) as exc:
        services.controlled_measure_status_set(actor=officer, controlled=listed, measure=dated, status="rectifying")
    assert "note" in exc.value.message_dict
    dcm_measure = national.entries.get(number=10).measures.create(type=MeasureType.CONTENT_LIMIT)
    other_entry = national.entries.exclude(number__in=services.applicable_entries(listed)).first()
    foreign = other_entry.measures.create(type=MeasureType.MONITORING)
    with pytest.raises(ValidationError) as exc:
        services.controlled_measure_status_set(actor=users["bureau_staff"], controlled=listed, measure=foreign,
                                               status="replaced")
    assert "measure" in exc.value.message_dict
    assert dcm_measure.pk
    with pytest.raises(PermissionDenied):
        services.controlled_measure_status_set(actor=users["leader"], controlled=listed, measure=dated,
                                               status="stopped")


def test_publication_holds_only_public_fields_and_the_diff_since_the_last_one(users, regions, inventory, national,
                                                                             listed):
    staff = users["bureau_staff"]
    assert selectors.publication_changes(clist=national, region=regions["city"], last=None)["count"] == 1
    first = services.controlled_list_publish(actor=staff, clist=national, region=regions["city"], note="首次公布")
    (row,) = first.snapshot["enterprises"]
    assert set(row) == {"name", "credit_code", "region", "region_code", "entries", "measures"}
    assert row["name"] == inventory["enterprise"].name and [e["number"] for e in row["entries"]] == [1, 10]
    assert "禁止生产" in row["measures"] or row["measures"]
    services.controlled_enterprise_decide(actor=staff, controlled=listed, action="remove", reason="已停产")
    changes = selectors.publication_changes(clist=national, region=regions["city"], last=first)
    assert [r["name"] for r in changes["removed"]] == [inventory["enterprise"].name] and changes["count"] == 0
    second = services.controlled_list_publish(actor=staff, clist=national, region=regions["city"])
    assert second.number == 2 and second.snapshot["enterprises"] == []
    with pytest.raises(PermissionDenied):
        services.controlled_list_publish(actor=users["leader"], clist=national, region=regions["city"])
    with pytest.raises(PermissionDenied):
        services.controlled_list_publish(actor=users["county_staff"], clist=national, region=regions["city"])


def _public(path, **params):
    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(path, params)


def test_the_public_page_needs_no_login_and_shows_nothing_private(users, regions, inventory, national, listed,
                                                                  django_capture_on_commit_callbacks):
    enterprise = inventory["enterprise"]
    url = reverse("public:publication", args=[regions["city"].code, national.pk])
    assert _public(url).status_code == 404  # nothing published yet
    with django_capture_on_commit_callbacks(execute=True):
        services.controlled_list_publish(actor=users["bureau_staff"], clist=national, region=regions["city"])
    page = _public(url)
    text = page.content.decode()
    assert page.status_code == 200 and enterprise.name in text and enterprise.credit_code in text
    assert enterprise.contact_name not in text and enterprise.contact_phone not in text
    assert "2.5" not in text and "吨" not in text  # no quantities
    probe = _public(url, fields="contact_phone,contact_name")
    assert enterprise.contact_phone not in probe.content.decode() and "public-row" in probe.content.decode()
    by_phone = _public(url, q=enterprise.contact_phone).content.decode()  # contacts are not even searchable
    assert 'data-testid="public-row"' not in by_phone and enterprise.name not in by_phone
    assert _public(url, version="9").status_code == 404
    assert _public(url, version="x").status_code == 404
    assert _public(reverse("public:publication", args=[regions["county"].code, national.pk])).status_code == 404
    index = _public(reverse("public:index"))
    assert index.status_code == 200 and national.name in index.content.decode()
    download = _public(reverse("public:download", args=[regions["city"].code, national.pk]))
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_public_page_is_cached_and_a_new_publication_shows_at_once(users, regions, inventory, national, listed,
                                                                       django_capture_on_commit_callbacks,
                                                                       django_assert_num_queries):
    url = reverse("public:publication", args=[regions["city"].code, national.pk])
    with django_capture_on_commit_callbacks(execute=True):
        services.controlled_list_publish(actor=users["bureau_staff"], clist=national, region=regions["city"])
    assert inventory["enterprise"].name in _public(url).content.decode()
    with django_assert_num_queries(0):
        assert _public(url).status_code == 200  # served from the cache
    services.controlled_enterprise_decide(actor=users["bureau_staff"], controlled=listed, action="remove",
                                          reason="已停产")
    assert inventory["enterprise"].name in _public(url).content.decode()  # still the published version
    with django_capture_on_commit_callbacks(execute=True):
        services.controlled_list_publish(actor=users["bureau_staff"], clist=national, region=regions["city"])
    text = _public(url).content.decode()
    assert inventory["enterprise"].name not in text
    assert inventory["enterprise"].name in _public(url, version="1").content.decode()


def test_the_public_page_is_rate_limited_per_address(settings, users, regions, national, listed,
                                                     django_capture_on_commit_callbacks):
    settings.PORTAL_PUBLIC_RATE_LIMIT = 3
    url = reverse("public:index")
    client = Client(REMOTE_ADDR="10.9.8.7")
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert "请稍候" in client.get(url).content.decode() or client.get(url).status_code == 429
    assert Client(REMOTE_ADDR="10.9.8.8").get(url).status_code == 200  # another address is not affected


def test_publication_downloads_xlsx_and_pdf_for_staff(users, regions, national, listed):
    publication = services.controlled_list_publish(actor=users["bureau_staff"], clist=national, region=regions["city"])
    client = Client()
    client.force_login(users["leader"])
    xlsx = client.get(reverse("controls:publication_download", args=[publication.pk, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = client.get(reverse("controls:publication_download", args=[publication.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert client.get(reverse("controls:publication_download", args=[publication.pk, "exe"])).status_code == 404
