"""Forms of the inventory pages. They only parse and shape input; the rules (identifiers, scope,
review chain) are checked by the services, whose messages the views attach to the form."""
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.models import Region

from .choices import Activity, SurveyKind
from .models import Substance, SurveyLine


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so templates can render `{{ field }}` as is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple)):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            widget.attrs.setdefault("class", css)


def regions_below(user):
    """Regions the user may file data for: their own and every region under it."""
    from portal import permissions as perms

    qs = Region.objects.order_by("path")
    if perms.sees_everything(user):
        return qs
    region = perms.scope_region(user)
    return qs.filter(path__startswith=region.path) if region else qs.none()


class EnterpriseForm(StyledForm):
    credit_code = forms.CharField(label=_("unified social credit code"), max_length=40,
                                  help_text=_("18 characters; full-width characters and spaces are tidied up."))
    confirm_legacy_code = forms.BooleanField(
        label=_("Keep this code although it fails the check (an early, valid code)"), required=False)
    name = forms.CharField(label=_("name"), max_length=255)
    region = forms.ModelChoiceField(label=_("region"), queryset=Region.objects.none())
    industry_code = forms.CharField(label=_("industry (GB/T 4754-2017 class)"), max_length=4, required=False,
                                    help_text=_("Four digits, e.g. 2614 有机化学原料制造."))
    park = forms.CharField(label=_("industrial park"), max_length=255, required=False)
    address = forms.CharField(label=_("address"), max_length=255, required=False)
    latitude = forms.DecimalField(label=_("latitude"), required=False, min_value=-90, max_value=90, decimal_places=6)
    longitude = forms.DecimalField(label=_("longitude"), required=False, min_value=-180, max_value=180,
                                   decimal_places=6)
    permit_number = forms.CharField(label=_("discharge permit number"), max_length=64, required=False)
    soil_key_unit = forms.BooleanField(label=_("土壤污染重点监管单位"), required=False)
    contact_name = forms.CharField(label=_("contact person"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=20, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_below(user)


def substances_by_cas(text: str) -> list[Substance]:
    """Substances of the directory named by CAS numbers (one per line or space-separated)."""
    from django.core.exceptions import ValidationError

    from .identifiers import cas_normalise

    found, errors = [], []
    for raw in text.split():
        try:
            cas = cas_normalise(raw)
        except ValidationError as exc:
            errors += exc.messages
            continue
        substance = Substance.objects.filter(cas=cas).first()
        if substance is None:
            errors.append(_("No substance with CAS %(cas)s in the directory; add it first.") % {"cas": cas})
        else:
            found.append(substance)
    if errors:
        raise forms.ValidationError(errors)
    return found


class SubstanceForm(StyledForm):
    cas = forms.CharField(label=_("CAS RN"), max_length=40, required=False,
                          help_text=_("With or without hyphens; the check digit is verified."))
    name_zh = forms.CharField(label=_("Chinese name"), max_length=255)
    name_en = forms.CharField(label=_("English name"), max_length=255, required=False)
    ec_number = forms.CharField(label=_("EC number"), max_length=20, required=False)
    synonyms = forms.CharField(label=_("synonyms"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("One per line; searched like the names."))


class SubstanceGroupForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=255)
    description = forms.CharField(label=_("what it covers"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    member_cas = forms.CharField(label=_("member substances (CAS, one per line)"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}),
                                 help_text=_("Substances already in the directory."))
    example_cas = forms.CharField(label=_("example CAS numbers"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("Other CAS numbers the group covers, one per line."))

    def clean_member_cas(self):
        return substances_by_cas(self.cleaned_data["member_cas"])


class CampaignForm(StyledForm):
    title = forms.CharField(label=_("title"), max_length=200)
    year = forms.IntegerField(label=_("year surveyed"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("kind"), choices=SurveyKind.choices)
    region = forms.ModelChoiceField(label=_("region"), queryset=Region.objects.none())
    deadline = forms.DateField(label=_("deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    substance_cas = forms.CharField(label=_("substances in scope (CAS, one per line)"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 4}),
                                    help_text=_("Leave empty for every substance."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_below(user)

    def clean_substance_cas(self):
        return substances_by_cas(self.cleaned_data["substance_cas"])


class ReportOpenForm(StyledForm):
    credit_code = forms.CharField(label=_("unified social credit code"), max_length=40)


class LineForm(forms.ModelForm):
    """One substance line of a report, added or corrected inline."""

    class Meta:
        model = SurveyLine
        fields = ["raw_name", "raw_cas", "activity", "quantity", "use_category", "dispersive_use", "emission_water",
                  "emission_air", "emission_soil", "waste_route", "warning_note"]
        widgets = {"activity": forms.Select(choices=Activity.choices)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["raw_cas"].max_length = 50
        for name, field in self.fields.items():
            css = ("form-check-input" if name == "dispersive_use" else
                   "form-select form-select-sm" if name == "activity" else "form-control form-control-sm")
            field.widget.attrs["class"] = css
        for name in ("quantity", "emission_water", "emission_air", "emission_soil"):
            self.fields[name].widget.attrs["min"] = "0"


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return for correction"))])
    reason = forms.CharField(required=False, max_length=500)
    on_site = forms.BooleanField(required=False)
    note = forms.CharField(required=False, max_length=2000)


class ResolveForm(forms.Form):
    cas = forms.CharField(label=_("CAS RN of the substance"), max_length=40, required=False)
    substance = forms.ModelChoiceField(queryset=Substance.objects.all(), required=False)
    apply_to_same = forms.BooleanField(required=False, initial=True)


class ImportUploadForm(StyledForm):
    kind = forms.ChoiceField(label=_("sheet"), choices=())
    campaign = forms.ModelChoiceField(label=_("survey campaign"), required=False, queryset=None,
                                      help_text=_("Survey lines only."))
    file = forms.FileField(label=_("file (.xlsx or .csv)"), allow_empty_file=True)

    def __init__(self, *args, kinds, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        self.fields["kind"].choices = [(k.key, k.label) for k in kinds.values()]
        self.fields["campaign"].queryset = campaigns

    def clean(self):
        data = super().clean()
        kind = self.kinds.get(data.get("kind"))
        if kind is not None and kind.needs_campaign and not data.get("campaign"):
            self.add_error("campaign", _("Choose the survey campaign the lines belong to."))
        upload = data.get("file")
        if upload is not None:
            if upload.size > settings.PORTAL_IMPORT_MAX_BYTES:
                self.add_error("file", _("The file is larger than %(mb)d MB.")
                               % {"mb": settings.PORTAL_IMPORT_MAX_BYTES // 1048576})
            if not upload.name.lower().endswith((".xlsx", ".csv")):
                self.add_error("file", _("Only .xlsx and .csv files can be imported."))
        return data

