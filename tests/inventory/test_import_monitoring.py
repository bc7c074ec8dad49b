"""Importing monitoring results: sites found by code or created from the row, one sampling per site and
day, dates as Excel serials or text, detection derived from the detection limit, numbers without
units; keyed by (site, date, substance), all or nothing, region scope enforced."""
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from inventory.importers import IMPORT_KINDS, MONITORING_COLUMNS
from inventory.models import ImportRecord, MonitoringResult, MonitoringSite, SamplingEvent
from inventory.sheets import SheetError, read_table
from portal.models import AuditEvent

HEADERS = [c.header for c in MONITORING_COLUMNS]
KIND = IMPORT_KINDS["monitoring_results"]


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def sheet(*rows, headers=HEADERS):
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def row(**kw):
    values = {"点位编码": "SZ-W-001", "采样日期": "2023-07-01", "CAS号": "1763-23-1", "浓度": 0.012, "单位": "μg/L",
              "检出限": 0.001}
    values.update(kw)
    return [values.get(h, "") for h in HEADERS]


NEW_SITE = {"点位编码": "SZ-G-009", "点位名称": "朔城区地下水监测井", "行政区划代码": "140602", "介质": "地下水",
            "点位类型": "重点区域"}


def check(data, users, who="county_staff"):
    return KIND.check(read_table(data, "监测.xlsx"), actor=users[who])


def commit(data, checked, users, who="county_staff"):
    return KIND.commit(actor=users[who], campaign=None, checked=checked, file_name="监测.xlsx", data=data)


def by_row(checked, number):
    return [(e.column, e.code) for e in checked.errors if e.row == number]


def test_results_of_known_and_new_sites_import_and_reimporting_changes_nothing(users, inventory):
    data = sheet(
        row(),                                                               # the fixture's result, unchanged
        row(CAS号="75-09-2", 浓度="", 检出限=0.5),                           # same sampling, not detected
        row(**NEW_SITE, 采样日期=45108, CAS号="1763-23-1", 浓度=0.3),        # Excel serial 45108 = 2023-07-01
        row(点位编码="SZ-G-009", 采样日期="2023年8月2日", CAS号="１７６３－２３－１", 浓度="未检出", 检出限=""),
        row(点位编码="SZ-G-009", 采样日期="2023/8/2", CAS号="75092", 浓度="<0.02", 检出限=""),
    )
    checked = check(data, users)
    assert checked.ok, checked.errors
    assert (len(checked.new), len(checked.changed), checked.unchanged) == (4, 0, 1)
    record = commit(data, checked, users)
    assert (record.kind, record.created) == ("monitoring_results", 4)
    site = MonitoringSite.objects.get(code="SZ-G-009")
    assert (site.name, site.region.code, site.medium, site.site_type) == (
        "朔城区地下水监测井", "140602", "groundwater", "key_area")
    assert sorted(SamplingEvent.objects.filter(site=site).values_list("sampled_on", flat=True)) == [
        datetime.date(2023, 7, 1), datetime.date(2023, 8, 2)]
    assert SamplingEvent.objects.filter(site=inventory["site"]).count() == 1      # one sampling per site and day
    dcm = MonitoringResult.objects.get(sampling=inventory["sampling"], substance=inventory["dcm"])
    assert dcm.concentration is None and dcm.detection_limit == Decimal("0.5") and not dcm.detected
    august = MonitoringResult.objects.filter(sampling__site=site, sampling__sampled_on=datetime.date(2023, 8, 2))
    assert {(r.substance.cas, r.detected, r.detection_limit) for r in august} == {
        ("1763-23-1", False, None), ("75-09-2", False, Decimal("0.02"))}
    assert MonitoringResult.objects.get(sampling__site=site, sampling__sampled_on=datetime.date(2023, 7, 1)).detected

    again = check(data, users)
    assert (len(again.new), len(again.changed), again.unchanged) == (0, 0, 5)
    commit(data, again, users)
    assert MonitoringResult.objects.count() == 5 and MonitoringSite.objects.count() == 2
    assert AuditEvent.objects.filter(action="import.monitoring_results").count() == 2


def test_a_changed_result_is_updated_and_its_old_values_recorded(users, inventory):
    data = sheet(row(浓度=0.02, 是否检出="是"))
    checked = check(data, users)
    [(line, diff)] = checked.changed
    assert diff == {"concentration": (Decimal("0.012"), Decimal("0.02"))}
    assert checked.preview_rows()[0]["key"] == "SZ-W-001 · 2023-07-01 · 1763-23-1"
    record = commit(data, checked, users)
    inventory["result"].refresh_from_db()
    assert inventory["result"].concentration == Decimal("0.02")
    assert record.overwritten == [{"id": inventory["result"].pk, "key": "SZ-W-001 · 2023-07-01 · 1763-23-1",
                                   "field": "concentration", "before": "0.012000", "after": "0.020000"}]


