from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from medtalent.config.api import api
from medtalent.people.views import AuditedPasswordChangeView

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", AuditedPasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("medtalent.core.urls")),
    path("", include("medtalent.people.urls")),
    path("rotations/", include("medtalent.rotations.urls")),
    path("assessments/", include("medtalent.assessments.urls")),
    path("programmes/", include("medtalent.programs.urls")),
]
