"""Which git can hold a clone to the checked address: ``http.curloptResolve`` needs git 2.37 or later."""

import pytest

from connectors.backends.git import pins_addresses


@pytest.mark.parametrize(
    "version",
    [
        "git version 2.37.0 (Apple Git-136)",
        "git version 2.39.5",
        "git version 2.43.0",
        "git version 2.45.2.windows.1",
        "git version 2.47.1\n",
    ],
)
def test_it_accepts_git_2_37_and_later(version):
    assert pins_addresses(version)


@pytest.mark.parametrize(
    "version",
    [
        "git version 2.36.1.windows.1",
        "git version 2.34.1",
        "git version 2.9.5",
        "git version 1.8.3.1",
        "git version 2.32.1 (Apple Git-133)",
    ],
)
def test_it_refuses_git_older_than_2_37(version):
    assert not pins_addresses(version)


def test_it_refuses_output_it_cannot_read():
    assert not pins_addresses("")
    assert not pins_addresses("hub version 2.14.2")
