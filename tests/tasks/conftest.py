"""A published plan of the city with two tasks: 强化农药使用管理 led by 市农业农村局 (the officer's
department) with the city bureau co-responsible, and one led by the bureau alone."""
import datetime

import pytest

from tests.factories import ActionPlanFactory, TaskAssignmentFactory, TaskFactory


@pytest.fixture
def plan(regions):
    return ActionPlanFactory(title="朔州市新污染物治理行动方案", issuer="朔州市人民政府办公室",
                             region=regions["city"], issued=datetime.date(2023, 5, 13))


@pytest.fixture
def task(plan, departments):
    task = TaskFactory(plan=plan, label="三、（七）", title="强化农药使用管理", deadline=datetime.date(2025, 12, 31))
    TaskAssignmentFactory(task=task, department=departments["agri"], is_lead=True)
    TaskAssignmentFactory(task=task, department=departments["bureau"], is_lead=False)
    return task


@pytest.fixture
def other_task(plan, departments):
    task = TaskFactory(plan=plan, label="三、（八）", title="加强新污染物多环境介质协同治理")
    TaskAssignmentFactory(task=task, department=departments["bureau"], is_lead=True)
    return task


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def pdf_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("县级汇总.pdf", PDF, content_type="application/pdf")
