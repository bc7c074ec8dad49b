"""Every URL of the portal × every role → the expected answer. A URL pattern with no entry here
fails `test_every_url_pattern_is_in_the_matrix`, so new pages cannot skip the permission review."""
import time

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.celery import BEAT_HEARTBEAT_KEY, WORKER_HEARTBEAT_KEY
from tests.conftest import assert_statuses
from tests.controls.api_matrix import CONTROLS_API_MATRIX
from tests.controls.inspections_matrix import MATRIX as INSPECTIONS_MATRIX
from tests.controls.matrix import CONTROLS_MATRIX, controls_matrix_objects
from tests.factories import (
    ActionPlanFactory,
    ExtensionRequestFactory,
    IndicatorFactory,
    NotificationFactory,
    ProgressReportFactory,
    TaskAssignmentFactory,
    TaskFactory,
)
from tests.inventory.api_matrix import INVENTORY_API_MATRIX
from tests.matrix import API_ANON, LOGIN, row
from tests.screening.api_matrix import SCREENING_API_MATRIX, screening_matrix_objects

BUSINESS_200 = {"bureau_staff": 200, "department_officer": 200, "leader": 200}
BUSINESS_302 = {"bureau_staff": 302, "department_officer": 302, "leader": 302}
INV_READ = row(LOGIN, rest=403, bureau_staff=200, leader=200)
INV_WRITE_200 = row(LOGIN, rest=403, bureau_staff=200)
INV_WRITE_302 = row(LOGIN, rest=403, bureau_staff=302)

