from django.conf import settings

DEFINITIONS_DIR = settings.BASE_DIR / "questionnaires" / "definitions"
