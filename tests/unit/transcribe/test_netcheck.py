"""Which resolved addresses the audio fetcher may connect to."""

from __future__ import annotations

import ipaddress

import pytest

from workers.errors import AudioFetchRefused
from workers.transcribe.netcheck import address_allowed, check_addresses

BLOCKED = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "0.0.0.0",
    "100.64.0.1",
    "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255",
    "240.0.0.1",
    "192.0.2.1",
    "::1",
    "::",
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",
    "2002:a9fe:a9fe::1",
    "2001:db8::1",
    "not-an-ip",
]
PUBLIC = ["93.184.216.34", "1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.216.34"]


@pytest.mark.parametrize("address", BLOCKED)
def test_private_loopback_link_local_multicast_reserved_are_blocked(address: str) -> None:
    assert not address_allowed(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_unicast_is_allowed(address: str) -> None:
    assert address_allowed(address)


def test_exempt_networks_allow_exactly_what_they_cover() -> None:
    exempt = [ipaddress.ip_network("127.0.0.1/32")]
    assert address_allowed("127.0.0.1", exempt)
    assert address_allowed("::ffff:127.0.0.1", exempt)
    assert not address_allowed("127.0.0.2", exempt)
    assert not address_allowed("10.0.0.1", exempt)


def test_every_resolved_address_must_be_public() -> None:
    check_addresses("ok.test", ["93.184.216.34", "2606:4700:4700::1111"])
    with pytest.raises(AudioFetchRefused, match="10.0.0.1"):
        check_addresses("mixed.test", ["93.184.216.34", "10.0.0.1"])
    with pytest.raises(AudioFetchRefused, match="no address"):
        check_addresses("empty.test", [])
