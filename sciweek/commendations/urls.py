"""Console pages under console/commendations/ and public pages: a list on notice or final
(<year>/commendations/<id>/) and the certificate check (commendations/certificates/<code>/)."""
from django.urls import path

from . import console_views as views
from . import public_views

app_name = "commendations"
urlpatterns = [
    path("console/commendations/", views.index, name="index"),
    path("console/commendations/new/<int:evaluation_id>/", views.create, name="create"),
    path("console/commendations/<int:commendation_id>/", views.detail, name="detail"),
    path("console/commendations/<int:commendation_id>/texts/", views.texts, name="texts"),
    path("console/commendations/<int:commendation_id>/categories/", views.add_category, name="add_category"),
    path("console/commendations/<int:commendation_id>/draw/", views.draw, name="draw"),
    path("console/commendations/<int:commendation_id>/act/", views.act, name="act"),
    path("console/commendations/<int:commendation_id>/objections/", views.record_objection, name="record_objection"),
    path("console/commendations/<int:commendation_id>/list.xlsx", views.export_xlsx, name="export_xlsx"),
    path("console/commendations/<int:commendation_id>/list.docx", views.export_docx, name="export_docx"),
    path("console/commendations/<int:commendation_id>/certificates.zip", views.certificates_zip,
         name="certificates_zip"),
    path("console/commendations/categories/<int:category_id>/", views.edit_category, name="edit_category"),
    path("console/commendations/categories/<int:category_id>/candidates/", views.add_candidate,
         name="add_candidate"),
    path("console/commendations/candidates/<int:candidate_id>/", views.candidate_action, name="candidate"),
    path("console/commendations/candidates/<int:candidate_id>/certificate.pdf", views.certificate,
         name="certificate"),
    path("console/commendations/objections/<int:objection_id>/", views.handle_objection, name="handle_objection"),
    path("<int:year>/commendations/<int:commendation_id>/", public_views.public_list, name="public"),
    path("commendations/certificates/<str:code>/", public_views.certificate_verify, name="certificate_verify"),
]
