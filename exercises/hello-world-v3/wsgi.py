"""Version 3: the generator application again, now timed correctly."""

import time

import metrics


@metrics.wsgi_application
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    time.sleep(0.05)
    yield b"Hello "
    time.sleep(0.05)
    yield b"World!"
