"""The reference lists loader: the national 2023 key-controlled list and the priority-controlled chemicals."""
import csv
import datetime

import pytest

from controls.choices import ListKind, MeasureType
from controls.models import ControlEntry, ControlList, ControlMeasure, EntrySubstance
from controls.services import FIXTURES_DIR, PRIORITY_CSV, reference_lists_load
from inventory.identifiers import cas_normalise
from inventory.models import Substance

pytestmark = pytest.mark.django_db

PFOS_CAS = {"1763-23-1", "307-35-7", "2795-39-3", "29457-72-5", "29081-56-9", "70225-14-8", "56773-42-3",
            "251099-16-8"}


@pytest.fixture
def loaded(db):
    return reference_lists_load()


@pytest.fixture
def key_list(loaded):
    return ControlList.objects.get(kind=ListKind.NATIONAL_KEY)


def test_loader_gives_one_national_list_of_14_entries_under_order_28(key_list):
    assert ControlList.objects.filter(kind=ListKind.NATIONAL_KEY).count() == 1
    assert key_list.entries.count() == 14
    assert key_list.effective_on == datetime.date(2023, 3, 1)
    assert key_list.doc_number == "生态环境部等6部门令第28号"
    assert key_list.region is None and key_list.edition == "2023年版" and key_list.status == "in_force"


def test_pfos_entry_has_its_8_cas_numbers_exemption_and_trade_ban(key_list):
    pfos = key_list.entries.get(number=1)
    assert set(pfos.entry_substances.values_list("cas", flat=True)) == PFOS_CAS
    assert pfos.is_group and pfos.category == "pop" and pfos.verified
    exemption = pfos.measures.get(type=MeasureType.EXEMPTION)
    assert exemption.ends_on == datetime.date(2023, 12, 31)
    assert "灭火泡沫" in exemption.scope
    assert pfos.measures.get(type=MeasureType.BAN_TRADE).effective_on == datetime.date(2024, 1, 1)
    assert {m.type for m in pfos.measures.all()} >= {MeasureType.BAN_PRODUCTION, MeasureType.BAN_USE,
                                                     MeasureType.CLEAN_PRODUCTION, MeasureType.HAZARDOUS_WASTE}
    assert all(m.verified for m in pfos.measures.all())


@pytest.mark.parametrize("number", [3, 4])
def test_decabde_and_sccp_exemptions_end_on_2023_12_31(key_list, number):
    entry = key_list.entries.get(number=number)
    assert list(entry.measures.filter(type=MeasureType.EXEMPTION).values_list("ends_on", flat=True)) == [
        datetime.date(2023, 12, 31)]
    assert {MeasureType.BAN_PRODUCTION, MeasureType.BAN_USE, MeasureType.BAN_TRADE} <= set(
        entry.measures.values_list("type", flat=True))


def test_pfoa_measures_are_verified_but_its_exemption_dates_are_to_confirm(key_list):
    pfoa = key_list.entries.get(number=2)
    assert not pfoa.verified and "豁免期限" in pfoa.to_confirm
    assert pfoa.measures.exists() and not pfoa.measures.filter(type=MeasureType.EXEMPTION).exists()


def test_entries_7_to_13_are_marked_to_confirm_and_carry_no_verified_measure(key_list):
    for entry in key_list.entries.filter(number__range=(7, 13)):
        assert not entry.verified, entry
        assert entry.to_confirm.startswith("待核实："), entry
        assert not entry.measures.filter(verified=True).exists(), entry


def test_categories_follow_the_draft_classes(key_list):
    got = dict(key_list.entries.values_list("number", "category"))
    assert got == {**{n: "pop" for n in range(1, 10)}, 10: "toxic", 11: "toxic", 12: "edc", 13: "antibiotic",
                   14: "phased_out"}


def test_priority_lists_have_the_batches_of_the_csv(loaded):
    with (FIXTURES_DIR / PRIORITY_CSV).open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    batch1 = ControlList.objects.get(kind=ListKind.PRIORITY, edition="第一批")
    batch2 = ControlList.objects.get(kind=ListKind.PRIORITY, edition="第二批")
    assert batch1.entries.count() == sum(r["batch"] == "1" for r in rows) == 22
    assert batch2.entries.count() == sum(r["batch"] == "2" for r in rows) == 18
    assert (batch1.year, batch1.doc_number) == (2017, "公告2017年第83号")
    assert batch2.year == 2020
    unverified = batch1.entries.filter(verified=False)
    assert set(unverified.values_list("code", flat=True)) == {"PC021", "PC022"}
    assert all(e.to_confirm == "待核实：CAS号或名称未经核实" for e in unverified)
    assert batch1.entries.get(code="PC005").entry_substances.count() == 6


def test_every_cas_is_canonical_and_single_substances_are_in_the_directory(loaded):
    for cas in EntrySubstance.objects.values_list("cas", flat=True):
        assert cas_normalise(cas) == cas
    dcm = ControlEntry.objects.get(list__kind=ListKind.NATIONAL_KEY, number=10)
    assert dcm.entry_substances.get().substance == Substance.objects.get(cas="75-09-2")


def test_loader_links_an_existing_substance_and_keeps_its_name(inventory):
    reference_lists_load()
    pfos = ControlEntry.objects.get(list__kind=ListKind.NATIONAL_KEY, number=1)
    assert pfos.entry_substances.get(cas="1763-23-1").substance == inventory["pfos"]
    assert pfos.group == inventory["group"]
    assert Substance.objects.get(cas="75-09-2").name_zh == "二氯甲烷"


def test_second_run_creates_and_changes_nothing(loaded):
    tables = (ControlList, ControlEntry, ControlMeasure, EntrySubstance, Substance)
    before = {model: list(model.objects.order_by("pk").values()) for model in tables}
    again = reference_lists_load()
    totals = ("lists", "entries", "measures", "cas", "to_confirm")
    assert {k: again[k] for k in totals} == {k: loaded[k] for k in totals}
    assert loaded["lists"] == 3 and loaded["entries"] == 14 + 40
    assert not any(again.get(f"{k}_created") for k in ("lists", "entries", "measures", "cas", "substances"))
    assert not again.get("linked")
    after = {model: list(model.objects.order_by("pk").values()) for model in tables}
    assert after == before


def test_load_reference_command_prints_the_lists_summary(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("load_reference", stdout=out)
    assert "管控清单 3 个（新建 3）、条目 54 条（新建 54）" in out.getvalue()
