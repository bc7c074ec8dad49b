"""The locust user of the page benchmarks: no think time, the paths of LOAD_PATHS (JSON list) in turn, with the
cookies of LOAD_COOKIES when the pages need a signed-in user: one JSON object for every client, or a list of them
dealt out to the clients in turn. Run by tests/benchmarks/load.py."""
import itertools
import json
import os

from locust import FastHttpUser, constant, task

PATHS = json.loads(os.environ.get("LOAD_PATHS", '["/"]'))
COOKIES = json.loads(os.environ.get("LOAD_COOKIES", "{}"))
COOKIE_SETS = COOKIES if isinstance(COOKIES, list) else [COOKIES]
DEALT = itertools.count()


class PageUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.paths = itertools.cycle(PATHS)
        cookies = COOKIE_SETS[next(DEALT) % len(COOKIE_SETS)]
        self.headers = {"Accept-Language": "zh-hans"}
        if cookies:
            self.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())

    @task
    def page(self):
        path = next(self.paths)
        # A redirect (to the sign-in page, say) is a failure, not a page.
        with self.client.get(path, headers=self.headers, name=os.environ.get("LOAD_NAME", "page"),
                             allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
