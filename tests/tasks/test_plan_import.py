"""Importing a plan through the service: draft tasks with their departments matched by name and
alias inside the plan's region, names left for a person to map (and remembered), publication, and
the bad inputs of the issue — each with a Chinese message and nothing saved."""
import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from portal.models import Department, DepartmentAlias, Notification
from portal.services import reference_load
from tasks import services
from tasks.models import ActionPlan, Task, TaskAssignment

PLANS = Path(settings.BASE_DIR) / "fixtures" / "plans"


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def reference(db, roles):
    reference_load()


@pytest.fixture
def wangmin(reference):
    from tests.factories import UserFactory

    return UserFactory(username="wangmin", department=Department.objects.get(name="朔州市生态环境局"),
                       roles=["bureau_staff"])


def shuozhou():
    return (PLANS / "shuozhou-2023.txt").read_text(encoding="utf-8")


def test_shuozhou_plan_becomes_20_draft_tasks_all_matched(wangmin):
    result = services.plan_import(actor=wangmin, text=shuozhou(), source_name="shuozhou-2023.txt")
    plan = result.plan
    assert (plan.title, plan.doc_number, plan.issued) == ("朔州市新污染物治理行动方案", "朔政办发〔2023〕18号",
                                                          datetime.date(2023, 5, 13))
    assert plan.status == "draft" and plan.tasks.count() == 20 and result.unmatched == []
    task = plan.tasks.get(label="三、（七）")
    assert sorted(a.department.name for a in task.assignments.all()) == ["朔州市农业农村局", "朔州市生态环境局"]
    first = plan.tasks.get(label="二、（一）")
    assert first.deadline == datetime.date(2023, 12, 31)
    assert first.implementers == ["各县（市、区）人民政府"]
    assert first.source_paragraphs.exists()  # each task keeps its link to the source paragraph


def test_names_are_matched_inside_the_plans_region_only(wangmin):
    """'市场监管局' is how the Inner Mongolia plan writes its regional bureau: a Shuozhou plan using the
    bare name means Shuozhou's own bureau, never Inner Mongolia's."""
    shuozhou_region = Department.objects.get(name="朔州市生态环境局").region
    matches = services.department_match(names=["市场监管局", "市市场监管局"], region=shuozhou_region)
    assert matches["市场监管局"].department.name == "朔州市市场监督管理局"
    assert matches["市市场监管局"].department.name == "朔州市市场监督管理局"
    inner_mongolia = Department.objects.get(name="内蒙古自治区生态环境厅").region
    assert services.department_match(names=["市场监管局"], region=inner_mongolia)["市场监管局"].department.name \
        == "内蒙古自治区市场监督管理局"


def test_unmatched_name_is_mapped_once_and_remembered_for_the_next_plan(wangmin):
    DepartmentAlias.objects.filter(name="朔州银保监分局").delete()
    Department.objects.filter(short_name="朔州银保监分局").update(short_name="朔州监管分局")
    result = services.plan_import(actor=wangmin, text=shuozhou())
    assert [m.written for m in result.unmatched] == ["朔州银保监分局"]
    with pytest.raises(ValidationError) as error:
        services.plan_publish(actor=wangmin, plan=result.plan)
    assert "朔州银保监分局" in str(error.value)
    regulator = Department.objects.get(name="中国银行保险监督管理委员会朔州监管分局")
    assert services.plan_map_name(actor=wangmin, plan=result.plan, written_name="朔州银保监分局",
                                  department=regulator) == 1
    again = services.plan_import(actor=wangmin, text=shuozhou())
    assert again.unmatched == []


def test_mapping_a_name_that_already_means_another_department_is_refused(wangmin):
    result = services.plan_import(actor=wangmin, text=shuozhou())
    agri = Department.objects.get(name="朔州市农业农村局")
    with pytest.raises(ValidationError) as error:
        services.plan_map_name(actor=wangmin, plan=result.plan, written_name="市卫健委", department=agri)
    assert "市卫健委" in str(error.value) and "卫生健康委员会" in str(error.value)
    assert not DepartmentAlias.objects.filter(name="市卫健委", department=agri).exists()


def test_a_name_fitting_two_departments_is_left_for_a_person(wangmin):
    city = Department.objects.get(name="朔州市生态环境局").region
    Department.objects.create(name="朔州市甲区自然资源局", short_name="甲区自然资源局", region=city)
    Department.objects.create(name="朔州市乙区自然资源局", short_name="乙区自然资源局", region=city)
    match = services.department_match(names=["自然资源局"], region=city)["自然资源局"]
    assert match.department is None and match.ambiguous
    assert {d.name for d in match.candidates} == {"朔州市甲区自然资源局", "朔州市乙区自然资源局"}


def test_publishing_tells_every_responsible_department(wangmin, django_capture_on_commit_callbacks):
    from tests.factories import UserFactory

    officer = UserFactory(username="liqiang", department=Department.objects.get(name="朔州市农业农村局"),
                          roles=["department_officer"])
    plan = services.plan_import(actor=wangmin, text=shuozhou()).plan
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_publish(actor=wangmin, plan=plan)
    assert Notification.objects.filter(recipient=officer, title__contains="朔州市新污染物治理行动方案").exists()
    with pytest.raises(ValidationError):
        services.task_update(actor=wangmin, task=plan.tasks.first(), title="改")


