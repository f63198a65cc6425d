"""The address guard: which IP addresses a link may be fetched from.

walint runs in CI runners and on laptops inside private networks, on payloads written by
someone else: a link to ``http://169.254.169.254/`` or to an intranet host must not be
fetched. :func:`refusal` names why an address is off limits (loopback, private, link-local,
CGNAT, multicast, reserved, cloud metadata — also when hidden inside an IPv6 address), and
:func:`literal_ip` reads the host forms libc accepts (``2130706433``, ``0x7f.1``, ``127.1``)
so that the decision is never handed to a resolver. The prober calls both at every hop and
then connects to the very address it checked.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Union

__all__ = ["IPAddress", "Resolver", "getaddrinfo", "literal_ip", "refusal"]

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
#: ``host -> IP strings``, plain or async. A plain one is run in a worker thread.
Resolver = Callable[[str], Union[Iterable[str], Awaitable[Iterable[str]]]]

_METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack…
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure WireServer (a public-looking address, only reachable in Azure)
        "192.0.0.192",  # Oracle Cloud (is_global in Python's table, so listed by hand)
    )
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LEGACY_V4 = re.compile(r"[0-9][0-9a-fA-FxX.]*")


def literal_ip(host: str) -> IPAddress | None:
    """The IP a URL host denotes literally, including the forms browsers and libc accept.

    ``http://2130706433/``, ``http://0x7f.1/`` and ``http://127.1/`` all mean 127.0.0.1 to
    ``getaddrinfo``; treating them as names would hand the decision to a resolver.
    """
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _LEGACY_V4.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _embedded(addr: IPAddress) -> Iterator[IPAddress]:
    """The IPv4 address hidden in an IPv6 one (mapped, 6to4, NAT64), then the address itself."""
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            yield addr.ipv4_mapped
        if addr.sixtofour is not None:
            yield addr.sixtofour
        if addr in _NAT64:
            yield ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    yield addr


def refusal(addr: IPAddress) -> tuple[str, str] | None:
    """Why ``addr`` must not be fetched — ``("127.0.0.1", "a loopback address")`` — or None."""
    for inner in _embedded(addr):
        if inner in _METADATA:
            kind = "a cloud metadata address"
        elif inner.is_loopback:
            kind = "a loopback address"
        elif inner.is_link_local:
            kind = "a link-local address"
        elif inner.is_unspecified:
            kind = "an unspecified address"
        elif inner.is_multicast:
            kind = "a multicast address"
        elif inner.version == 4 and inner in _CGNAT:
            kind = "a shared (CGNAT) address"
        elif inner.is_reserved:
            kind = "a reserved address"
        elif inner.is_private:
            kind = "a private address"
        elif not inner.is_global:
            kind = "not a public address"
        else:
            continue
        return (str(addr) if inner == addr else f"{addr} ({inner})"), kind
    return None


def getaddrinfo(host: str) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)]
