"""The client's address behind a reverse proxy.

``auxwatch serve`` binds 127.0.0.1: users reach the dashboards through a proxy on the same
machine, so the connection Streamlit sees always comes from the proxy (and Streamlit
reports a loopback peer as no address at all). The proxy names the real client in
``X-Forwarded-For``; that header is believed only when the connection comes from a
configured trusted proxy (``--trusted-proxies`` / ``AUXWATCH_TRUSTED_PROXIES``), and then
the client is the right-most address in it that is not itself a trusted proxy (entries
to its left were written by the client and may be forged).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK = "127.0.0.1"


def parse_networks(text: str | None) -> tuple[Network, ...]:
    """``"127.0.0.1, 10.0.0.0/8, ::1"`` -> networks; ``loopback`` names 127.0.0.0/8 and ::1."""
    out: list[Network] = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if part == "loopback":
            out += [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]
            continue
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"trusted proxy {part!r} is not an IP address or network") from None
    return tuple(out)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, nets: Sequence[Network]) -> bool:
    return any(ip.version == n.version and ip in n for n in nets)


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]
) -> str | None:
    """The client of a request whose connection came from ``peer`` (None: loopback, as
    Streamlit reports it) carrying ``forwarded_for``."""
    peer_ip = _ip(peer or LOOPBACK)
    if peer_ip is None or not _trusted(peer_ip, trusted) or not forwarded_for:
        return peer
    hops = [h for h in forwarded_for.split(",") if h.strip()]
    # at most this many entries are looked at: a forged header cannot make us parse megabytes
    for hop in reversed(hops[-32:]):
        ip = _ip(hop)
        if ip is None:
            return None
        if not _trusted(ip, trusted):
            return str(ip)
    first = _ip(hops[0]) if hops else None
    return str(first) if first is not None else peer
