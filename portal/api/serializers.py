from rest_framework import serializers

from portal import permissions as perms
from portal.models import Department, Notification, Region, User


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


class DepartmentSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    aliases = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "short_name", "kind", "region", "aliases"]


class MeSerializer(serializers.ModelSerializer):
    department = serializers.SerializerMethodField()
    region = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "real_name", "email", "department", "region", "roles", "must_change_password"]

    def get_department(self, user) -> dict | None:
        d = user.department
        return None if d is None else {"id": d.pk, "name": d.name, "short_name": d.short_name, "kind": d.kind}

    def get_region(self, user) -> dict | None:
        r = user.region
        return None if r is None else {"code": r.code, "name": r.name, "level": r.level}

    def get_roles(self, user) -> list[str]:
        held = perms.user_roles(user)
        return [r for r in perms.ROLES if r in held]


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "link", "level", "created_at", "read_at"]
        read_only_fields = fields
