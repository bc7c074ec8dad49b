"""The roles and the `row` helper of the permission matrices (tests/portal/test_permission_matrix.py and
the API matrices beside each feature's tests)."""

A, BS, DO, LD, SA, SE, AU = ("anonymous", "bureau_staff", "department_officer", "leader", "system_admin",
                             "security_admin", "audit_admin")
EVERYONE = (A, BS, DO, LD, SA, SE, AU)
LOGIN = 302  # anonymous on a page: redirected to the login page
API_ANON = 401


def row(anonymous, **roles):
    """Expected status per role; roles not named get `rest`."""
    rest = roles.pop("rest")
    expected = {who: rest for who in EVERYONE}
    expected[A] = anonymous
    expected.update(roles)
    return expected