def test_bad_rows_are_named_and_nothing_is_written(users, inventory):
    data = sheet(
        row(采样日期="2023-07-02", 浓度="12mg/L"),                          # row 2: unit in the number cell
        row(采样日期="2023-07-03", CAS号="75-09-2", 浓度=-1),               # row 3: negative
        row(采样日期="2023-07-04", CAS号="50-00-0"),                        # row 4: not in the inventory
        row(采样日期="2023-07-05", CAS号="1763-23-2"),                      # row 5: wrong check digit
        row(采样日期="七月一日"),                                           # row 6: not a date
        row(采样日期=(datetime.date.today() + datetime.timedelta(days=3)).isoformat()),  # row 7: future
        row(点位编码="SZ-X-404"),                                           # row 8: unknown site, no details
        row(**{**NEW_SITE, "点位编码": "SZ-X-405", "介质": ""}),            # row 9: new site without medium
        row(**{**NEW_SITE, "点位编码": "SZ-X-406", "介质": "海水"}),        # row 10: unknown medium
        row(采样日期="2023-07-06", 单位=""),                                # row 11: unit missing
        row(采样日期="2023-07-02", CAS号="１７６３２３１", 浓度=0.5),        # row 12: duplicates row 2's key
        row(采样日期="2023-07-07", 是否检出="可能"),                        # row 13: not 是/否
    )
    checked = check(data, users)
    assert by_row(checked, 2) == [("浓度", "unit_in_number")]
    assert by_row(checked, 3) == [("浓度", "negative")]
    assert by_row(checked, 4) == [("CAS号", "unknown_substance")]
    assert by_row(checked, 5) == [("CAS号", "cas_check")]
    assert by_row(checked, 6) == [("采样日期", "not_date")]
    assert by_row(checked, 7) == [("采样日期", "future")]
    assert by_row(checked, 8) == [("点位编码", "unknown_site")]
    assert by_row(checked, 9) == [("介质", "required")]
    assert by_row(checked, 10) == [("介质", "unknown_medium")]
    assert by_row(checked, 11) == [("单位", "required")]
    assert by_row(checked, 12) == [("CAS号", "duplicate")]
    assert by_row(checked, 13) == [("是否检出", "not_yes_no")]
    assert "12mg/L" in next(e.message for e in checked.errors if e.row == 2)
    with pytest.raises(ValidationError):
        commit(data, checked, users)
    assert MonitoringResult.objects.count() == 1 and MonitoringSite.objects.count() == 1
    assert SamplingEvent.objects.count() == 1 and not ImportRecord.objects.exists()


def test_duplicate_keys_in_one_file_name_both_rows(users, inventory):
    data = sheet(row(), row(CAS号="１７６３２３１", 采样日期=45108, 浓度=0.5))
    checked = check(data, users)
    [error] = checked.errors
    assert (error.row, error.column, error.code) == (3, "CAS号", "duplicate") and "2" in error.message


def test_detection_follows_the_detection_limit_when_not_given(users, inventory):
    data = sheet(row(浓度=0.0005, 检出限=0.001),
                 row(CAS号="75-09-2", 浓度=0.001, 检出限=0.001),
                 row(采样日期="2023-07-02", 浓度=0.2, 检出限=""))
    checked = check(data, users)
    assert checked.ok
    assert [line.detected for line, _diff in checked.changed] == [False]
    assert [line.detected for line in checked.new] == [True, True]
    flagged = check(sheet(row(浓度=0.0005, 检出限=0.001, 是否检出="是")), users)
    assert [(w.column, w.code) for w in flagged.warnings] == [("是否检出", "detected_below_limit")]


def test_sites_outside_the_users_region_are_errors(users, inventory, regions):
    MonitoringSite.objects.create(code="PL-W-001", name="平鲁断面", region=regions["sibling"], medium="surface_water",
                                  site_type="key_area")
    data = sheet(row(点位编码="PL-W-001"),                                   # an existing site in the sibling county
                 row(**{**NEW_SITE, "行政区划代码": "140603"}))              # a new site there
    checked = check(data, users)
    assert by_row(checked, 2) == [("点位编码", "out_of_scope")]
    assert by_row(checked, 3) == [("行政区划代码", "out_of_scope")]
    assert [e.row for e in check(data, users, who="bureau_staff").errors] == []


def test_a_missing_required_column_is_named(users, inventory):
    with pytest.raises(SheetError) as error:
        check(sheet(headers=[h for h in HEADERS if h != "单位"]), users)
    assert "单位" in str(error.value)
