"""A user sees their department's region and the regions below it; anything else is a 404."""
import pytest
from django.test import Client
from django.urls import reverse

from portal.models import Department, User
from portal.permissions import region_visible
from tests.factories import UserFactory


@pytest.fixture
def county_sysadmin(users, departments):
    return UserFactory(username="county_sysadmin", department=departments["county_bureau"], roles=["system_admin"])


def login(user):
    client = Client()
    client.force_login(user)
    return client


def test_county_user_sees_own_region_only_in_department_list(users, departments):
    visible = set(Department.objects.visible_to(users["county_staff"]).values_list("name", flat=True))
    assert visible == {"朔州市生态环境局朔城分局"}


def test_city_user_sees_city_and_counties_but_not_other_province(users, departments):
    visible = set(Department.objects.visible_to(users["bureau_staff"]).values_list("name", flat=True))
    assert visible == {"朔州市生态环境局", "朔州市农业农村局", "朔州市生态环境局朔城分局", "平鲁区人民政府"}


def test_county_user_gets_404_for_sibling_county_department_page(users, departments):
    url = reverse("portal:department_detail", args=[departments["sibling_gov"].pk])
    assert login(users["county_staff"]).get(url).status_code == 404
    assert login(users["bureau_staff"]).get(url).status_code == 200


def test_county_user_gets_404_for_sibling_county_department_in_api(users, departments):
    url = reverse("department-detail", args=[departments["sibling_gov"].pk])
    assert login(users["county_staff"]).get(url).status_code == 404


def test_county_system_admin_cannot_open_sibling_county_user(users, departments, county_sysadmin):
    sibling_user = UserFactory(username="pinglu", department=departments["sibling_gov"])
    assert login(county_sysadmin).get(reverse("portal:user_detail", args=[sibling_user.pk])).status_code == 404
    assert login(users["system_admin"]).get(reverse("portal:user_detail", args=[sibling_user.pk])).status_code == 200


def test_user_list_of_county_admin_holds_only_county_accounts(users, county_sysadmin):
    usernames = set(User.objects.visible_to(county_sysadmin).values_list("username", flat=True))
    assert usernames == {"county_staff", "county_sysadmin"}


def test_regions_api_lists_the_users_subtree(users):
    response = login(users["county_staff"]).get(reverse("region-list"))
    assert [r["code"] for r in response.json()["results"]] == ["140602"]
    assert login(users["county_staff"]).get(reverse("region-detail", args=["140603"])).status_code == 404


def test_user_without_department_sees_nothing(db, regions):
    loner = UserFactory(username="loner", department=None)
    assert not Department.objects.visible_to(loner).exists()
    assert not region_visible(loner, regions["city"])


def test_inactive_user_sees_nothing(users, departments):
    user = users["bureau_staff"]
    user.is_active = False
    assert not Department.objects.visible_to(user).exists()
