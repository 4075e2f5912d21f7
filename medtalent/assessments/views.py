from django.http import HttpResponse


def _todo(request):
    return HttpResponse("")


assessments_home = my_assessments = bedside_code = assessment_request_view = assessor_queue = _todo
assessment_start_view = bedside_form = assessment_detail = assessment_fill = _todo
assessment_acknowledge_view = assessment_amend_view = assessment_cancel_view = _todo
