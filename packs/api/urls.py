from django.urls import include, path

from . import views

packs_api = (
    [
        path("projects/<slug:slug>/ml-bom", views.ProjectBomApiView.as_view(), name="project-ml-bom"),
        path("projects/<slug:slug>/evidence-pack", views.EvidencePackApiView.as_view(), name="project-evidence-pack"),
        path("portfolio/ml-bom", views.PortfolioBomApiView.as_view(), name="portfolio-ml-bom"),
        path("signing-keys/", views.SigningKeyListApiView.as_view(), name="signing-key-list"),
    ],
    "packs-api",
)

urlpatterns = [path("", include(packs_api))]
