"""Forms of the controls pages. They parse and shape input; the rules (draft editions, duplicate CAS numbers,
dates, reasons, scope) are checked by the services, whose messages the views attach to the form."""
from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.forms import StyledForm, regions_below
from inventory.models import Enterprise
from portal import permissions as perms
from portal.choices import DepartmentKind
from portal.models import Department

from .choices import EntryCategory, InspectionResult, Jurisdiction, MeasureStatus, MeasureType

DATE = forms.DateInput(attrs={"type": "date"})


def departments_below(user):
    qs = Department.objects.filter(is_active=True).select_related("region").order_by("region__code", "kind", "name")
    if perms.sees_everything(user):
        return qs
    region = perms.scope_region(user)
    return qs.filter(region__path__startswith=region.path) if region else qs.none()


class ListForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=200)
    edition = forms.CharField(label=_("edition"), max_length=50, help_text=_("For example 2023年版 or 第一批."))
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    jurisdiction = forms.ChoiceField(label=_("jurisdiction"),
                                     choices=[c for c in Jurisdiction.choices if c[0] != Jurisdiction.NATIONAL])
    region = forms.ModelChoiceField(label=_("region"), queryset=None)
    issuer = forms.CharField(label=_("issuer"), max_length=300, required=False)
    doc_number = forms.CharField(label=_("document number"), max_length=100, required=False)
    effective_on = forms.DateField(label=_("effective on"), required=False, widget=DATE)
    base = forms.ModelChoiceField(label=_("builds on"), queryset=None, required=False,
                                  help_text=_("The national list the local supplement adds to."))
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import ControlList
        self.fields["region"].queryset = regions_below(user)
        self.fields["base"].queryset = ControlList.objects.filter(region__isnull=True).order_by("kind", "-year")


class EditionForm(StyledForm):
    edition = forms.CharField(label=_("edition"), max_length=50, help_text=_("For example 2025年版."))
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    doc_number = forms.CharField(label=_("document number"), max_length=100, required=False)
    effective_on = forms.DateField(label=_("effective on"), required=False, widget=DATE)


