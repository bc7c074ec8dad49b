from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.models import Department

from .choices import Cadence


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class PlanImportForm(forms.Form):
    # Empty files reach the parser, which says in Chinese what is wrong with them.
    file = forms.FileField(label=_("Plan document (.txt or .docx)"), required=False, allow_empty_file=True)
    text = forms.CharField(label=_("…or paste the text"), required=False,
                           widget=forms.Textarea(attrs={"rows": 10}))

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), (data.get("text") or "").strip()
        if not upload and not text:
            raise forms.ValidationError(_("Choose a file or paste the plan's text."))
        if upload and upload.size > settings.PORTAL_PLAN_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.")
                                        % {"mb": settings.PORTAL_PLAN_MAX_BYTES // 1048576})
        return data


class TaskEditForm(forms.Form):
    label = forms.CharField(label=_("Item"), max_length=64)
    title = forms.CharField(label=_("Title"), max_length=300)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}))
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    deadline_text = forms.CharField(label=_("Deadline as written"), max_length=200, required=False)
    implementers = forms.CharField(label=_("Implementing governments (one per line)"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    lead_ids = forms.ModelMultipleChoiceField(label=_("Lead departments"), queryset=Department.objects.none())
    co_ids = forms.ModelMultipleChoiceField(label=_("Co-responsible departments"), queryset=Department.objects.none(),
                                            required=False)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_ids"].queryset = departments
        self.fields["co_ids"].queryset = departments


class MapNameForm(forms.Form):
    written_name = forms.CharField(widget=forms.HiddenInput)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class ProgressReportForm(forms.Form):
    narrative = forms.CharField(label=_("Progress this period"), widget=forms.Textarea(attrs={"rows": 4}))
    percent = forms.IntegerField(label=_("Percent complete"), min_value=0, max_value=100,
                                 error_messages={"min_value": _("The percentage must be between 0 and 100."),
                                                 "max_value": _("The percentage must be between 0 and 100.")})
    decrease_reason = forms.CharField(label=_("Reason, if lower than last accepted"), required=False, max_length=500)
    files = MultipleFileField(label=_("Evidence (PDF, Word, Excel, images)"), required=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("return", _("Return"))])
    reason = forms.CharField(label=_("Reason for return"), required=False, max_length=500)


class ExtensionForm(forms.Form):
    new_deadline = forms.DateField(label=_("New deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Instruction"), widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Verification note"), required=False, max_length=500)


class IndicatorValueForm(forms.Form):
    period = forms.DateField(label=_("Period"), widget=forms.DateInput(attrs={"type": "month"}),
                             input_formats=["%Y-%m", "%Y-%m-%d"])
    value = forms.DecimalField(label=_("Value"), max_digits=12, decimal_places=2)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class DocumentRequestForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=None)
    period = forms.DateField(label=_("Month"), widget=forms.DateInput(attrs={"type": "month"}),
                             input_formats=["%Y-%m", "%Y-%m-%d"])

    def __init__(self, *args, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans

    def clean_period(self):
        return self.cleaned_data["period"].replace(day=1)


class CadenceForm(forms.Form):
    cadence = forms.ChoiceField(label=_("Reporting cadence"), choices=Cadence.choices)
    report_day = forms.IntegerField(label=_("Reports due on day"), min_value=1, max_value=28)
