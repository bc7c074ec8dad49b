"""A draft plan's items are not work yet: they are seen on the draft's page by bureau staff, and nowhere else —
not in task lists, home queues, counts, the API or documents."""
import datetime

import pytest
from django.test import Client
from django.urls import reverse

from tasks import selectors
from tests.factories import ActionPlanFactory, TaskAssignmentFactory, TaskFactory


@pytest.fixture
def draft_task(regions, departments):
    draft = ActionPlanFactory(title="朔州市新污染物治理工作方案（草稿）", region=regions["city"], status="draft",
                              issued=datetime.date(2023, 5, 13))
    task = TaskFactory(plan=draft, label="三、（九）", title="草稿中的任务", deadline=datetime.date(2025, 12, 31))
    TaskAssignmentFactory(task=task, department=departments["bureau"], is_lead=True)
    TaskAssignmentFactory(task=task, department=departments["agri"], is_lead=False)
    return task


@pytest.mark.parametrize("who", ["bureau_staff", "leader", "department_officer"])
def test_a_drafts_items_reach_no_task_list_queue_or_count(users, task, draft_task, who):
    user = users[who]
    assert draft_task not in selectors.task_list(user=user)
    assert draft_task not in selectors.my_tasks(user=user)
    assert selectors.alert_counts(user=user)["total"] == selectors.task_list(user=user).count() == 1
    client = Client()
    client.force_login(user)
    assert "草稿中的任务" not in client.get(reverse("tasks:index")).content.decode()
    assert "草稿中的任务" not in client.get(reverse("portal:home")).content.decode()
    api = client.get(reverse("task-list")).json()
    assert [row["id"] for row in api["results"]] == [task.pk]
    assert client.get(reverse("task-detail", args=[draft_task.pk])).status_code == 404
    assert client.get(reverse("tasks:task_detail", args=[draft_task.pk])).status_code == 404


def test_bureau_staff_see_and_correct_a_drafts_items_on_its_page(users, draft_task):
    client = Client()
    client.force_login(users["bureau_staff"])
    page = client.get(reverse("tasks:plan_detail", args=[draft_task.plan_id])).content.decode()
    assert "草稿中的任务" in page and reverse("tasks:task_edit", args=[draft_task.pk]) in page
    assert client.get(reverse("tasks:task_edit", args=[draft_task.pk])).status_code == 200


def test_once_published_the_items_are_live_work(users, draft_task, django_capture_on_commit_callbacks):
    from tasks.services import plan_publish

    with django_capture_on_commit_callbacks(execute=True):
        plan_publish(actor=users["bureau_staff"], plan=draft_task.plan)
    assert draft_task in selectors.task_list(user=users["bureau_staff"])
    assert draft_task in selectors.task_list(user=users["department_officer"])
