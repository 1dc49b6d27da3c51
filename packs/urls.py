from django.urls import path

from . import views

app_name = "packs"
urlpatterns = [
    path("projects/<slug:slug>/packs/ml-bom.cdx.json", views.ProjectBomView.as_view(), name="project-ml-bom"),
    path("projects/<slug:slug>/packs/evidence.zip", views.EvidencePackView.as_view(), name="project-evidence-pack"),
    path("packs/portfolio/ml-bom.cdx.json", views.PortfolioBomView.as_view(), name="portfolio-ml-bom"),
    path(".well-known/plumbline-signing-key.pem", views.SigningKeyView.as_view(), name="signing-key"),
    path(".well-known/plumbline-signing-keys.json", views.SigningKeysView.as_view(), name="signing-keys"),
]
