"""Shared fixtures: a small region tree (a province, a prefecture with two counties), departments,
one user per role, and `assert_statuses` for permission matrices."""
import pytest
from django.test import Client

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
