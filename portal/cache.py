"""Django's Redis cache, keeping one redis.Redis client per connection pool.

Django's RedisCacheClient builds a new redis.Redis for every cache call, and redis-py fills a table of about
250 response callbacks in each constructor: a fifth of a millisecond per call, several calls per page. The client
is a thin, thread-safe wrapper around its pool, so one per pool does the same work."""
from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
