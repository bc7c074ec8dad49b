"""The inventory: chemical substances and their groups, industries (GB/T 4754-2017) and enterprises.
Survey campaigns, reports and monitoring build on these."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Region
from portal.permissions import ScopedQuerySet

from .choices import IndustryLevel


class Substance(models.Model):
    """One chemical, identified by its CAS RN where it has one (stored canonical, with hyphens)."""

    cas = models.CharField(_("CAS RN"), max_length=12, unique=True, null=True, blank=True)
    ec_number = models.CharField(_("EC number"), max_length=9, blank=True)
    name_zh = models.CharField(_("Chinese name"), max_length=255)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)
    synonyms = models.TextField(_("synonyms"), blank=True, help_text=_("One per line; searched like the names."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("substance")
        verbose_name_plural = _("substances")
        ordering = ["name_zh"]
        indexes = [models.Index(fields=["name_zh"], name="substance_name_zh")]

    def __str__(self):
        return f"{self.name_zh}（{self.cas}）" if self.cas else self.name_zh


class SubstanceGroup(models.Model):
    """A class of substances such as PFOS类 or 短链氯化石蜡: member substances and/or example CAS numbers,
    and a description of what else it covers (及其盐类和相关化合物)."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    description = models.TextField(_("what it covers"), blank=True)
    members = models.ManyToManyField(Substance, blank=True, related_name="groups", verbose_name=_("members"))
    example_cas = models.JSONField(_("example CAS numbers"), default=list, blank=True)

    class Meta:
        verbose_name = _("substance group")
        verbose_name_plural = _("substance groups")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Industry(models.Model):
    """GB/T 4754-2017 国民经济行业分类, loaded from fixtures/industries.csv."""

    code = models.CharField(_("code"), max_length=4, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=IndustryLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    section = models.CharField(_("section"), max_length=1)

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Enterprise(models.Model):
    """An enterprise (排污单位) identified by its 统一社会信用代码."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    credit_code_override = models.BooleanField(
        _("legacy code confirmed"), default=False,
        help_text=_("The code fails the GB 32100 check but a person confirmed it (an early, valid code)."))
    name = models.CharField(_("name"), max_length=255)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="enterprises")
    industry = models.ForeignKey(Industry, verbose_name=_("industry"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="enterprises")
    park = models.CharField(_("industrial park"), max_length=255, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    permit_number = models.CharField(_("discharge permit number"), max_length=64, blank=True)
    soil_key_unit = models.BooleanField(_("土壤污染重点监管单位"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    region_field = "region"

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        permissions = [("view_contacts", _("Can see enterprise contacts unmasked"))]
        indexes = [models.Index(fields=["region", "name"], name="enterprise_region_name")]

    def __str__(self):
        return self.name
