from django.http import HttpResponse


def programme_list(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def programme_load(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def programme_detail(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def programme_edit(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")
