"""Substances and enterprises through the services: identifiers normalised, bad ones refused with the
reason, a legacy credit code kept only by explicit, audited confirmation, region scope enforced."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from inventory.models import Enterprise, Industry, Substance
from inventory.services import enterprise_save, substance_upsert
from portal.models import AuditEvent


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def industry(db):
    c = Industry.objects.create(code="C", name="制造业", level="section", section="C")
    d = Industry.objects.create(code="26", name="化学原料和化学制品制造业", level="division", parent=c, section="C")
    g = Industry.objects.create(code="261", name="基础化学原料制造", level="group", parent=d, section="C")
    return Industry.objects.create(code="2614", name="有机化学原料制造", level="class", parent=g, section="C")


def test_substance_by_cas_with_or_without_hyphens_is_one_substance(users):
    first, created = substance_upsert(actor=users["bureau_staff"], cas="75092", name_zh="二氯甲烷")
    again, created_again = substance_upsert(actor=users["bureau_staff"], cas="７５－０９－２", name_zh="二氯甲烷",
                                            name_en="Dichloromethane")
    assert (created, created_again) == (True, False) and first.pk == again.pk and again.cas == "75-09-2"
    assert AuditEvent.objects.filter(action="substance.update", object_id=str(first.pk)).get().before["name_en"] == ""


def test_wrong_cas_is_refused_with_the_right_digit_and_nothing_saved(users):
    with pytest.raises(ValidationError) as error:
        substance_upsert(actor=users["bureau_staff"], cas="75-09-3", name_zh="二氯甲烷")
    assert "75-09-2" in str(error.value)
    assert not Substance.objects.exists()


def test_enterprise_with_valid_code(users, regions, industry):
    e = enterprise_save(actor=users["bureau_staff"], credit_code="91110000600037341L", name="某化工有限公司",
                        region=regions["county"], industry_code="2614")
    assert e.industry == industry and not e.credit_code_override


def test_legacy_credit_code_needs_confirmation_which_is_audited(users, regions):
    legacy = "91350100M0001TGQXM"
    with pytest.raises(ValidationError) as error:
        enterprise_save(actor=users["bureau_staff"], credit_code=legacy, name="早期企业", region=regions["city"])
    assert "确认" in str(error.value)
    assert not Enterprise.objects.exists()
    e = enterprise_save(actor=users["bureau_staff"], credit_code=legacy, name="早期企业", region=regions["city"],
                        confirm_legacy_code=True)
    assert e.credit_code_override
    assert AuditEvent.objects.get(action="enterprise.create").detail == "用户已确认早期统一社会信用代码"


def test_unknown_industry_code_and_forbidden_letters_are_named(users, regions, industry):
    with pytest.raises(ValidationError) as error:
        enterprise_save(actor=users["bureau_staff"], credit_code="91110000600O37341L", name="某公司",
                        region=regions["city"], industry_code="2699")
    messages = error.value.message_dict
    assert "O" in messages["credit_code"][0] and "2699" in messages["industry"][0]
    assert not Enterprise.objects.exists()


def test_county_staff_cannot_register_an_enterprise_in_a_sibling_county(users, regions):
    with pytest.raises(PermissionDenied):
        enterprise_save(actor=users["county_staff"], credit_code="91110000600037341L", name="某公司",
                        region=regions["sibling"])
    with pytest.raises(PermissionDenied):
        enterprise_save(actor=users["department_officer"], credit_code="91110000600037341L", name="某公司",
                        region=regions["city"])


def test_industry_reference_table_loads_all_four_levels_twice_without_change(db):
    from inventory.services import industries_load

    first = industries_load()
    assert industries_load() == first
    counts = {level: Industry.objects.filter(level=level).count() for level in ("section", "division", "group", "class")}
    assert counts["section"] == 20 and counts["division"] == 97 and counts["group"] == 473
    assert counts["class"] >= 1380
    assert str(Industry.objects.get(code="2614")) == "2614 有机化学原料制造"
    assert Industry.objects.get(code="2614").parent.parent.code == "26"