class EntryForm(StyledForm):
    number = forms.IntegerField(label=_("number"), min_value=1, required=False,
                                help_text=_("Leave empty for the next free number."))
    code = forms.CharField(label=_("code"), max_length=20, required=False)
    name = forms.CharField(label=_("name"), max_length=300)
    name_en = forms.CharField(label=_("English name"), max_length=300, required=False)
    category = forms.ChoiceField(label=_("category"), choices=EntryCategory.choices)
    is_group = forms.BooleanField(label=_("group of substances"), required=False)
    cas_text = forms.CharField(label=_("CAS RN"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("One per line, or separated by commas. A group may list several."))
    covers = forms.CharField(label=_("what else it covers"), required=False,
                             help_text=_("For example 及其盐类和相关化合物."))
    summary = forms.CharField(label=_("measures as written"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    verified = forms.BooleanField(label=_("verified"), required=False)
    to_confirm = forms.CharField(label=_("to be confirmed"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MeasureForm(StyledForm):
    type = forms.ChoiceField(label=_("type"), choices=MeasureType.choices)
    scope = forms.CharField(label=_("scope"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_("For an exempted use: which use, for example 灭火泡沫."))
    effective_on = forms.DateField(label=_("effective on"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("ends on"), required=False, widget=DATE,
                              help_text=_("Required for an exempted use."))
    legal_basis = forms.CharField(label=_("legal basis"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    departments = forms.ModelMultipleChoiceField(label=_("responsible departments"), queryset=None, required=False,
                                                 widget=forms.SelectMultiple(attrs={"size": 6}))
    task_days_after = forms.IntegerField(label=_("task due days after the end date"), min_value=0, max_value=3650,
                                         required=False)
    verified = forms.BooleanField(label=_("verified"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments_below(user)


class MeasureTaskForm(StyledForm):
    plan = forms.ModelChoiceField(label=_("plan"), queryset=None,
                                  help_text=_("The task is added to this published plan."))
    departments = forms.ModelMultipleChoiceField(label=_("responsible departments"), queryset=None,
                                                 widget=forms.SelectMultiple(attrs={"size": 8}),
                                                 help_text=_("The first one chosen leads."))
    days_after = forms.IntegerField(label=_("due days after the date"), min_value=0, max_value=3650, initial=30)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from tasks.choices import PlanStatus
        from tasks.models import ActionPlan
        plans = ActionPlan.objects.filter(status=PlanStatus.PUBLISHED).select_related("region").order_by("-issued")
        if not perms.sees_everything(user):
            region = perms.scope_region(user)
            plans = plans.filter(region__path__startswith=region.path) if region else plans.none()
        self.fields["plan"].queryset = plans
        self.fields["departments"].queryset = departments_below(user)


class DecideForm(StyledForm):
    action = forms.ChoiceField(choices=[("confirm", _("Confirm")), ("remove", _("Remove")),
                                        ("restore", _("Restore"))], widget=forms.HiddenInput)
    reason = forms.CharField(label=_("reason for removal"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(label=_("evidence"), required=False)


class AddEnterpriseForm(StyledForm):
    enterprise = forms.CharField(label=_("enterprise"), help_text=_("Unified social credit code."))
    entries = forms.TypedMultipleChoiceField(label=_("entries"), coerce=int, choices=(),
                                             widget=forms.SelectMultiple(attrs={"size": 6}))
    evidence = forms.CharField(label=_("evidence"), widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("Permit, inspection record or other source showing the substance."))

    def __init__(self, *args, clist, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["entries"].choices = [(e.number, f"{e.number}. {e.name}")
                                          for e in clist.entries.order_by("number")]

    def clean_enterprise(self):
        code = self.cleaned_data["enterprise"].strip().upper()
        enterprise = Enterprise.objects.visible_to(self.user).filter(credit_code=code).first()
        if enterprise is None:
            raise forms.ValidationError(_("No enterprise with credit code %(code)s in your region.") % {"code": code})
        return enterprise


class MeasureStatusForm(StyledForm):
    status = forms.ChoiceField(label=_("status"), choices=MeasureStatus.choices)
    note = forms.CharField(label=_("note"), required=False)


class PublishForm(StyledForm):
    region = forms.ModelChoiceField(label=_("region"), queryset=None)
    note = forms.CharField(label=_("note"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_below(user)


# ---------------------------------------------------------------- 双随机、一公开 inspections

INSPECTION_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DrawForm(StyledForm):
    title = forms.CharField(label=_("title"), max_length=200)
    region = forms.ModelChoiceField(label=_("region"), queryset=None)
    list = forms.ModelChoiceField(label=_("list"), queryset=None,
                                  help_text=_("Enterprises are drawn from this list's controlled-enterprise "
                                                         "list."))
    n_enterprises = forms.IntegerField(label=_("number of enterprises"), min_value=1, max_value=10000)
    n_inspectors = forms.IntegerField(label=_("inspectors per enterprise"), min_value=1, max_value=20,
                                      initial=2)
    strata = forms.ChoiceField(label=_("stratification"), required=False, choices=[
        ("", _("None: a simple random sample")), ("county", _("By county, proportional")),
        ("risk", _("By risk, proportional (higher risk: on two or more entries)"))])
    exclude_same_county = forms.BooleanField(label=_("exclude inspectors from the enterprise's county"),
                                             required=False)
    pool = forms.ModelMultipleChoiceField(
        label=_("inspector pool"), queryset=None, widget=forms.CheckboxSelectMultiple,
        help_text=_("An inspector who is an enterprise's contact person is never drawn for it."))
    plan = forms.ModelChoiceField(label=_("plan for rectification tasks"), queryset=None,
                                  help_text=_("Rectifications become tasks of this plan, so reminders "
                                                         "cover their deadlines."))
    department = forms.ModelChoiceField(label=_("responsible department"), queryset=None)

    def __init__(self, *args, user, **kwargs):
        from portal.models import User
        from tasks.choices import PlanStatus
        from tasks.models import ActionPlan

        from .models import ControlList

        super().__init__(*args, **kwargs)
        region = perms.scope_region(user)
        self.fields["region"].queryset = regions_below(user)
        self.fields["list"].queryset = ControlList.objects.visible_to(user).in_force().order_by("kind", "-year")
        self.fields["plan"].queryset = (ActionPlan.objects.visible_to(user).filter(status=PlanStatus.PUBLISHED)
                                        .order_by("-issued", "pk"))
        self.fields["department"].queryset = (Department.objects.visible_to(user).filter(is_active=True)
                                              .order_by("region__code", "kind", "name"))
        self.fields["pool"].queryset = (User.objects.visible_to(user)
                                        .filter(is_active=True, department__kind=DepartmentKind.BUREAU)
                                        .select_related("department").order_by("department__region__code", "pk"))
        self.fields["pool"].label_from_instance = (
            lambda u: f"{u.real_name or u.username}（{u.department.short_name or u.department.name}）")
        self.fields["region"].initial = region.pk if region else None
        self.fields["department"].initial = user.department_id


class FindingForm(StyledForm):
    measure = forms.IntegerField(label=_("measure"), required=False, widget=forms.Select)
    text = forms.CharField(label=_("finding"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    requirement = forms.CharField(label=_("what must be corrected"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label=_("deadline"), required=False, widget=INSPECTION_DATE)

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].widget.choices = [("", "—"), *((m.pk, str(m)) for m in measures)]


FindingFormSet = forms.formset_factory(FindingForm, extra=4)


class InspectionRecordForm(StyledForm):
    inspected_on = forms.DateField(label=_("inspected on"), widget=INSPECTION_DATE)
    result = forms.ChoiceField(label=_("result"), choices=InspectionResult.choices)
    summary = forms.CharField(label=_("summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
