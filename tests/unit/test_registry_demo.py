import pytest

from accounts.models import User
from registry.demo import seed_inventory
from registry.models import Project, Team

pytestmark = pytest.mark.django_db


def test_seed_creates_a_portfolio_and_one_user_per_role():
    assert seed_inventory() == 12

    assert Team.objects.count() == 4
    assert set(User.objects.values_list("role", flat=True)) == {"admin", "reviewer", "member", "viewer"}
    assert Project.objects.filter(components__isnull=False).distinct().count() >= 10


def test_seed_is_idempotent():
    seed_inventory()

    assert seed_inventory() == 0
    assert Project.objects.count() == 12
