"""django-import-export resources: spreadsheet templates and exports of the inventory. (Large
imports go through inventory.importers, which validates a whole file at once and writes in
batches; this resource's row-by-row import is kept as the reference the benchmark compares with.)"""
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from .models import Substance, SurveyLine, SurveyReport


class SurveyLineResource(resources.ModelResource):
    report = fields.Field(attribute="report", column_name="报告编号", widget=ForeignKeyWidget(SurveyReport, "pk"))
    substance = fields.Field(attribute="substance", column_name="CAS号", widget=ForeignKeyWidget(Substance, "cas"))
    raw_name = fields.Field(attribute="raw_name", column_name="物质名称")
    raw_cas = fields.Field(attribute="raw_cas", column_name="填报CAS号")
    activity = fields.Field(attribute="activity", column_name="活动类型")
    quantity = fields.Field(attribute="quantity", column_name="数量（吨/年）")

    class Meta:
        model = SurveyLine
        fields = ("report", "substance", "raw_name", "raw_cas", "activity", "quantity")
        import_id_fields = ("report", "substance", "activity")
        skip_unchanged = True
