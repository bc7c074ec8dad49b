from django.shortcuts import render

from portal.views import module_required


@module_required("screening")
def index(request):
    return render(request, "screening/index.html")
