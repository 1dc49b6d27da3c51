"""IPv4 addresses embedded in IPv6 are judged as the IPv4 address they carry (NAT64, 6to4, IPv4-compatible)."""

import pytest

from connectors.urls_policy import UrlNotAllowed, validate_url


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a9fe:a9fe",  # NAT64 well-known prefix -> 169.254.169.254
        "64:ff9b::7f00:1",  # NAT64 -> 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 -> 169.254.169.254
        "2002:a00:1::1",  # 6to4 -> 10.0.0.1
        "::a9fe:a9fe",  # IPv4-compatible -> 169.254.169.254
        "::ffff:169.254.169.254",  # IPv4-mapped
    ],
)
def test_it_refuses_internal_ipv4_addresses_wrapped_in_ipv6(settings, address):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = []
    settings.PLUMBLINE_CONNECTOR_PROXY = ""
    with pytest.raises(UrlNotAllowed, match="internal address"):
        validate_url(f"http://[{address}]/latest/meta-data/")


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1"])
def test_it_allows_public_ipv4_addresses_wrapped_in_ipv6(settings, address):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = []
    settings.PLUMBLINE_CONNECTOR_PROXY = ""
    assert validate_url(f"http://[{address}]/") == f"http://[{address}]/"
