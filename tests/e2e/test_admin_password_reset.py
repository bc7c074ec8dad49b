"""The security administrator forgot her password: the system administrator asks for a reset and is shown
the first half, a second system administrator confirms and is shown the second half, and
the holder signs in with both halves and must set her own password. The plain reset is not offered."""
import pytest

from tests.e2e.helpers import sign_in
from tests.factories import DepartmentFactory, RegionFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admins(transactional_db):
    from portal.services import roles_sync

    roles_sync()
    region = RegionFactory(code="140600", name="朔州市", level="prefecture")
    department = DepartmentFactory(name="朔州市生态环境局", short_name="市生态环境局", region=region)
    return {role: UserFactory(username=role, real_name=name, department=department, roles=[role])
            for role, name in (("system_admin", "系统管理员"), ("security_admin", "安全管理员"),
                               ("audit_admin", "审计管理员"))}


def test_two_administrators_reset_an_administrators_password_each_seeing_half(page, admins):
    target = admins["security_admin"]
    sign_in(page, "system_admin")
    page.goto(f"/users/{target.pk}/")
    assert page.get_by_role("button", name="重置密码", exact=True).count() == 0
    page.get_by_role("button", name="申请重置密码").click()
    first = page.get_by_test_id("password-half").inner_text()
    assert "前半段" in page.content()

    sign_in(page, "audit_admin")  # the audit administrator holds no right to take part
    assert page.goto(f"/users/{target.pk}/").status == 403

    UserFactory(username="second_sysadmin", department=target.department, roles=["system_admin"])
    sign_in(page, "second_sysadmin")
    page.goto(f"/users/{target.pk}/")
    assert "等待另一名管理员确认" in page.get_by_test_id("pending-reset").inner_text()
    assert first not in page.inner_text("body")
    page.get_by_role("button", name="确认重置").click()
    second = page.get_by_test_id("password-half").inner_text()
    assert first != second and first not in page.inner_text("body")

    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("#id_username", "security_admin")
    page.fill("#id_password", first + second)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/accounts/password/")
    assert "修改初始密码" in page.content() or "修改密码" in page.content()
    assert not page.outside_requests
