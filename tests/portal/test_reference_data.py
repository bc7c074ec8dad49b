"""Reference data from fixtures/ (regions and departments of both plans) and the demo seed: loaded by
idempotent commands, with clear errors for bad rows."""
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from portal.models import AuditEvent, Department, DepartmentAlias, Region, User
from portal.permissions import user_roles
from portal.services import reference_load


def test_load_reference_twice_creates_once(db):
    call_command("load_reference")
    counts = (Region.objects.count(), Department.objects.count(), DepartmentAlias.objects.count())
    call_command("load_reference")
    assert counts == (Region.objects.count(), Department.objects.count(), DepartmentAlias.objects.count())
    assert AuditEvent.objects.filter(action="reference.load").count() == 1


def test_regions_of_both_plans_form_a_tree(db):
    reference_load()
    shuozhou = Region.objects.get(code="140600")
    assert shuozhou.name == "朔州市" and shuozhou.parent.code == "140000"
    assert set(shuozhou.children.values_list("name", flat=True)) >= {"朔城区", "平鲁区", "山阴县", "应县", "右玉县", "怀仁市"}
    assert Region.objects.filter(parent__code="150000").count() == 12  # the 盟市 of Inner Mongolia
    assert Region.objects.get(code="140602").path == "140000/140600/140602/"


@pytest.mark.parametrize("written", ["市生态环境局", "朔州海关", "市卫健委", "朔州银保监分局", "自治区农牧厅", "农牧厅",
                                     "呼和浩特海关", "满洲里海关", "内蒙古税务局", "市草牧业发展中心"])
def test_department_names_as_written_in_the_plans_are_known(db, written):
    reference_load()
    assert Department.objects.filter(name=written).exists() or DepartmentAlias.objects.filter(name=written).exists()


def test_bad_region_row_names_file_line_and_reason_and_saves_nothing(db, tmp_path):
    (tmp_path / "regions.csv").write_text("code,name,level,parent_code\n140000,山西省,province,\n"
                                          "1406,朔州市,prefecture,140000\n", encoding="utf-8")
    (tmp_path / "departments.csv").write_text("name,short_name,aliases,region_code,kind\n", encoding="utf-8")
    with pytest.raises(ValidationError) as error:
        reference_load(fixtures_dir=tmp_path)
    assert "regions.csv" in error.value.messages[0] and "3" in error.value.messages[0]
    assert not Region.objects.exists()


def test_alias_claimed_by_two_departments_is_refused(db, tmp_path):
    (tmp_path / "regions.csv").write_text("code,name,level,parent_code\n140000,山西省,province,\n", encoding="utf-8")
    (tmp_path / "departments.csv").write_text(
        "name,short_name,aliases,region_code,kind\n甲局,甲,同名;甲,140000,member\n乙局,乙,同名,140000,member\n",
        encoding="utf-8")
    with pytest.raises(ValidationError) as error:
        reference_load(fixtures_dir=tmp_path)
    assert "同名" in error.value.messages[0] and "甲局" in error.value.messages[0]
    assert not Department.objects.exists()


def test_seed_demo_is_idempotent_and_gives_every_role_an_account(db, tmp_path, settings, capsys):
    settings.BASE_DIR = tmp_path
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out
    held = set().union(*(user_roles(u) for u in User.objects.all()))
    assert held == {"bureau_staff", "department_officer", "leader", "system_admin", "security_admin", "audit_admin"}
    assert "wangmin" in first and "wangmin" not in second.split("共")[1]
    logins = (tmp_path / "var" / "demo-logins.txt").read_text(encoding="utf-8")
    assert logins.count("\n") == User.objects.count()
    username, _name, _role, password = logins.splitlines()[0].split("\t")
    assert User.objects.get(username=username).check_password(password)
