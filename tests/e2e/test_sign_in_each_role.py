"""Each role signs in through the real login page, lands on its own home page in Chinese, and can
switch the interface to English. No request ever leaves the portal."""
import pytest

from tests.factories import TEST_PASSWORD, DepartmentFactory, RegionFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOME_TITLES = {
    "bureau_staff": ("我的工作台", "My work queue"),
    "department_officer": ("本部门任务", "My department's tasks"),
    "leader": ("领导首页", "Leadership overview"),
    "system_admin": ("系统管理", "System administration"),
    "security_admin": ("安全管理", "Security administration"),
    "audit_admin": ("安全审计", "Audit"),
}


@pytest.fixture
def department(transactional_db):
    from portal.services import roles_sync

    roles_sync()
    region = RegionFactory(code="140600", name="朔州市", level="prefecture")
    return DepartmentFactory(name="朔州市生态环境局", short_name="市生态环境局", region=region)


def sign_in(page, username, password):
    page.goto("/accounts/login/")
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form button[type=submit]")


@pytest.mark.parametrize("role", sorted(HOME_TITLES))
def test_role_signs_in_sees_chinese_home_then_switches_to_english(page, department, role):
    UserFactory(username=f"e2e_{role}", real_name="测试用户", department=department, roles=[role])
    sign_in(page, f"e2e_{role}", TEST_PASSWORD)
    chinese, english = HOME_TITLES[role]
    title = page.get_by_test_id("home-title")
    title.wait_for()
    assert title.inner_text() == chinese
    assert "测试用户" in page.get_by_test_id("current-user").inner_text()
    page.get_by_test_id("language-en").click()
    page.get_by_test_id("home-title").wait_for()
    assert page.get_by_test_id("home-title").inner_text() == english
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_test_id("language-zh-hans").click()
    assert page.get_by_test_id("home-title").inner_text() == chinese
    assert page.outside_requests == []


def test_wrong_password_shows_chinese_reason_and_stays_on_login(page, department):
    UserFactory(username="e2e_wrong", department=department, roles=["leader"])
    sign_in(page, "e2e_wrong", "not-the-password")
    error = page.get_by_test_id("login-error")
    assert "用户名或密码错误" in error.inner_text()
    assert page.url.endswith("/accounts/login/")


def test_api_docs_render_without_outside_requests(page, department):
    UserFactory(username="e2e_docs", department=department, roles=["bureau_staff"])
    sign_in(page, "e2e_docs", TEST_PASSWORD)
    page.get_by_test_id("home-title").wait_for()
    page.goto("/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for(timeout=15000)
    assert "新污染物治理协同平台" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-tag", has_text="me").first.wait_for()
    assert page.outside_requests == []
