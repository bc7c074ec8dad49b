"""PDF progress reports (tasks.documents): what the PDF shows and to whom, the fonts it embeds, the
queued document's life (queued → running → done / failed), the monthly automatic reports, and a
fixed number of queries whatever the number of tasks."""
import datetime
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

import tasks.jobs
from portal import permissions as perms
from portal.models import AuditEvent, User
from tasks import documents
from tasks.choices import DocumentStatus, ReportStatus, TaskStatus
from tasks.models import Evidence, IndicatorValue, ReportDocument
from tests.factories import (
    ActionPlanFactory,
    DepartmentFactory,
    IndicatorFactory,
    ProgressReportFactory,
    TaskAssignmentFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=False)

TODAY = datetime.date(2024, 4, 1)
PERIOD = datetime.date(2024, 3, 1)
OTHER_TITLE = "加强新污染物多环境介质协同治理"  # other_task: the bureau's alone


def fresh(user):
    """The same account as a new object (roles are cached per object)."""
    return User.objects.select_related("department__region").get(pk=user.pk)


def pdf_text(pdf: bytes, tmp_path) -> str:
    """pdftotext's text in content-stream order (-raw: a table cell's wrapped lines stay together,
    instead of interleaving with the next column's) with all white space removed (pdftotext drops
    or adds spaces between CJK glyphs and breaks lines where the cell wrapped)."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], check=True,
                         capture_output=True).stdout
    return re.sub(r"\s+", "", out.decode("utf-8"))


def pdf_fonts(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout


needs_poppler = pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdffonts")),
                                   reason="poppler-utils (pdftotext, pdffonts) not installed")


@pytest.fixture
def fake_job(monkeypatch):
    """Stands in for tasks.jobs.generate_report_document_job (the lead engineer wires the real one)."""

    class Job:
        calls = []

        @classmethod
        def delay(cls, pk):
            cls.calls.append(pk)

    Job.calls = []
    monkeypatch.setattr(tasks.jobs, "generate_report_document_job", Job, raising=False)
    return Job


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def report_data(plan, task, other_task, departments, users):
    """Progress reports (one before, one in and one after the period; one returned), evidence, an
    overdue task and an indicator with a value below its target."""
    lead = task.assignments.get(is_lead=True)
    officer = users["department_officer"]
    ProgressReportFactory(assignment=lead, period=datetime.date(2024, 2, 1), narrative="二月已部署农药减量工作",
                          percent=20, submitted_by=officer, status=ReportStatus.ACCEPTED)
    march = ProgressReportFactory(assignment=lead, period=PERIOD, narrative="三月已完成农药包装废弃物回收点布设",
                                  percent=45, submitted_by=officer)
    ProgressReportFactory(assignment=lead, period=PERIOD, narrative="被退回的报告", percent=50, submitted_by=officer,
                          status=ReportStatus.RETURNED)
    ProgressReportFactory(assignment=lead, period=datetime.date(2024, 4, 1), narrative="四月的进展不属于三月报告",
                          percent=60, submitted_by=officer)
    for i in range(2):
        Evidence.objects.create(report=march, file=f"evidence/x{i}", original_name=f"回收点照片{i}.png",
                                content_type="image/png", size=10, sha256=f"{i}" * 64)
    task.progress, task.status = 45, TaskStatus.IN_PROGRESS
    task.save()
    late = TaskFactory(plan=plan, label="三、（九）", title="开展抗生素环境风险排查", deadline=datetime.date(2024, 3, 20),
                       status=TaskStatus.IN_PROGRESS, progress=30)
    TaskAssignmentFactory(task=late, department=departments["agri"], is_lead=True)
    indicator = IndicatorFactory(plan=plan, name="农药包装废弃物回收率", target=80, department=departments["agri"])
    IndicatorValue.objects.create(indicator=indicator, period=PERIOD, value=Decimal("62.5"), reported_by=officer)
    return {"late": late, "indicator": indicator}


def context_for(user, plan):
    return documents.document_context(plan=plan, period=PERIOD, user=fresh(user), today=TODAY)


# ---------------------------------------------------------------- the PDF itself

@needs_poppler
def test_leader_pdf_embeds_the_cjk_font_and_reads_in_chinese(users, plan, report_data, tmp_path):
    context = context_for(users["leader"], plan)
    seen = []
    pdf, pages = documents.render_pdf(context, progress=seen.append)
    assert pdf.startswith(b"%PDF") and pages >= 2
    assert seen == sorted(seen) and seen[0] == 10 and seen[-1] == 90
    fonts = pdf_fonts(pdf, tmp_path)
    assert re.search(r"Noto-?Sans-?CJK|Noto-?Serif-?CJK|WenQuanYi", fonts.replace(" ", ""), re.I), fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:]), f"a font is not embedded:\n{fonts}"
    text = pdf_text(pdf, tmp_path)
    for expected in ("朔州市新污染物治理行动方案", "工作进展报告", "朔州市人民政府办公室", "2024年3月", "2024年4月1日",
                     "目录", "一、总体情况", "朔州市农业农村局", "朔州市生态环境局", "2025年12月31日",
                     f"第1页共{pages}页", f"第{pages}页共{pages}页"):
        assert expected in text, expected
    # The leader sees every task of the plan.
    assert "强化农药使用管理" in text and OTHER_TITLE in text
    # Latest report of the period (not the returned one, not April's), with its percent.
    assert "三月已完成农药包装废弃物回收点布设" in text and "被退回的报告" not in text and "四月的进展" not in text
    # Overdue annex and the indicator against its target.
    assert "四、逾期任务通报" in text and "开展抗生素环境风险排查" in text and "12天" in text
    assert "农药包装废弃物回收率" in text and "62.5%" in text and "≥80%" in text and "未达标" in text


@needs_poppler
def test_officer_pdf_holds_only_the_department_s_tasks(users, plan, report_data, tmp_path):
    context = context_for(users["department_officer"], plan)
    # Totals and the chart count only what the officer sees: 强化农药使用管理 (lead) and the overdue one.
    assert context["summary"]["total"] == 2
    assert [d["name"] for d in context["departments"]] == ["朔州市农业农村局"]
    assert "朔州市生态环境局" not in context["chart_svg"]
    titles = [t["title"] for d in context["departments"] for t in d["tasks"]]
    assert OTHER_TITLE not in titles
    text = pdf_text(documents.render_pdf(context)[0], tmp_path)
    assert "强化农药使用管理" in text and "开展抗生素环境风险排查" in text
    assert OTHER_TITLE not in text
    assert "本报告仅含朔州市农业农村局牵头或配合承担的任务" in text


def test_officer_sees_co_responsible_tasks_too(users, plan, departments, other_task):
    co = TaskFactory(plan=plan, title="建立新污染物环境调查监测体系")
    TaskAssignmentFactory(task=co, department=departments["bureau"], is_lead=True)
    TaskAssignmentFactory(task=co, department=departments["agri"], is_lead=False)
    context = context_for(users["department_officer"], plan)
    rows = [t for d in context["departments"] for t in d["tasks"]]
    assert [(r["title"], r["lead"], r["co"]) for r in rows] == [
        ("建立新污染物环境调查监测体系", "朔州市生态环境局", "朔州市农业农村局")]


# ---------------------------------------------------------------- the context

def test_context_figures_colours_annex_and_indicators(users, plan, task, report_data):
    context = context_for(users["leader"], plan)
    summary = context["summary"]
    assert summary == {"total": 3, "completed": 0, "in_progress": 1, "not_started": 1, "overdue": 1, "closed": 0,
                       "avg_progress": 25.0, "completion_rate": 0}
    colours = {c["value"]: c["count"] for c in context["colours"]}
    assert colours["red"] == 1 and sum(colours.values()) == 3
    assert context["title"] == "朔州市新污染物治理行动方案工作进展报告"
    assert context["period_label"] == "2024年3月" and context["generated_on"] == "2024年4月1日"
    [overdue] = context["overdue"]
    assert overdue["title"] == "开展抗生素环境风险排查" and overdue["days_overdue"] == 12
    assert overdue["lead"] == "朔州市农业农村局" and overdue["deadline"] == "2024年3月20日"
    row = next(t for d in context["departments"] for t in d["tasks"] if t["title"] == "强化农药使用管理")
    assert row["narrative"] == "三月已完成农药包装废弃物回收点布设" and row["report_percent"] == 45
    assert row["evidence"] == 2 and row["deadline"] == "2025年12月31日" and row["status"] == "推进中"
    assert row["lead"] == "朔州市农业农村局" and row["co"] == "朔州市生态环境局"
    [indicator] = context["indicators"]
    assert indicator["target"] == "≥ 80%" and indicator["value"] == "62.5%" and indicator["met"] is False
    # The chart is server-side SVG, one bar group per department, inside the HTML given to WeasyPrint.
    html = documents.render_html(context)
    assert "<svg" in context["chart_svg"] and "<svg" in html and "<script" not in html
    assert "朔州市农业农村局" in context["chart_svg"] and "朔州市生态环境局" in context["chart_svg"]
    assert "counter(pages)" in html and '"Noto Sans CJK SC"' in html


def test_indicator_met_when_value_reaches_target(users, plan, departments, task):
    ind = IndicatorFactory(plan=plan, name="重点管控新污染物排放达标率", comparator="gte", target=Decimal("90"),
                           department=departments["agri"])
    IndicatorValue.objects.create(indicator=ind, period=PERIOD, value=Decimal("95"), reported_by=users["leader"])
    IndicatorFactory(plan=plan, name="尚未报送的指标", department=departments["agri"])
    rows = {i["name"]: i for i in context_for(users["leader"], plan)["indicators"]}
    assert rows["重点管控新污染物排放达标率"]["met"] is True and rows["重点管控新污染物排放达标率"]["met_label"] == "已达标"
    assert rows["尚未报送的指标"]["met"] is None and rows["尚未报送的指标"]["value"] == "—"


def _plan_with_tasks(region, departments, officer, n):
    plan = ActionPlanFactory(region=region)
    for i in range(n):
        task = TaskFactory(plan=plan, deadline=datetime.date(2024, 1, 1) if i % 3 == 0 else datetime.date(2025, 12, 31))
        lead = TaskAssignmentFactory(task=task, department=departments["agri" if i % 2 else "bureau"], is_lead=True)
        TaskAssignmentFactory(task=task, department=DepartmentFactory(region=region), is_lead=False)
        report = ProgressReportFactory(assignment=lead, period=PERIOD, submitted_by=officer)
        ProgressReportFactory(assignment=lead, period=datetime.date(2024, 2, 1), submitted_by=officer)
        Evidence.objects.create(report=report, file=f"evidence/{plan.pk}-{i}", original_name="a.pdf",
                                content_type="application/pdf", size=1, sha256="a" * 64)
    for _i in range(n // 2 + 1):
        ind = IndicatorFactory(plan=plan, department=departments["agri"])
        IndicatorValue.objects.create(indicator=ind, period=PERIOD, value=50, reported_by=officer)
    return plan


def test_context_query_count_does_not_grow_with_tasks(users, regions, departments):
    officer = users["department_officer"]
    small = _plan_with_tasks(regions["city"], departments, officer, 2)
    large = _plan_with_tasks(regions["city"], departments, officer, 20)
    counts = {}
    for name, plan in (("small", small), ("large", large)):
        leader = fresh(users["leader"])
        with CaptureQueriesContext(connection) as queries:
            context = documents.document_context(plan=plan, period=PERIOD, user=leader, today=TODAY)
            documents.render_html(context)
        counts[name] = len(queries)
        assert context["summary"]["total"] == (2 if name == "small" else 20)
    assert counts["small"] == counts["large"], counts
    assert counts["large"] <= 10, counts


# ---------------------------------------------------------------- request, generate, monthly

def test_request_queues_audits_and_enqueues_after_commit(users, plan, fake_job, django_capture_on_commit_callbacks):
    leader = users["leader"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        doc = documents.report_document_request(actor=leader, plan=plan, period=datetime.date(2024, 3, 17))
    assert len(callbacks) == 1 and fake_job.calls == [doc.pk]
    doc.refresh_from_db()
    assert (doc.status, doc.recipient, doc.period, doc.automatic) == (DocumentStatus.QUEUED, leader, PERIOD, False)
    event = AuditEvent.objects.get(action="report.request")
    assert event.actor == leader and event.object_id == str(doc.pk) and event.after["period"] == "2024-03-01"


def test_request_for_a_plan_the_officer_cannot_see_is_refused(users, regions, departments, fake_job):
    not_theirs = ActionPlanFactory(region=regions["city"])  # assigns only the bureau, not the officer's department
    TaskAssignmentFactory(task=TaskFactory(plan=not_theirs), department=departments["bureau"])
    draft = ActionPlanFactory(region=regions["city"], status="draft")
    TaskAssignmentFactory(task=TaskFactory(plan=draft), department=departments["agri"])
    for plan in (not_theirs, draft):
        with pytest.raises(PermissionDenied):
            documents.report_document_request(actor=users["department_officer"], plan=plan, period=PERIOD)
    assert not ReportDocument.objects.exists() and not AuditEvent.objects.filter(action="report.request").exists()
    assert fake_job.calls == []


def test_generate_renders_once_with_progress_and_file(users, plan, report_data, media, fake_job, monkeypatch):
    doc = documents.report_document_request(actor=users["department_officer"], plan=plan, period=PERIOD)
    seen = []
    real_set_progress = documents._set_progress
    monkeypatch.setattr(documents, "_set_progress", lambda pk, p: (seen.append(p), real_set_progress(pk, p)))
    documents.report_document_generate(document_id=doc.pk)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.DONE and doc.progress == 100 and doc.pages >= 2 and doc.finished_at
    assert seen == [5, 10, 60, 90] and doc.error == ""
    assert doc.file.name.endswith(f"进展报告-{plan.pk}-202403-{doc.pk}.pdf")
    with doc.file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
    # Idempotent: a second run (a redelivered job) renders nothing and keeps the file.
    monkeypatch.setattr(documents, "render_pdf", lambda *a, **k: pytest.fail("rendered twice"))
    documents.report_document_generate(document_id=doc.pk)
    again = ReportDocument.objects.get(pk=doc.pk)
    assert (again.status, again.file.name, again.finished_at) == (DocumentStatus.DONE, doc.file.name, doc.finished_at)


def test_generate_failure_is_recorded_and_re_raised(users, plan, task, media, fake_job, monkeypatch):
    doc = documents.report_document_request(actor=users["leader"], plan=plan, period=PERIOD)

    def broken(context, *, progress=None):
        progress(10)
        raise RuntimeError("pango exploded")

    monkeypatch.setattr(documents, "render_pdf", broken)
    with pytest.raises(RuntimeError, match="pango exploded"):
        documents.report_document_generate(document_id=doc.pk)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.FAILED and "报告生成失败" in doc.error and not doc.file
    assert doc.finished_at is not None
    # The job's retry (or a new request) renders it again.
    monkeypatch.setattr(documents, "render_pdf", lambda context, *, progress=None: (b"%PDF-1.7 stand-in", 2))
    documents.report_document_generate(document_id=doc.pk)
    doc.refresh_from_db()
    assert (doc.status, doc.error, doc.pages, doc.progress) == (DocumentStatus.DONE, "", 2, 100)


def test_monthly_reports_once_per_leader_per_plan(users, regions, departments, plan, task, fake_job):
    other_leader = UserFactory(username="leader2", department=departments["bureau"], roles=[perms.LEADER])
    UserFactory(username="leader_gone", department=departments["bureau"], roles=[perms.LEADER], is_active=False)
    UserFactory(username="far_leader", department=departments["other_bureau"], roles=[perms.LEADER])
    ActionPlanFactory(region=regions["city"], status="draft")  # drafts get no report
    # A report the leader asked for by hand does not stand in for the automatic one.
    documents.report_document_request(actor=users["leader"], plan=plan, period=PERIOD)
    today = datetime.date(2024, 4, 2)
    assert documents.monthly_reports(today=today) == 2
    docs = ReportDocument.objects.filter(automatic=True)
    assert {(d.plan_id, d.recipient_id, d.period, d.automatic) for d in docs} == {
        (plan.pk, users["leader"].pk, PERIOD, True), (plan.pk, other_leader.pk, PERIOD, True)}
    # Run again (beat fires twice, or daily): nothing new.
    assert documents.monthly_reports(today=today) == 0
    assert documents.monthly_reports(today=datetime.date(2024, 4, 28)) == 0
    assert ReportDocument.objects.filter(automatic=True).count() == 2
    assert AuditEvent.objects.filter(action="report.request", detail="每月自动生成").count() == 2


def test_monthly_reports_for_quarterly_plans_after_the_quarter(users, regions, fake_job):
    quarterly = ActionPlanFactory(region=regions["city"], cadence="quarterly")
    assert documents.monthly_reports(today=datetime.date(2024, 5, 3)) == 0  # April is mid-quarter
    assert documents.monthly_reports(today=datetime.date(2024, 4, 3)) == 1
    doc = ReportDocument.objects.get(plan=quarterly)
    assert doc.period == datetime.date(2024, 1, 1) and doc.recipient == users["leader"]
