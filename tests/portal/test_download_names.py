"""Every download carries its Chinese file name (RFC 6266 filename*), never a bare "download.xlsx"."""
import re
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse

from tests.portal.test_permission_matrix import matrix_objects  # noqa: F401 - the fixture


def _name(response) -> str:
    header = response["Content-Disposition"]
    match = re.search(r"filename\*=utf-8''([^;]+)", header)
    assert header.startswith("attachment") and match, header
    return unquote(match.group(1))


DOWNLOADS = [
    # (who, url name, kwargs builder, query, the name begins with)
    ("bureau_staff", "inventory:enterprise_list", None, "?export=xlsx", "企业名录-"),
    ("bureau_staff", "inventory:enterprise_list", None, "?export=csv", "企业名录-"),
    ("bureau_staff", "inventory:substance_list", None, "?export=xlsx", "化学物质-"),
    ("bureau_staff", "inventory:report_list", None, "?export=csv", "调查报告-"),
    ("bureau_staff", "inventory:template_download", lambda f: {"kind": "enterprises"}, "", "企业"),
    ("bureau_staff", "screening:run_detail", lambda f: {"pk": f["scr"]["run"].pk}, "?export=xlsx", "筛查结果-"),
    ("bureau_staff", "screening:run_pdf", lambda f: {"pk": f["scr"]["run"].pk}, "", "筛查结果-"),
    ("bureau_staff", "controls:list_export", lambda f: {"pk": f["clist"].pk, "what": "entries"}, "", "重点管控新污染物清单"),
    ("bureau_staff", "controls:publication_download", lambda f: {"pk": f["ctl"]["publication"].pk, "fmt": "xlsx"}, "",
     "朔州市重点管控新污染物企业名单"),
    ("leader", "portal:cockpit", None, "?export=xlsx", "领导驾驶舱-"),
    ("audit_admin", "portal:audit_export", None, "", "审计日志-"),
]


@pytest.mark.parametrize("who,name,kwargs,query,begins", DOWNLOADS,
                         ids=[f"{d[1]}{d[3]}" for d in DOWNLOADS])
def test_every_download_carries_its_chinese_file_name(users, matrix_objects, who, name, kwargs, query,  # noqa: F811
                                                      begins):
    client = Client()
    client.force_login(users[who])
    response = client.get(reverse(name, kwargs=kwargs(matrix_objects) if kwargs else None) + query)
    assert response.status_code == 200
    assert _name(response).startswith(begins), _name(response)
