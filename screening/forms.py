"""Forms of the screening pages: input parsing only; the rules are in the services."""
import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.forms import StyledForm, regions_below

from . import profiles
from .choices import AssessmentConclusion, Compartment, Endpoint, RecordSource
from .models import ProfileVersion


class HazardRecordForm(StyledForm):
    endpoint = forms.ChoiceField(label=_("endpoint"), choices=Endpoint.choices)
    compartment = forms.ChoiceField(label=_("compartment"), choices=[("", "—")] + Compartment.choices, required=False,
                                    help_text=_("Half-lives only."))
    entered_value = forms.CharField(label=_("value"), max_length=40, required=False,
                                    help_text=_("A number, with ≥ > ≤ < ≈ when the source gives one (e.g. ≥2000)."))
    entered_unit = forms.CharField(label=_("unit"), max_length=16, required=False,
                                   help_text=_("d, h, 年 for half-lives; mg/L, μg/L for NOEC and L(E)C50; L/kg for BCF."))
    category = forms.CharField(label=_("category"), max_length=16, required=False,
                               help_text=_("GHS category (1A, 1B, 2 …), or 是/否 for listings and endocrine "
                                           "disruption."))
    reliability = forms.TypedChoiceField(label=_("reliability (Klimisch)"), coerce=int, initial=2,
                                         choices=[(1, _("1 reliable without restriction")),
                                                  (2, _("2 reliable with restrictions")),
                                                  (3, _("3 not reliable")), (4, _("4 not assignable"))])
    source = forms.ChoiceField(label=_("source"), choices=RecordSource.choices, initial=RecordSource.DATABASE)
    reference = forms.CharField(label=_("reference"), max_length=500, required=False)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RunForm(StyledForm):
    version = forms.ModelChoiceField(label=_("criteria profile"), queryset=ProfileVersion.objects.none(),
                                     help_text=_("The run keeps this version even if the thresholds change later."))
    region = forms.ModelChoiceField(label=_("region"), queryset=None)
    year = forms.IntegerField(label=_("survey year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("title"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_below(user)
        self.fields["version"].queryset = ProfileVersion.objects.select_related("profile").order_by(
            "profile__code", "-number")
        self.fields["version"].label_from_instance = lambda v: f"{v.profile.name} · v{v.number}"
        self.fields["year"].initial = datetime.date.today().year - 1


class OverrideForm(forms.Form):
    tier = forms.CharField(max_length=20)
    reason = forms.CharField(max_length=2000, required=False)


class ThresholdsForm(StyledForm):
    """Every threshold of a profile as one field (nested keys joined with dots; category lists as
    text separated by 、 or commas), plus what changed."""

    def __init__(self, *args, profile_code, thresholds, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile_code = profile_code
        self.paths = []
        for path, value in _flatten(thresholds):
            self.paths.append(path)
            initial = "、".join(value) if isinstance(value, list) else value
            self.fields[path] = forms.CharField(label=profiles.threshold_label(path), initial=initial, required=False,
                                                max_length=100)
            self.fields[path].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["note"] = forms.CharField(label=_("what changed and why"), max_length=500,
                                             widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))
        self.template = thresholds

    def thresholds(self) -> dict:
        """The edited values in the shape of the template (numbers kept as the text typed, so that a
        non-number is reported by the profile's own validation)."""
        def build(template, prefix):
            out = {}
            for key, value in template.items():
                path = f"{prefix}{key}"
                if isinstance(value, dict):
                    out[key] = build(value, f"{path}.")
                elif isinstance(value, list):
                    text = self.cleaned_data.get(path, "") or ""
                    out[key] = [p.strip() for p in text.replace(",", "、").replace("，", "、").split("、") if p.strip()]
                else:
                    out[key] = (self.cleaned_data.get(path) or "").strip()
            return out

        return build(self.template, "")


def _flatten(thresholds: dict, prefix=""):
    for key, value in thresholds.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


class AssessmentForm(StyledForm):
    title = forms.CharField(label=_("title"), max_length=200)
    hazard_identification = forms.CharField(label=_("1. hazard identification"), required=False,
                                            widget=forms.Textarea(attrs={"rows": 4}))
    dose_response = forms.CharField(label=_("2. dose–response assessment"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 4}),
                                    help_text=_("e.g. PNEC with its assessment factor, or a human reference dose."))
    exposure_assessment = forms.CharField(label=_("3. exposure assessment"), required=False,
                                          widget=forms.Textarea(attrs={"rows": 4}),
                                          help_text=_("Environmental concentrations (PEC) or intake, from survey "
                                                      "and monitoring data."))
    risk_characterisation = forms.CharField(label=_("4. risk characterisation"), required=False,
                                            widget=forms.Textarea(attrs={"rows": 4}),
                                            help_text=_("e.g. risk characterisation ratio PEC/PNEC."))
    conclusion = forms.ChoiceField(label=_("conclusion"), required=False,
                                   choices=[("", "—")] + AssessmentConclusion.choices)
    recommended_measures = forms.CharField(label=_("recommended measures"), required=False,
                                           widget=forms.Textarea(attrs={"rows": 3}))


class AssessmentReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return for correction"))])
    note = forms.CharField(required=False, max_length=2000)


class AttachmentForm(forms.Form):
    file = forms.FileField()