@pytest.mark.parametrize("text, reason", [
    ("", "空"),
    ("   \n\n  ", "空"),
    ("这是一段没有任何标题的文字，既没有一、也没有（一）。", "标题"),
])
def test_bad_plan_texts_are_refused_and_nothing_is_saved(wangmin, text, reason):
    with pytest.raises(ValidationError) as error:
        services.plan_import(actor=wangmin, text=text)
    assert reason in str(error.value)
    assert not ActionPlan.objects.exists() and not Task.objects.exists()


def test_deadline_before_the_date_of_issue_is_refused(wangmin):
    text = shuozhou().replace("2025年年底前，初步建立", "2022年年底前，初步建立")
    with pytest.raises(ValidationError) as error:
        services.plan_import(actor=wangmin, text=text)
    assert "2022-12-31" in str(error.value) and "2023-05-13" in str(error.value)
    assert not ActionPlan.objects.exists()


def test_correcting_a_draft_deadline_before_issue_is_refused(wangmin):
    plan = services.plan_import(actor=wangmin, text=shuozhou()).plan
    task = plan.tasks.first()
    with pytest.raises(ValidationError):
        services.task_update(actor=wangmin, task=task, deadline=datetime.date(2020, 1, 1))
    task.refresh_from_db()
    assert task.deadline == datetime.date(2023, 12, 31)


def test_import_plan_command_json_is_the_contract(reference, capsys):
    call_command("import_plan", str(PLANS / "shuozhou-2023.txt"), "--json", "--dry-run")
    import json

    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"title", "issuer", "doc_number", "issued", "tasks"}
    assert data["issued"] == "2023-05-13" and len(data["tasks"]) == 20
    assert set(data["tasks"][0]) == {"label", "title", "text", "lead", "responsible", "implementers", "deadlines"}
    assert not ActionPlan.objects.exists()


def test_import_plan_command_saves_and_publishes_with_the_issuers_region(reference, capsys):
    call_command("import_plan", str(PLANS / "inner-mongolia-2023.txt"), "--publish")
    plan = ActionPlan.objects.get()
    assert plan.region.code == "150000" and plan.status == "published"
    assert not TaskAssignment.objects.filter(task__plan=plan, department__isnull=True).exists()


def test_import_plan_command_refuses_an_empty_file(reference, tmp_path):
    from django.core.management.base import CommandError

    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CommandError) as error:
        call_command("import_plan", str(empty))
    assert "空" in str(error.value)


def test_import_plan_command_refuses_a_binary_file(reference, tmp_path):
    from django.core.management.base import CommandError

    binary = tmp_path / "plan.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(CommandError):
        call_command("import_plan", str(binary))


def test_reporting_cadence_is_set_and_audited_and_bad_days_refused(wangmin):
    from portal.models import AuditEvent

    plan = services.plan_import(actor=wangmin, text=shuozhou()).plan
    services.plan_cadence_set(actor=wangmin, plan=plan, cadence="quarterly", report_day=20)
    plan.refresh_from_db()
    assert (plan.cadence, plan.report_day) == ("quarterly", 20)
    assert AuditEvent.objects.get(action="plan.cadence").before == {"cadence": "monthly", "report_day": 25}
    with pytest.raises(ValidationError):
        services.plan_cadence_set(actor=wangmin, plan=plan, cadence="monthly", report_day=31)
    plan.refresh_from_db()
    assert plan.report_day == 20


def test_the_heading_tree_is_kept_and_shown_beside_the_tasks(wangmin):
    from django.test import Client
    from django.urls import reverse

    plan = services.plan_import(actor=wangmin, text=shuozhou()).plan
    top = [h["title"] for h in plan.outline if h["level"] == 1]
    assert top[:4] == ["总体要求", "有力有序开展化学物质监测和调查评估", "加强新污染物全过程管控", "保障措施"]
    tasks_in_outline = [h for h in plan.outline if h["task"] is not None]
    assert len(tasks_in_outline) == 20
    client = Client()
    client.force_login(wangmin)
    html = client.get(reverse("tasks:plan_detail", args=[plan.pk])).content.decode()
    assert "outline-level-1" in html and "指导思想" in html


def test_a_plan_whose_document_number_is_already_in_the_portal_is_imported_with_a_warning(wangmin):
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation

    first = services.plan_import(actor=wangmin, text=shuozhou(), source_name="shuozhou-2023.txt").plan
    assert not any("文号" in w for w in first.parse_warnings)
    with translation.override("zh-hans"):
        second = services.plan_import(actor=wangmin, text=shuozhou(), source_name="again.txt").plan
    assert "朔政办发〔2023〕18号" in second.parse_warnings[0] and "《朔州市新污染物治理行动方案》（草稿）" in second.parse_warnings[0]
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(wangmin)
    assert "重复导入" in client.get(reverse("tasks:plan_detail", args=[second.pk])).content.decode()
