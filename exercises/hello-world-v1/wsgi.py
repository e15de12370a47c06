"""Version 1: the smallest WSGI application there is. No metrics yet."""


def application(environ, start_response):
    output = b"Hello World!"
    start_response(
        "200 OK",
        [("Content-Type", "text/plain"), ("Content-Length", str(len(output)))],
    )
    return [output]
