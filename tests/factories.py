"""Factories for every model. State goes through services where a rule applies (roles)."""
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

    code = factory.Sequence(lambda n: f"{910000 + n * 100}")
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
