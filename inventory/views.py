from django.shortcuts import render

from portal.views import module_required


@module_required("inventory")
def index(request):
    return render(request, "inventory/index.html")
