"""Is an IP address one the audio fetcher may connect to? Only public unicast addresses are.

Checked after DNS resolution, on every address a name resolves to, so a public name pointing at
``169.254.169.254`` or ``10.0.0.1`` is refused like the literal. IPv6 forms that embed an IPv4 address
(IPv4-mapped, NAT64, 6to4) are judged by the embedded address as well.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from workers.errors import AudioFetchRefused

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _is_public(address: IpAddress) -> bool:
    # is_global alone misses multicast (e.g. 239.0.0.0/8 is "global"), so every class is spelled out.
    blocked = (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )
    if blocked:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        return embedded is None or _is_public(embedded)
    return True


def address_allowed(text: str, exempt: Iterable[IpNetwork] = ()) -> bool:
    """Whether the fetcher may connect to the address ``text`` (exempt networks are test-only)."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address.version == net.version and address in net for net in exempt):
        return True
    return _is_public(address)


def check_addresses(host: str, addresses: Iterable[str], exempt: Iterable[IpNetwork] = ()) -> None:
    """Raise ``AudioFetchRefused`` unless ``host`` resolved to at least one address, all of them public."""
    resolved = list(addresses)
    exempt = tuple(exempt)
    if not resolved:
        raise AudioFetchRefused(f"host {host!r} resolved to no address")
    refused = [address for address in resolved if not address_allowed(address, exempt)]
    if refused:
        raise AudioFetchRefused(f"host {host!r} resolves to non-public address(es) {', '.join(refused)}")