# name: (method, kwargs-builder or None, expected, data-builder or None)
MATRIX = {
    "portal:home": ("get", None, row(LOGIN, rest=200), None),
    "portal:cockpit": ("get", None, row(LOGIN, rest=403, leader=200, bureau_staff=200), None),
    "portal:login": ("get", None, row(200, rest=302), None),
    "portal:logout": ("post", None, row(302, rest=302), None),
    "portal:password_change": ("get", None, row(LOGIN, rest=200), None),
    "portal:notification_list": ("get", None, row(LOGIN, rest=200), None),
    "portal:notification_badge": ("get", None, row(LOGIN, rest=200), None),
    "portal:notification_read_all": ("post", None, row(LOGIN, rest=302), None),
    "portal:notification_read": ("post", lambda f: {"pk": f["notification"].pk},
                                 row(LOGIN, rest=404, bureau_staff=302), None),
    "portal:user_list": ("get", None, row(LOGIN, rest=403, system_admin=200, security_admin=200), None),
    "portal:user_create": ("get", None, row(LOGIN, rest=403, system_admin=200), None),
    "portal:user_detail": ("get", lambda f: {"pk": f["target"].pk},
                           row(LOGIN, rest=403, system_admin=200, security_admin=200), None),
    "portal:user_roles": ("post", lambda f: {"pk": f["target"].pk},
                          row(LOGIN, rest=403, security_admin=302), lambda f: {"roles": ["department_officer"]}),
    "portal:user_unlock": ("post", lambda f: {"pk": f["target"].pk}, row(LOGIN, rest=403, security_admin=302), None),
    "portal:user_reset_password": ("post", lambda f: {"pk": f["target"].pk},
                                   row(LOGIN, rest=403, system_admin=200), None),
    "portal:admin_password_reset_request": ("post", lambda f: {"pk": f["admin_target"].pk},
                                            row(LOGIN, rest=403, system_admin=200, security_admin=302), None),
    # once confirmed, the audit administrator (the account reset) must change the password first: 302
    "portal:admin_password_reset_confirm": ("post", lambda f: {"pk": f["admin_reset"].pk},
                                            row(LOGIN, rest=403, system_admin=302, security_admin=200,
                                                audit_admin=302), None),
    "portal:admin_password_reset_cancel": ("post", lambda f: {"pk": f["admin_reset"].pk},
                                           row(LOGIN, rest=403, system_admin=302, security_admin=302), None),
    "portal:user_revoke_tokens": ("post", lambda f: {"pk": f["target"].pk}, row(LOGIN, rest=403, security_admin=302),
                                  None),
    "portal:department_list": ("get", None, row(LOGIN, rest=200, security_admin=403, audit_admin=403), None),
    "portal:department_detail": ("get", lambda f: {"pk": f["department"].pk},
                                 row(LOGIN, rest=200, security_admin=403, audit_admin=403), None),
    "portal:audit_list": ("get", None, row(LOGIN, rest=403, audit_admin=200), None),
    "portal:audit_export": ("get", None, row(LOGIN, rest=403, audit_admin=200), None),
    "healthz": ("get", None, row(200, rest=200), None),
    "robots": ("get", None, row(200, rest=200), None),
    "set_language": ("post", None, row(302, rest=302), lambda f: {"language": "en", "next": "/"}),
    "javascript-catalog": ("get", None, row(200, rest=200), None),
    "inventory:index": ("get", None, row(LOGIN, rest=403, bureau_staff=200, leader=200), None),
    # ---- inventory: bureau staff write within their region; leaders read; officers and admins have no access
    "inventory:enterprise_list": ("get", None, INV_READ, None),
    "inventory:enterprise_create": ("get", None, INV_WRITE_200, None),
    "inventory:enterprise_detail": ("get", lambda f: {"pk": f["inv"]["enterprise"].pk}, INV_READ, None),
    "inventory:enterprise_edit": ("get", lambda f: {"pk": f["inv"]["enterprise"].pk}, INV_WRITE_200, None),
    "inventory:substance_list": ("get", None, INV_READ, None),
    "inventory:substance_create": ("get", None, INV_WRITE_200, None),
    "inventory:substance_detail": ("get", lambda f: {"pk": f["inv"]["dcm"].pk}, INV_READ, None),
    "inventory:substance_edit": ("get", lambda f: {"pk": f["inv"]["dcm"].pk}, INV_WRITE_200, None),
    "inventory:group_list": ("get", None, INV_READ, None),
    "inventory:group_create": ("get", None, INV_WRITE_200, None),
    "inventory:group_edit": ("get", lambda f: {"pk": f["inv"]["group"].pk}, INV_WRITE_200, None),
    "inventory:campaign_list": ("get", None, INV_READ, None),
    "inventory:campaign_create": ("get", None, INV_WRITE_200, None),
    "inventory:campaign_edit": ("get", lambda f: {"pk": f["inv"]["campaign"].pk}, INV_WRITE_200, None),
    "inventory:report_list": ("get", None, INV_READ, None),
    "inventory:report_list_campaign": ("get", lambda f: {"campaign": f["inv"]["campaign"].pk}, INV_READ, None),
    "inventory:report_open": ("post", lambda f: {"campaign": f["inv"]["campaign"].pk}, INV_WRITE_302,
                              lambda f: {"credit_code": f["inv"]["enterprise"].credit_code}),
    "inventory:report_detail": ("get", lambda f: {"pk": f["inv"]["report"].pk}, INV_READ, None),
    "inventory:line_add": ("post", lambda f: {"pk": f["inv"]["report"].pk}, INV_WRITE_302,
                           lambda f: {"new-raw_name": "三氯甲烷", "new-raw_cas": "67-66-3", "new-activity": "use",
                                      "new-quantity": "2"}),
    "inventory:line_edit": ("post", lambda f: {"pk": f["inv"]["report"].pk, "line_pk": f["inv"]["line"].pk},
                            INV_WRITE_302, None),
    "inventory:line_delete": ("post", lambda f: {"pk": f["inv"]["report"].pk, "line_pk": f["inv"]["unresolved"].pk},
                              INV_WRITE_302, None),
    "inventory:report_submit": ("post", lambda f: {"pk": f["inv"]["report"].pk}, INV_WRITE_302, None),
    "inventory:report_review": ("post", lambda f: {"pk": f["inv"]["report"].pk}, INV_WRITE_302,
                                lambda f: {"decision": "approve"}),
    "inventory:curation": ("get", None, INV_WRITE_200, None),
    "inventory:line_resolve": ("post", lambda f: {"line_pk": f["inv"]["unresolved"].pk}, INV_WRITE_302,
                               lambda f: {"cas": "75-09-2"}),
    "inventory:site_list": ("get", None, INV_READ, None),
    "inventory:site_detail": ("get", lambda f: {"pk": f["inv"]["site"].pk}, INV_READ, None),
    "inventory:import_start": ("get", None, INV_WRITE_200, None),
    "inventory:template_download": ("get", lambda f: {"kind": "enterprises"}, INV_WRITE_200, None),
    "inventory:import_detail": ("get", lambda f: {"pk": f["import"].pk}, INV_WRITE_200, None),
    "inventory:import_status": ("get", lambda f: {"pk": f["import"].pk}, INV_WRITE_200, None),
    "inventory:import_confirm": ("post", lambda f: {"pk": f["import"].pk}, INV_WRITE_302, None),
    "inventory:import_cancel": ("post", lambda f: {"pk": f["import"].pk}, INV_WRITE_302, None),
    "inventory:import_retry": ("post", lambda f: {"pk": f["import"].pk}, INV_WRITE_302, None),
    "inventory:import_errors": ("get", lambda f: {"pk": f["import"].pk}, INV_WRITE_200, None),
    # ---- screening: bureau staff screen and assess within their region; leaders read and approve assessments
    "screening:hazard_list": ("get", None, INV_READ, None),
    "screening:hazard_substance": ("get", lambda f: {"pk": f["inv"]["pfos"].pk}, INV_READ, None),
    "screening:hazard_edit": ("get", lambda f: {"pk": f["scr"]["record"].pk}, INV_WRITE_200, None),
    "screening:hazard_delete": ("post", lambda f: {"pk": f["scr"]["record"].pk}, INV_WRITE_302, None),
    "screening:profile_list": ("get", None, INV_READ, None),
    "screening:profile_detail": ("get", lambda f: {"pk": f["scr"]["profiles"]["hj1229"].pk}, INV_READ, None),
    "screening:profile_edit": ("get", lambda f: {"pk": f["scr"]["profiles"]["hj1229"].pk}, INV_WRITE_200, None),
    "screening:run_list": ("get", None, INV_READ, None),
    "screening:run_detail": ("get", lambda f: {"pk": f["scr"]["run"].pk}, INV_READ, None),
    "screening:run_status": ("get", lambda f: {"pk": f["scr"]["run"].pk}, INV_READ, None),
    # a leader reaches the service, which refuses (no run_screening) with a message
    "screening:run_retry": ("post", lambda f: {"pk": f["scr"]["run"].pk},
                            row(LOGIN, rest=403, bureau_staff=302, leader=302), None),
    "screening:run_compare": ("get", lambda f: {"pk": f["scr"]["run"].pk}, INV_READ, None),
    "screening:run_pdf": ("get", lambda f: {"pk": f["scr"]["run"].pk}, INV_READ, None),
    "screening:result_override": ("post", lambda f: {"pk": f["scr"]["result"].pk}, INV_WRITE_302,
                                  lambda f: {"tier": "关注", "reason": "本地检出"}),
    "screening:assessment_list": ("get", None, INV_READ, None),
    "screening:assessment_create": ("post", None, INV_WRITE_302, lambda f: {"result": f["scr"]["result"].pk}),
    "screening:assessment_detail": ("get", lambda f: {"pk": f["scr"]["assessment"].pk}, INV_READ, None),
    "screening:assessment_edit": ("post", lambda f: {"pk": f["scr"]["assessment"].pk}, INV_WRITE_302,
                                  lambda f: {"title": "评估"}),
    "screening:assessment_attach": ("post", lambda f: {"pk": f["scr"]["assessment"].pk}, INV_WRITE_302, None),
    "screening:assessment_submit": ("post", lambda f: {"pk": f["scr"]["assessment"].pk}, INV_WRITE_302, None),
    "screening:assessment_review": ("post", lambda f: {"pk": f["scr"]["assessment"].pk},
                                    row(LOGIN, rest=403, bureau_staff=302, leader=302), lambda f: {"decision": "approve"}),
    "screening:attachment_download": ("get", lambda f: {"pk": f["attachment"].pk}, INV_READ, None),
    "screening:index": ("get", None, row(LOGIN, rest=403, bureau_staff=200, leader=200), None),
    # ---- controls: everyone in the module reads the lists; bureau staff recompute the controlled-enterprise list
    "controls:list_detail": ("get", lambda f: {"pk": f["clist"].pk},
                             row(LOGIN, rest=403, bureau_staff=200, leader=200, department_officer=200), None),
    "controls:controlled_list": ("get", lambda f: {"pk": f["clist"].pk},
                                 row(LOGIN, rest=403, bureau_staff=200, leader=200, department_officer=200), None),
    "controls:controlled_derive": ("post", lambda f: {"pk": f["clist"].pk}, row(LOGIN, rest=403, bureau_staff=302),
                                   None),
    "controls:index": ("get", None, row(LOGIN, rest=403, bureau_staff=200, leader=200, department_officer=200), None),
    "tasks:index": ("get", None, row(LOGIN, rest=403, bureau_staff=200, leader=200, department_officer=200), None),
    "api-root": ("get", None, row(API_ANON, rest=200), None),
    "api-me": ("get", None, row(API_ANON, rest=200), None),
    "api-dashboard": ("get", None, row(API_ANON, rest=403, leader=200, bureau_staff=200), None),
    "api-dashboard-panel": ("get", lambda f: {"panel": "plan"}, row(API_ANON, rest=403, leader=200, bureau_staff=200),
                            None),
    "api-token": ("post", None, row(400, rest=400), lambda f: {"username": "", "password": "x"}),
    "region-list": ("get", None, row(API_ANON, rest=200), None),
    "region-detail": ("get", lambda f: {"code": "140600"}, row(API_ANON, rest=200), None),
    "department-list": ("get", None, row(API_ANON, rest=200, security_admin=403, audit_admin=403), None),
    "department-detail": ("get", lambda f: {"pk": f["department"].pk},
                          row(API_ANON, rest=200, security_admin=403, audit_admin=403), None),
    "notification-list": ("get", None, row(API_ANON, rest=200), None),
    "notification-detail": ("get", lambda f: {"pk": f["notification"].pk}, row(API_ANON, rest=404, bureau_staff=200), None),
    "notification-read": ("post", lambda f: {"pk": f["notification"].pk}, row(API_ANON, rest=404, bureau_staff=200), None),
    "api-schema": ("get", None, row(API_ANON, rest=200), None),
    "api-docs": ("get", None, row(LOGIN, rest=200), None),
    "favicon": ("get", None, row(301, rest=301), None),
    "admin:index": ("get", None, row(302, rest=302, system_admin=200), None),
    # ---- tasks: department officers see their department's tasks; bureau staff review; leaders comment
    "tasks:task_detail": ("get", lambda f: {"pk": f["task"].pk}, row(LOGIN, rest=403, **BUSINESS_200), None),
    "tasks:report_submit": ("post", lambda f: {"pk": f["task"].pk}, row(LOGIN, rest=403, department_officer=302),
                            lambda f: {"narrative": "进展", "percent": 10}),
    "tasks:extension_request": ("post", lambda f: {"pk": f["task"].pk}, row(LOGIN, rest=403, department_officer=302),
                                lambda f: {"new_deadline": "2026-06-30", "reason": "延期"}),
    "tasks:task_close": ("post", lambda f: {"pk": f["task"].pk}, row(LOGIN, rest=403, bureau_staff=302), None),
    "tasks:task_comment": ("post", lambda f: {"pk": f["task"].pk}, row(LOGIN, rest=403, leader=302),
                           lambda f: {"text": "抓紧"}),
    "tasks:task_edit": ("get", lambda f: {"pk": f["task"].pk}, row(LOGIN, rest=403, bureau_staff=200), None),
    "tasks:report_review": ("post", lambda f: {"pk": f["report"].pk}, row(LOGIN, rest=403, bureau_staff=302),
                            lambda f: {"decision": "accept"}),
    "tasks:extension_decide": ("post", lambda f: {"pk": f["extension"].pk}, row(LOGIN, rest=403, bureau_staff=302),
                               lambda f: {"decision": "approve"}),
    "tasks:evidence_download": ("get", lambda f: {"pk": f["evidence"].pk}, row(LOGIN, rest=403, **BUSINESS_200), None),
    "tasks:plan_list": ("get", None, row(LOGIN, rest=403, **BUSINESS_200), None),
    "tasks:plan_import": ("get", None, row(LOGIN, rest=403, bureau_staff=200), None),
    "tasks:plan_detail": ("get", lambda f: {"pk": f["task"].plan_id}, row(LOGIN, rest=403, **BUSINESS_200), None),
    "tasks:plan_map_name": ("post", lambda f: {"pk": f["task"].plan_id}, row(LOGIN, rest=403, bureau_staff=302), None),
    "tasks:plan_cadence": ("post", lambda f: {"pk": f["task"].plan_id}, row(LOGIN, rest=403, bureau_staff=302),
                           lambda f: {"cadence": "quarterly", "report_day": 20}),
    "tasks:plan_publish": ("post", lambda f: {"pk": f["task"].plan_id}, row(LOGIN, rest=403, bureau_staff=302), None),
    "tasks:review_queue": ("get", None, row(LOGIN, rest=403, bureau_staff=200), None),
    "tasks:chase": ("get", None, row(LOGIN, rest=403, **BUSINESS_200), None),
    "tasks:indicator_list": ("get", None, row(LOGIN, rest=403, **BUSINESS_200), None),
    "tasks:indicator_report": ("post", lambda f: {"pk": f["indicator"].pk}, row(LOGIN, rest=403, department_officer=302),
                               lambda f: {"period": "2024-03", "value": "60"}),
    "tasks:document_list": ("get", None, row(LOGIN, rest=403, **BUSINESS_200), None),
    "tasks:document_request": ("post", None, row(LOGIN, rest=403, **BUSINESS_302), lambda f: {}),
    "tasks:document_status": ("get", lambda f: {"pk": f["document"].pk}, row(LOGIN, rest=403, bureau_staff=404,
                                                                              department_officer=404, leader=200), None),
    "tasks:document_retry": ("post", lambda f: {"pk": f["document"].pk}, row(LOGIN, rest=403, bureau_staff=404,
                                                                             department_officer=404, leader=302), None),
    "tasks:document_download": ("get", lambda f: {"pk": f["document"].pk}, row(LOGIN, rest=403, bureau_staff=404,
                                                                                department_officer=404, leader=200), None),
    "plan-list": ("get", None, row(API_ANON, rest=403, **BUSINESS_200), None),
    "plan-detail": ("get", lambda f: {"pk": f["task"].plan_id}, row(API_ANON, rest=403, **BUSINESS_200), None),
    "plan-publish": ("post", lambda f: {"pk": f["task"].plan_id}, row(API_ANON, rest=403, bureau_staff=400), None),
    "task-list": ("get", None, row(API_ANON, rest=403, **BUSINESS_200), None),
    "task-detail": ("get", lambda f: {"pk": f["task"].pk}, row(API_ANON, rest=403, **BUSINESS_200), None),
    "task-report": ("post", lambda f: {"pk": f["task"].pk}, row(API_ANON, rest=403, department_officer=201),
                    lambda f: {"narrative": "进展", "percent": 20}),
    "progressreport-list": ("get", None, row(API_ANON, rest=403, **BUSINESS_200), None),
    "progressreport-detail": ("get", lambda f: {"pk": f["report"].pk}, row(API_ANON, rest=403, **BUSINESS_200), None),
    "progressreport-review": ("post", lambda f: {"pk": f["report"].pk}, row(API_ANON, rest=403, bureau_staff=200),
                              lambda f: {"accept": True}),
    "extensionrequest-list": ("get", None, row(API_ANON, rest=403, **BUSINESS_200), None),
    "extensionrequest-detail": ("get", lambda f: {"pk": f["extension"].pk}, row(API_ANON, rest=403, **BUSINESS_200),
                                None),
    "extensionrequest-decide": ("post", lambda f: {"pk": f["extension"].pk}, row(API_ANON, rest=403, bureau_staff=200),
                                lambda f: {"approve": True}),
    "indicator-list": ("get", None, row(API_ANON, rest=403, **BUSINESS_200), None),
    "indicator-report-value": ("post", lambda f: {"pk": f["indicator"].pk},
                               row(API_ANON, rest=403, bureau_staff=403, department_officer=201, leader=403),
                               lambda f: {"period": "2024-03-01", "value": "61.5"}),
    "indicator-detail": ("get", lambda f: {"pk": f["indicator"].pk}, row(API_ANON, rest=403, **BUSINESS_200), None),
    "reportdocument-list": ("get", None, row(API_ANON, rest=403, **BUSINESS_200), None),
    "reportdocument-download": ("get", lambda f: {"pk": f["document"].pk},
                                row(API_ANON, rest=403, bureau_staff=404, department_officer=404, leader=200), None),
    "reportdocument-detail": ("get", lambda f: {"pk": f["document"].pk},
                              row(API_ANON, rest=403, bureau_staff=404, department_officer=404, leader=200), None),
}

