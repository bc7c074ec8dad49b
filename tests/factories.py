"""Factories for every model. State goes through services where a rule applies (roles)."""
import datetime

import factory
from django.contrib.auth.models import Group

from portal import permissions as perms
from portal.choices import DepartmentKind, RegionLevel
from portal.models import Department, DepartmentAlias, Notification, Region, User

TEST_PASSWORD = "Pollutant#2026"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{910000 + n % 890 * 100}")  # six digits however long the run
    name = factory.Sequence(lambda n: f"测试区划{n}")
    level = RegionLevel.PROVINCE
    parent = None


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试部门{n}")
    short_name = factory.LazyAttribute(lambda o: o.name[-4:])
    region = factory.SubFactory(RegionFactory)
    kind = DepartmentKind.MEMBER


class DepartmentAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DepartmentAlias

    name = factory.Sequence(lambda n: f"别名{n}")
    department = factory.SubFactory(DepartmentFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"用户{n}")
    department = factory.SubFactory(DepartmentFactory)
    phone = "13812345678"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.gov.cn")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))
            self.is_staff = perms.SYSTEM_ADMIN in extracted
            self.save(update_fields=["is_staff"])


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"通知{n}")
    body = "正文"


class AuditEventFactory(factory.Factory):
    """Audit events come only from `audit_record` (the table is append-only)."""

    class Meta:
        model = dict

    actor = factory.SubFactory(UserFactory)
    action = factory.Sequence(lambda n: f"test.action{n}")
    detail = ""

    @classmethod
    def _create(cls, model_class, **kwargs):
        from portal.services import audit_record

        return audit_record(**kwargs)


# ---------------------------------------------------------------- tasks

class ActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks.ActionPlan"

    title = factory.Sequence(lambda n: f"测试市新污染物治理行动方案{n}")
    issuer = "测试市人民政府办公室"
    doc_number = factory.Sequence(lambda n: f"测政办发〔2023〕{n}号")
    issued = factory.LazyFunction(lambda: datetime.date(2023, 5, 13))
    region = factory.SubFactory(RegionFactory)
    status = "published"


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks.Task"

    plan = factory.SubFactory(ActionPlanFactory)
    order = factory.Sequence(lambda n: n)
    label = factory.Sequence(lambda n: f"三、（{n}）")
    title = factory.Sequence(lambda n: f"测试任务{n}")
    text = "开展化学物质环境信息调查。"
    deadline = factory.LazyFunction(lambda: datetime.date(2025, 12, 31))
    start_date = factory.LazyAttribute(lambda o: o.plan.issued)


class TaskAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks.TaskAssignment"

    task = factory.SubFactory(TaskFactory)
    department = factory.SubFactory(DepartmentFactory)
    written_name = factory.LazyAttribute(lambda o: o.department.name if o.department else "未知部门")
    is_lead = True


class ProgressReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks.ProgressReport"

    assignment = factory.SubFactory(TaskAssignmentFactory)
    period = factory.LazyFunction(lambda: datetime.date.today().replace(day=1))
    narrative = "已完成阶段性工作。"
    percent = 30
    submitted_by = factory.SubFactory(UserFactory)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks.Indicator"

    plan = factory.SubFactory(ActionPlanFactory)
    name = factory.Sequence(lambda n: f"农药包装废弃物回收率{n}")
    unit = "%"
    comparator = "gte"
    target = 80
    deadline = factory.LazyFunction(lambda: datetime.date(2025, 12, 31))
    department = factory.SubFactory(DepartmentFactory)


class ExtensionRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks.ExtensionRequest"

    task = factory.SubFactory(TaskFactory)
    department = factory.SubFactory(DepartmentFactory)
    requested_by = factory.SubFactory(UserFactory)
    new_deadline = factory.LazyFunction(lambda: datetime.date(2026, 6, 30))
    reason = "受客观因素影响，需延期。"
