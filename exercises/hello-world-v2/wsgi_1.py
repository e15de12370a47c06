"""Version 2: hello world, with every call timed by a decorator."""

import metrics


@metrics.function_call
def application(environ, start_response):
    output = b"Hello World!"
    start_response(
        "200 OK",
        [("Content-Type", "text/plain"), ("Content-Length", str(len(output)))],
    )
    return [output]
