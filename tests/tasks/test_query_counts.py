"""Pages and endpoints of the tasks feature issue a fixed number of queries, the same for 2 tasks as
for 20 (numbers pinned)."""
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ProgressReportFactory, TaskAssignmentFactory, TaskFactory

# case: (url name, role, kwargs builder, exact count)
PAGES = {
    "home of bureau staff": ("portal:home", "bureau_staff", None, 17),  # + the survey reports to review (and the reviewer's region)
    "home of an officer": ("portal:home", "department_officer", None, 10),
    "home of a leader": ("portal:home", "leader", None, 10),
    "task list": ("tasks:index", "department_officer", None, 12),
    "task detail": ("tasks:task_detail", "bureau_staff", lambda f: {"pk": f["task"].pk}, 14),
    "plan list": ("tasks:plan_list", "leader", None, 9),
    "plan detail": ("tasks:plan_detail", "bureau_staff", lambda f: {"pk": f["task"].plan_id}, 14),
    "review queue": ("tasks:review_queue", "bureau_staff", None, 10),
    "chase": ("tasks:chase", "bureau_staff", None, 10),
    "indicators": ("tasks:indicator_list", "leader", None, 9),
    "documents": ("tasks:document_list", "leader", None, 10),
    "API tasks": ("task-list", "department_officer", None, 8),
    "API progress reports": ("progressreport-list", "bureau_staff", None, 8),
}


def add_tasks(plan, departments, users, n):
    for _ in range(n):
        t = TaskFactory(plan=plan)
        lead = TaskAssignmentFactory(task=t, department=departments["agri"], is_lead=True)
        TaskAssignmentFactory(task=t, department=departments["bureau"], is_lead=False)
        ProgressReportFactory(assignment=lead, submitted_by=users["department_officer"])


def measure(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_tasks_pages_issue_a_fixed_number_of_queries(name, users, task, departments):
    url_name, role, kwargs, expected = PAGES[name]
    client = Client()
    client.force_login(users[role])
    url = reverse(url_name, kwargs=kwargs({"task": task}) if kwargs else None)
    add_tasks(task.plan, departments, users, 2)
    client.get(url)
    few = measure(client, url)
    add_tasks(task.plan, departments, users, 18)
    many = measure(client, url)
    assert (few, many) == (expected, expected)
