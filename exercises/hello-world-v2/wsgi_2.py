"""Version 2, second try: the same decorator on an application written as a
generator. Each request now takes at least 100 ms, yet the metrics say it took
next to nothing: calling a generator function only creates the generator; the
work (and the sleeps) happen later, while the server iterates over it."""

import time

import metrics


@metrics.function_call
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    time.sleep(0.05)
    yield b"Hello "
    time.sleep(0.05)
    yield b"World!"
