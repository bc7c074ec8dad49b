from django.shortcuts import render

from portal.views import module_required


@module_required("controls")
def index(request):
    return render(request, "controls/index.html")
