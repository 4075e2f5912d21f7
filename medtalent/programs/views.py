from django.http import HttpResponse


def programs_home(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def plan_list(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def plan_new(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def plan_detail_view(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def plan_edit(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def plan_submit_view(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def plan_sign_view(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def plan_close_view(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def milestone_new(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def milestone_detail(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def milestone_evidence_add_view(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def milestone_evidence_remove_view(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def milestone_done_view(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")


def milestone_reopen_view(request, **kwargs):  # scaffolding, replaced next
    return HttpResponse("")
