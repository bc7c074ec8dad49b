from django.db import models
from django.utils.translation import gettext_lazy as _


class Endpoint(models.TextChoices):
    HALF_LIFE = "half_life", _("Degradation half-life")
    BCF = "bcf", "BCF"
    BAF = "baf", "BAF"
    LOG_KOW = "log_kow", "log Kow"
    CHRONIC_NOEC = "chronic_noec", _("Chronic aquatic NOEC/EC10")
    ACUTE_LC50 = "acute_lc50", _("Acute aquatic L(E)C50")
    CARCINOGENICITY = "carcinogenicity", _("Carcinogenicity (GHS)")
    MUTAGENICITY = "mutagenicity", _("Germ-cell mutagenicity (GHS)")
    REPRODUCTIVE_TOXICITY = "reproductive_toxicity", _("Reproductive toxicity (GHS)")
    STOT_RE = "stot_re", _("STOT repeated exposure (GHS)")
    AQUATIC_CHRONIC = "aquatic_chronic", _("Chronic aquatic hazard (GHS)")
    ENDOCRINE_DISRUPTOR = "endocrine_disruptor", _("Endocrine disruptor")
    STOCKHOLM_LISTED = "stockholm_listed", _("Listed in the Stockholm Convention")
    FOREIGN_RESTRICTION = "foreign_restriction", _("Restricted in another jurisdiction")


class Compartment(models.TextChoices):
    MARINE_WATER = "marine_water", _("Marine water")
    FRESH_WATER = "fresh_water", _("Fresh or estuarine water")
    MARINE_SEDIMENT = "marine_sediment", _("Marine sediment")
    FRESH_SEDIMENT = "fresh_sediment", _("Fresh or estuarine sediment")
    SOIL = "soil", _("Soil")
    AIR = "air", _("Air")


class Qualifier(models.TextChoices):
    EQ = "=", "="
    GT = ">", ">"
    GE = ">=", "≥"
    LT = "<", "<"
    LE = "<=", "≤"
    APPROX = "~", "≈"


class RecordSource(models.TextChoices):
    REFERENCE = "reference", _("Reference")
    DATABASE = "database", _("Database")
    TEST_REPORT = "test_report", _("Test report")
    ESTIMATE = "estimate", _("Estimate")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class AssessmentConclusion(models.TextChoices):
    ACCEPTABLE = "acceptable", _("Risk acceptable")
    NEEDS_CONTROL = "needs_control", _("Needs control")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for correction")


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Taken into the list")
    DECLINED = "declined", _("Declined")
