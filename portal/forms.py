from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from . import permissions as perms
from .choices import AuditOutcome
from .models import Department, User


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong user name or password. After %(limit)s failed attempts the account is "
                           "locked for %(cooloff)s minutes."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autofocus": True, "autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def get_invalid_login_error(self):
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "limit": settings.AXES_FAILURE_LIMIT,
                "cooloff": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            },
        )


class PortalPasswordChangeForm(PasswordChangeForm):
    """Validates only; the change itself is `user_change_password`."""

    def save(self, commit=True):  # pragma: no cover - the view calls the service instead
        raise NotImplementedError


class UserCreateForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["username", "real_name", "department", "phone", "email"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.visible_to(actor).select_related("region")
        self.fields["department"].required = True
        self.fields["real_name"].required = True


class UserRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=[(r, perms.ROLE_LABELS[r]) for r in perms.ROLES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Separation of duties: an account holds either business roles or exactly one of the three "
                    "administrator roles, never both; an administrator role only once the holder has set their own "
                    "password."),
    )

    def clean_roles(self):
        roles = self.cleaned_data["roles"]
        perms.check_role_combination(roles)
        return roles


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    action = forms.CharField(label=_("Action"), required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False,
        choices=[("", _("All")), *AuditOutcome.choices],
    )
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
