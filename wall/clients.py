"""Who is asking: the peer address, or the proxy's X-Forwarded-For when the peer is trusted."""

from __future__ import annotations

from ipaddress import ip_address, ip_network

from starlette.requests import Request


def _trusted(address: str, proxies: list[str]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in ip_network(p, strict=False) for p in proxies)


def client_address(request: Request, trusted_proxies: list[str]) -> str:
    peer = request.client.host if request.client else "unknown"
    if not trusted_proxies or not _trusted(peer, trusted_proxies):
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    # The right-most hop not added by one of our proxies is the real client.
    for hop in reversed(hops):
        if not _trusted(hop, trusted_proxies):
            return hop
    return peer
