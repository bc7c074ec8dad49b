"""Shared fixtures: a small region tree (a province, a prefecture with two counties), departments,
one user per role, inventory objects, and `assert_statuses` for permission matrices."""
import datetime
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from portal import permissions as perms
from portal.choices import DepartmentKind, RegionLevel
from portal.services import roles_sync

from .factories import TEST_PASSWORD, DepartmentFactory, RegionFactory, UserFactory

ROLE_NAMES = perms.ROLES


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def roles(db):
    """The role groups; the migration creates them, a flush (transactional tests) re-creates them."""
    return roles_sync()


@pytest.fixture
def regions(db):
    province = RegionFactory(code="140000", name="山西省", level=RegionLevel.PROVINCE)
    city = RegionFactory(code="140600", name="朔州市", level=RegionLevel.PREFECTURE, parent=province)
    county = RegionFactory(code="140602", name="朔城区", level=RegionLevel.COUNTY, parent=city)
    sibling = RegionFactory(code="140603", name="平鲁区", level=RegionLevel.COUNTY, parent=city)
    other_province = RegionFactory(code="150000", name="内蒙古自治区", level=RegionLevel.PROVINCE)
    return {"province": province, "city": city, "county": county, "sibling": sibling, "other": other_province}


@pytest.fixture
def departments(regions):
    return {
        "bureau": DepartmentFactory(name="朔州市生态环境局", short_name="市生态环境局", region=regions["city"],
                                    kind=DepartmentKind.BUREAU),
        "agri": DepartmentFactory(name="朔州市农业农村局", short_name="市农业农村局", region=regions["city"]),
        "county_bureau": DepartmentFactory(name="朔州市生态环境局朔城分局", short_name="朔城分局",
                                           region=regions["county"], kind=DepartmentKind.BUREAU),
        "sibling_gov": DepartmentFactory(name="平鲁区人民政府", short_name="平鲁区政府", region=regions["sibling"],
                                         kind=DepartmentKind.LOCAL_GOVERNMENT),
        "other_bureau": DepartmentFactory(name="内蒙古自治区生态环境厅", short_name="生态环境厅",
                                          region=regions["other"], kind=DepartmentKind.BUREAU),
    }


ROLE_DEPARTMENT = {
    perms.BUREAU_STAFF: "bureau",
    perms.DEPARTMENT_OFFICER: "agri",
    perms.LEADER: "bureau",
    perms.SYSTEM_ADMIN: "bureau",
    perms.SECURITY_ADMIN: "bureau",
    perms.AUDIT_ADMIN: "bureau",
}


@pytest.fixture
def users(roles, departments):
    """One city-level user per role, plus a county bureau staff member."""
    made = {
        role: UserFactory(username=role, department=departments[ROLE_DEPARTMENT[role]], roles=[role])
        for role in ROLE_NAMES
    }
    made["county_staff"] = UserFactory(username="county_staff", department=departments["county_bureau"],
                                       roles=[perms.BUREAU_STAFF])
    return made


@pytest.fixture
def client_for(users):
    """client_for("leader") → a Client signed in as that user ("anonymous" → not signed in)."""

    def make(name):
        client = Client()
        if name != "anonymous":
            client.force_login(users[name])
        return client

    return make


@pytest.fixture
def api(users):
    """api("leader") → an APIClient (DRF) signed in as that user ("anonymous" → not signed in)."""

    def make(name):
        client = APIClient()
        if name != "anonymous":
            client.force_login(users[name])
        return client

    return make


def assert_statuses(client_for, method, url, expected: dict, data=None):
    """Request `url` as each role and compare the status codes with `expected` ({role: status})."""
    got = {}
    for who in expected:
        client = client_for(who)
        response = getattr(client, method)(url, data=data or {})
        got[who] = response.status_code
    assert got == expected, f"{method.upper()} {url}: expected {expected}, got {got}"


@pytest.fixture
def password():
    return TEST_PASSWORD


# ---------------------------------------------------------------- inventory
# Valid 统一社会信用代码 (GB 32100 check character correct).
CODE_COUNTY = "91110000600037341L"
CODE_SIBLING = "91140603MA0K00001C"


@pytest.fixture
def inventory(db, regions, users):
    """Two substances, an enterprise in the county (with contacts) and one in the sibling county, a city
    campaign with a draft report of two lines (one unresolved), a monitoring site with one result."""
    from inventory.models import (
        Enterprise,
        MonitoringResult,
        MonitoringSite,
        SamplingEvent,
        Substance,
        SubstanceGroup,
        SurveyCampaign,
        SurveyLine,
        SurveyReport,
    )

    dcm = Substance.objects.create(cas="75-09-2", name_zh="二氯甲烷", name_en="Dichloromethane",
                                   synonyms="亚甲基氯\nDCM")
    pfos = Substance.objects.create(cas="1763-23-1", name_zh="全氟辛基磺酸", name_en="PFOS")
    enterprise = Enterprise.objects.create(credit_code=CODE_COUNTY, name="朔城某化工有限公司",
                                           region=regions["county"], contact_name="张三", contact_phone="13800001234")
    other = Enterprise.objects.create(credit_code=CODE_SIBLING, name="平鲁某材料有限公司", region=regions["sibling"])
    campaign = SurveyCampaign.objects.create(year=2023, title="2023年化学物质环境信息调查", region=regions["city"],
                                             deadline=datetime.date(2024, 6, 30))
    report = SurveyReport.objects.create(campaign=campaign, enterprise=enterprise)
    line = SurveyLine.objects.create(report=report, substance=dcm, raw_name="二氯甲烷", raw_cas="75-09-2",
                                     activity="use", quantity=Decimal("12.5"), emission_air=Decimal("0.8"))
    unresolved = SurveyLine.objects.create(report=report, raw_name="某助剂", raw_cas="", activity="use",
                                           quantity=Decimal("3"))
    site = MonitoringSite.objects.create(code="SZ-W-001", name="桑干河朔城断面", region=regions["county"],
                                         medium="surface_water", site_type="key_area")
    sampling = SamplingEvent.objects.create(site=site, sampled_on=datetime.date(2023, 7, 1))
    result = MonitoringResult.objects.create(sampling=sampling, substance=pfos, concentration=Decimal("0.012"),
                                             unit="μg/L", detection_limit=Decimal("0.001"), detected=True)
    group = SubstanceGroup.objects.create(name="全氟辛基磺酸及其盐类和全氟辛基磺酰氟（PFOS类）",
                                          description="及其盐类和相关化合物", example_cas=["307-35-7"])
    group.members.add(pfos)
    return {"dcm": dcm, "pfos": pfos, "group": group, "enterprise": enterprise, "other_enterprise": other, "campaign": campaign,
            "report": report, "line": line, "unresolved": unresolved, "site": site, "sampling": sampling,
            "result": result}