# The API entries of the inventory and screening live beside their tests.
MATRIX.update(INVENTORY_API_MATRIX)
MATRIX.update(SCREENING_API_MATRIX)
MATRIX.update(CONTROLS_MATRIX)
MATRIX.update(CONTROLS_API_MATRIX)
MATRIX.update(INSPECTIONS_MATRIX)

# URL names that come whole from a third-party app and are guarded by it: Django's admin checks
# is_staff and model permissions itself (only the system administrator is staff; see admin:index).
DELEGATED_PREFIXES = ("admin:",)


def _walk(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern, ns)
        elif isinstance(pattern, URLPattern):
            pattern.portal_namespace = namespace
            yield (f"{namespace}{pattern.name}" if pattern.name else None), pattern


def name_in_delegated(pattern):
    return pattern.portal_namespace.startswith(DELEGATED_PREFIXES)


def test_every_url_pattern_is_in_the_matrix():
    missing, unnamed = set(), []
    for name, pattern in _walk(get_resolver()):
        if name is None:
            if not name_in_delegated(pattern):
                unnamed.append(str(pattern.pattern))
        elif name not in MATRIX and not name.startswith(DELEGATED_PREFIXES):
            missing.add(name)
    assert not unnamed, f"URL patterns without a name cannot be checked: {unnamed}"
    assert not missing, f"URL patterns with no entry in the permission matrix: {sorted(missing)}"


