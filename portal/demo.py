"""Demo accounts for trying the portal: one per role, in the Shuozhou plan's departments (and one in
a county and one in Inner Mongolia to show region scoping). Never run in production."""
from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.db import transaction

from . import permissions as perms
from .models import Department, User
from .services import generate_initial_password, notification_send, user_create, user_set_roles

DEMO_USERS = [
    # username, real name, department, role
    ("wangmin", "王敏", "朔州市生态环境局", perms.BUREAU_STAFF),
    ("liqiang", "李强", "朔州市农业农村局", perms.DEPARTMENT_OFFICER),
    ("zhaoju", "赵局长", "朔州市生态环境局", perms.LEADER),
    ("sysadmin", "系统管理员", "朔州市生态环境局", perms.SYSTEM_ADMIN),
    ("secadmin", "安全管理员", "朔州市生态环境局", perms.SECURITY_ADMIN),
    ("auditor", "审计管理员", "朔州市生态环境局", perms.AUDIT_ADMIN),
    ("zhangwei", "张伟", "朔州市生态环境局朔城分局", perms.BUREAU_STAFF),
    ("liuyang", "刘洋", "朔州市生态环境局", perms.BUREAU_STAFF),
    ("sunli", "孙丽", "朔州市工业和信息化局", perms.DEPARTMENT_OFFICER),
    ("nmg_staff", "巴特尔", "内蒙古自治区生态环境厅", perms.BUREAU_STAFF),
]


def demo_logins_path() -> Path:
    return Path(settings.BASE_DIR) / "var" / "demo-logins.txt"


@transaction.atomic
def demo_users_seed() -> list[tuple[str, str, str, str | None]]:
    """Create the demo accounts that do not exist yet. Returns (username, real name, role, password)
    for every demo account; the password is known only for accounts created now."""
    result = []
    departments = {d.name: d for d in Department.objects.filter(name__in={u[2] for u in DEMO_USERS})}
    for username, real_name, department_name, role in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        password = None
        if user is None:
            password = generate_initial_password(12)
            user, _ = user_create(actor=None, username=username, real_name=real_name,
                                  department=departments[department_name], password=password,
                                  email=f"{username}@example.gov.cn", must_change_password=False)
            user_set_roles(actor=None, user=user, roles=[role])
            notification_send(recipients=[user], title="欢迎使用新污染物治理协同平台",
                              body="这是演示账号。请勿在生产环境使用演示数据。")
        result.append((username, real_name, role, password))
    return result


def demo_logins_write(rows) -> Path:
    """Keep the demo passwords in var/demo-logins.txt (readable by the owner only) so that `make run`
    can show them on every start; passwords of accounts created earlier are kept."""
    path = demo_logins_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    known = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 4:
                known[parts[0]] = parts[3]
    lines = []
    for username, real_name, role, password in rows:
        pw = password or known.get(username, "(已设置，见首次运行输出)")
        lines.append(f"{username}\t{real_name}\t{role}\t{pw}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    return path
