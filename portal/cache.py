"""Django's Redis cache, keeping one redis.Redis client per connection pool, and failing open when Redis is down.

Django's RedisCacheClient builds a new redis.Redis for every cache call, and redis-py fills a table of about
250 response callbacks in each constructor: a fifth of a millisecond per call, several calls per page. The client
is a thin, thread-safe wrapper around its pool, so one per pool does the same work.

Nothing the portal keeps in the cache is the only copy (sessions live in the database, the cockpit's pages and
the public pages are rendered again, counters start again), so a Redis that cannot be reached must not take
the pages down: every cache call then answers as if the key were missing (a read misses, a write is dropped,
`add` takes no lock, `incr` raises ValueError as for a missing key), and a warning is logged once. For
PORTAL_CACHE_RETRY_SECONDS after a failure the cache does not try Redis again, so pages do not wait for a
connect timeout each call; then the next call tries, and when Redis answers the cache is back by itself.
/healthz asks Redis directly and reports the outage (503, "degraded")."""
import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends import redis as django_redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)

_state_lock = threading.Lock()
_down_until: dict[tuple, float] = {}  # servers → monotonic time before which Redis is not tried again


class CacheUnavailable(Exception):
    """Redis could not be reached (or was not tried, having failed moments ago)."""


def _retry_seconds() -> float:
    return float(getattr(settings, "PORTAL_CACHE_RETRY_SECONDS", 5))


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, servers, *args, **kwargs):
        super().__init__(servers, *args, **kwargs)
        self._clients = {}
        self._state_key = tuple(servers)

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client

    # ---------------------------------------------------------------- failing open

    def is_down(self) -> bool:
        return time.monotonic() < _down_until.get(self._state_key, 0.0)

    def _call(self, method, *args):
        if self.is_down():
            raise CacheUnavailable
        try:
            result = method(*args)
        except UNAVAILABLE as exc:
            with _state_lock:
                was_up = self._state_key not in _down_until
                _down_until[self._state_key] = time.monotonic() + _retry_seconds()
            if was_up:
                logger.warning("Redis cache %s unavailable (%s: %s): serving without the cache, retrying every %.0f s",
                               ",".join(self._servers), exc.__class__.__name__, exc, _retry_seconds())
            raise CacheUnavailable from exc
        if self._state_key in _down_until:
            with _state_lock:
                if _down_until.pop(self._state_key, None) is not None:
                    logger.warning("Redis cache %s is back", ",".join(self._servers))
        return result

    def _open(self, method, fallback, *args):
        try:
            return self._call(method, *args)
        except CacheUnavailable:
            return fallback

    def add(self, key, value, timeout):
        return self._open(super().add, False, key, value, timeout)

    def get(self, key, default):
        return self._open(super().get, default, key, default)

    def set(self, key, value, timeout):
        return self._open(super().set, None, key, value, timeout)

    def touch(self, key, timeout):
        return self._open(super().touch, False, key, timeout)

    def delete(self, key):
        return self._open(super().delete, False, key)

    def get_many(self, keys):
        return self._open(super().get_many, {}, keys)

    def has_key(self, key):
        return self._open(super().has_key, False, key)

    def incr(self, key, delta):
        try:
            return self._call(super().incr, key, delta)
        except CacheUnavailable:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)") from None

    def set_many(self, data, timeout):
        return self._open(super().set_many, None, data, timeout)

    def delete_many(self, keys):
        return self._open(super().delete_many, None, keys)

    def clear(self):
        return self._open(super().clear, False)

    def incr_expire(self, key, timeout):
        """INCR and EXPIRE in one round trip; None when Redis is unavailable."""
        def run():
            pipe = self.get_client(key, write=True).pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, timeout)
            return pipe.execute()[0]
        return self._open(run, None)


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def incr_expire(self, key, timeout, version=None):
        """Count one more in `key` (which expires `timeout` seconds after it was last counted); None when the
        cache is unavailable."""
        key = self.make_and_validate_key(key, version=version)
        return self._cache.incr_expire(key, timeout)
