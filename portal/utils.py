import contextvars
import functools
import gc
import ipaddress

from django.conf import settings

_current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("portal_current_ip", default=None)


def mask_phone(phone: str) -> str:
    """138****5678: personal data shown only partly to those without the right to see it."""
    digits = phone or ""
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) <= 7:
        return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(name: str) -> str:
    """张** : a person's name shown only partly to those without the right to see it."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]):
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _trusted(address, networks) -> bool:
    return any(address in network for network in networks)


def _parse_ip(text: str | None):
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address. REMOTE_ADDR, unless it is one of PORTAL_TRUSTED_PROXIES: then X-Forwarded-For is read
    from the right, skipping the trusted proxies, and the first other address is the client. Whatever a client
    writes into the header itself stands to the left of what a trusted proxy appended, so it is never believed;
    a malformed entry where the client should be yields the proxy's own address, never a forged one."""
    remote = _parse_ip(request.META.get("REMOTE_ADDR"))
    if remote is None:
        return None
    networks = _networks(tuple(getattr(settings, "PORTAL_TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(remote, networks):
        return str(remote)
    client = remote
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _parse_ip(entry)
        if address is None:
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)


def rate_limited(request, scope: str, limit: int, window: int = 60) -> bool:
    """True once a client address has made more than `limit` requests to `scope` in the current `window`
    seconds (a fixed window counted in the cache, shared by every web process). On Redis, one round trip:
    INCR and EXPIRE in a pipeline. With Redis unavailable nobody is limited: the page is served (portal/cache.py
    logs the outage, /healthz reports it)."""
    import time

    from django.core.cache import cache
    raw_key = f"ratelimit:{scope}:{client_ip(request) or '-'}:{int(time.time()) // window}"
    if hasattr(cache, "incr_expire"):
        count = cache.incr_expire(raw_key, window + 1)
        if count is None:
            return False
    else:
        key = cache.make_and_validate_key(raw_key)
        count = cache.get_or_set(key, 0, window + 1) + 1
        cache.set(key, count, window + 1)
    return count > limit


def current_ip() -> str | None:
    return _current_ip.get()


def set_current_ip(ip: str | None):
    return _current_ip.set(ip)


def reset_current_ip(token) -> None:
    _current_ip.reset(token)

def gc_paused(function):
    """Run `function` with Python's cyclic garbage collector paused. A file's hundred thousand rows
    (lists, strings, tuples) are not garbage, yet each few hundred allocations made the collector walk
    them again — a third of the time of reading and checking a large file. Reference counting still
    frees everything as usual; the collector resumes when the function returns."""

    @functools.wraps(function)
    def paused(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused
