"""The audit trail: append-only at the database, searchable and exportable by the audit administrator."""
import io

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from portal.models import AuditEvent
from portal.services import audit_record, user_update


@pytest.fixture
def event(users):
    return audit_record(actor=users["bureau_staff"], action="test.event", detail="=HYPERLINK(\"http://x\")")


def test_update_of_an_audit_event_is_rejected_by_the_database(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(detail="changed")
    assert AuditEvent.objects.get(pk=event.pk).detail.startswith("=HYPERLINK")


def test_delete_of_an_audit_event_is_rejected_by_the_database(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_change_through_a_service_records_before_and_after_in_the_same_transaction(users):
    target = users["leader"]
    user_update(actor=users["system_admin"], user=target, real_name="赵局长")
    event = AuditEvent.objects.get(action="user.update")
    assert event.before["real_name"] != "赵局长" and event.after["real_name"] == "赵局长"
    assert event.actor == users["system_admin"] and event.object_id == str(target.pk)


def test_failed_service_leaves_neither_change_nor_audit_event(users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        user_update(actor=users["system_admin"], user=users["leader"], phone="not a phone")
    users["leader"].refresh_from_db()
    assert users["leader"].phone == "13812345678"
    assert not AuditEvent.objects.filter(action="user.update").exists()


def test_audit_page_searches_by_account_and_action(users, event):
    audit_record(actor=users["leader"], action="other.event")
    client = Client()
    client.force_login(users["audit_admin"])
    page = client.get(reverse("portal:audit_list"), {"q": "bureau_staff"}).content.decode()
    assert "test.event" in page and "other.event" not in page
    page = client.get(reverse("portal:audit_list"), {"action": "other"}).content.decode()
    assert "other.event" in page and "test.event" not in page


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_protects_against_formula_injection_and_is_itself_audited(users, event, fmt):
    client = Client()
    client.force_login(users["audit_admin"])
    response = client.get(reverse("portal:audit_export"), {"format": fmt, "action": "test."})
    assert response.status_code == 200
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        detail_column = rows[0].index("详情") if "详情" in rows[0] else 8
        assert rows[1][detail_column] == "'=HYPERLINK(\"http://x\")"
        assert len(rows) == 2
    else:
        text = response.content.decode("utf-8-sig")
        assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    assert AuditEvent.objects.filter(action="audit.export", actor=users["audit_admin"]).exists()
