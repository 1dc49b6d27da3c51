from django.contrib import admin

from .models import ChangeRecord, Component, Project, Tag, Team

admin.site.register([Team, Tag, Project, Component, ChangeRecord])
