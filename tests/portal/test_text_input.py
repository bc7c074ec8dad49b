"""Control characters and invisible formatting characters (zero-width spaces, bidi overrides, the byte-order
mark) are refused in typed text — every form and API text field —, removed from imported cells and plan
text, so that no two names differ only by a character nobody can see."""
import io

import openpyxl
import pytest
from django import forms
from django.urls import reverse
from rest_framework import serializers

from inventory.models import Enterprise
from inventory.sheets import read_csv, read_xlsx
from portal import permissions as perms
from portal.models import AuditEvent
from tasks.parser import parse_plan

NEW_CODE = "91140602MA0K00002A"


def _enterprise_payload(regions, name):
    return {"credit_code": NEW_CODE, "name": name, "region": regions["county"].code, "confirm_legacy_code": True}


@pytest.mark.parametrize(("char", "code"), [("\u200b", "U+200B"), ("\u202e", "U+202E"), ("\ufeff", "U+FEFF"),
                                            ("\u2066", "U+2066"), ("\x01", "U+0001"), ("\n", "U+000A")])
def test_the_api_refuses_a_copy_of_an_enterprise_name_with_an_invisible_character_naming_the_field(
        api, inventory, regions, char, code):
    existing = inventory["enterprise"].name
    before = Enterprise.objects.count()
    look_alike = existing[:2] + char + existing[2:]
    response = api(perms.BUREAU_STAFF).post("/api/v1/inventory/enterprises/",
                                            _enterprise_payload(regions, look_alike), format="json")
    assert response.status_code == 400
    message = response.json()["name"][0]
    assert code in message and "删除" in message
    assert Enterprise.objects.count() == before
    assert not AuditEvent.objects.filter(action="enterprise.create").exists()


def test_the_enterprise_form_refuses_control_characters_in_the_name(client_for, inventory, regions):
    response = client_for(perms.BUREAU_STAFF).post(reverse("inventory:enterprise_create"), {
        "credit_code": NEW_CODE, "name": "CTRL\u0001\b企业", "region": regions["county"].pk,
        "confirm_legacy_code": "on"})
    assert response.status_code == 200
    errors = response.context["form"].errors["name"]
    assert "U+0001" in errors[0] and "名称" in errors[0]
    assert not Enterprise.objects.filter(credit_code=NEW_CODE).exists()
    # The same name without the control characters is saved.
    client_for(perms.BUREAU_STAFF).post(reverse("inventory:enterprise_create"), {
        "credit_code": NEW_CODE, "name": "CTRL企业", "region": regions["county"].pk, "confirm_legacy_code": "on"})
    assert Enterprise.objects.filter(credit_code=NEW_CODE, name="CTRL企业").exists()


def test_multi_line_text_keeps_tabs_and_line_breaks_but_not_other_control_characters():
    """Text areas, and fields without a name's length limit (notes, reasons), are multi-line."""
    textarea = forms.CharField(widget=forms.Textarea)
    assert textarea.clean("第一行\n\t第二行") == "第一行\n\t第二行"
    with pytest.raises(forms.ValidationError):
        textarea.clean("第一行\x07")
    with pytest.raises(forms.ValidationError):
        forms.CharField(max_length=255).clean("第一行\n第二行")
    assert forms.CharField(max_length=500).clean("备注第一行\n第二行") == "备注第一行\n第二行"
    multi = serializers.CharField(style={"base_template": "textarea.html"})
    assert multi.run_validation("第一行\r\n第二行") == "第一行\r\n第二行"
    with pytest.raises(serializers.ValidationError):
        multi.run_validation("第一行\u200d第二行")
    with pytest.raises(serializers.ValidationError):
        serializers.CharField(max_length=255).run_validation("单行\t文字")


def test_imported_cells_lose_control_and_invisible_characters():
    data = "统一社会信用代码,名称\n91110000600037341L,某\u200b化工\u202e有限\x01公司\ufeff\n".encode()
    assert read_csv(data).rows[0][1][1] == "某化工有限公司"
    workbook = openpyxl.Workbook()
    workbook.active.append(["统一社会信用代码", "名称"])
    workbook.active.append(["91110000600037341L", "某\u200b化工\u2066有限公司\u2069"])
    out = io.BytesIO()
    workbook.save(out)
    assert read_xlsx(out.getvalue()).rows[0][1][1] == "某化工有限公司"


def test_plan_text_loses_bidi_overrides_and_control_characters():
    plan = parse_plan("一、主要任务\n（一）开展调查。按要求开展化学物质\u202e环境\x01信息调查。（牵头单位：市生态环境局）")
    texts = " ".join(t.text for t in plan.tasks)
    assert "化学物质环境信息调查" in texts
    assert "\u202e" not in texts and "\x01" not in texts