@pytest.fixture
def matrix_objects(users, departments, regions, settings, tmp_path, inventory):
    """One object of each kind: a published city plan whose task is led by the officer's department,
    a submitted report with evidence, a pending extension request, an indicator, the leader's PDF."""
    from django.core.files.base import ContentFile

    from tasks.models import Evidence, ReportDocument

    settings.MEDIA_ROOT = tmp_path
    cache.set(WORKER_HEARTBEAT_KEY, time.time())
    cache.set(BEAT_HEARTBEAT_KEY, time.time())
    plan = ActionPlanFactory(region=regions["city"])
    task = TaskFactory(plan=plan)
    assignment = TaskAssignmentFactory(task=task, department=departments["agri"], is_lead=True)
    report = ProgressReportFactory(assignment=assignment, submitted_by=users["department_officer"])
    evidence = Evidence(report=report, original_name="汇总.pdf", content_type="application/pdf", size=8, sha256="0" * 64)
    evidence.file.save("e.pdf", ContentFile(b"%PDF-1.4"), save=True)
    document = ReportDocument(plan=plan, period=plan.issued.replace(day=1), recipient=users["leader"], status="done")
    document.file.save("r.pdf", ContentFile(b"%PDF-1.4"), save=True)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inventory.models import ImportRecord
    from screening.models import AssessmentAttachment

    scr = screening_matrix_objects(users, regions, inventory)
    attachment = AssessmentAttachment(assessment=scr["approved"], original_name="评估报告.pdf",
                                      content_type="application/pdf", size=8, sha256="0" * 64,
                                      uploaded_by=users["bureau_staff"])
    attachment.file.save("a.pdf", SimpleUploadedFile("a.pdf", b"%PDF-1.4"), save=True)
    from controls.models import ControlList
    from portal.models import PasswordResetRequest

    clist = ControlList.objects.create(kind="national_key", name="重点管控新污染物清单", edition="2023年版", year=2023,
                                       jurisdiction="national", status="in_force")
    return {
        "clist": clist,
        "ctl": controls_matrix_objects(users, regions, inventory, clist),
        "inv": inventory,
        "scr": scr,
        "attachment": attachment,
        "import": ImportRecord.objects.create(kind="survey_lines", actor=users["bureau_staff"], file_name="调查.csv",
                                              sha256="0" * 64, status="failed"),
        "notification": NotificationFactory(recipient=users["bureau_staff"]),
        "target": users["department_officer"],
        # the security administrator's password: asked for by the system administrator in the matrix's request
        "admin_target": users["security_admin"],
        # a reset of the audit administrator's password asked for by the system administrator
        "admin_reset": PasswordResetRequest.objects.create(target=users["audit_admin"],
                                                           requested_by=users["system_admin"], first_half="Ab1!cd2#"),
        "department": departments["bureau"],
        "task": task,
        "report": report,
        "evidence": evidence,
        "extension": ExtensionRequestFactory(task=task, department=departments["agri"],
                                             requested_by=users["department_officer"]),
        "indicator": IndicatorFactory(plan=plan, department=departments["agri"]),
        "document": document,
    }


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(name, client_for, matrix_objects):
    method, kwargs, expected, data = MATRIX[name]
    url = reverse(name, kwargs=kwargs(matrix_objects) if kwargs else None)
    assert_statuses(client_for, method, url, expected, data=data(matrix_objects) if data else None)
