from django.urls import path, register_converter

from .views import explore, manage, opendata, public


class ExportFormat:
    regex = "csv|xlsx|geojson"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormat, "fmt")

app_name = "initiatives"
urlpatterns = [
    # Public registry
    path("", public.directory, name="list"),
    path("map/", explore.map_view, name="map"),
    path("statistics/", explore.statistics, name="statistics"),
    path("download.<fmt:fmt>", opendata.export, name="export"),
    path("map/data.json", explore.map_data, name="map_data"),
    path("map/countries.geojson", explore.country_shapes, name="country_shapes"),
    path("countries/<str:code>/", explore.country_page, name="country"),
    path("sectors/<slug:slug>/", explore.sector_page, name="sector"),
    path("programmes/<slug:slug>/", public.programme_detail, name="programme"),
    # Promoters
    path("mine/", manage.my_initiatives, name="mine"),
    path("register/", manage.register_start, name="register"),
    path("drafts/<int:pk>/step/<int:step>/", manage.draft_step, name="draft_step"),
    path("drafts/<int:pk>/submit/", manage.draft_submit, name="draft_submit"),
    path("drafts/<int:pk>/preview/", manage.draft_preview, name="draft_preview"),
    path("<slug:slug>/edit/", manage.edit_start, name="edit"),
    path("<slug:slug>/managers/", manage.managers, name="managers"),
    path("<slug:slug>/request-management/", manage.request_management, name="request_management"),
    path("invitations/<str:token>/", manage.invitation_accept, name="invitation_accept"),
    path("confirm/<str:token>/", manage.confirm_fresh, name="confirm_fresh"),
    # Public page last: its slug would shadow the fixed paths above.
    path("<slug:slug>/", public.initiative_detail, name="detail"),
]
