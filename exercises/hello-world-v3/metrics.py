"""Version 3 metrics: for WSGI applications, a request ends when the server
calls close() on the response iterable, not when the application returns. Wrap
the iterable and take the time there."""

import os
import socket
import time

import wrapt
from influxdb import InfluxDBClient

client = InfluxDBClient(
    host=os.environ.get("INFLUXDB_HOST", "127.0.0.1"),
    port=int(os.environ.get("INFLUXDB_PORT", "8086")),
    database=os.environ.get("INFLUXDB_DATABASE", "wsgi"),
)

hostname = socket.gethostname()


def report_metric(name, stop_time, duration):
    client.write_points(
        [
            {
                "measurement": "raw-requests",
                "time": int(stop_time * 1000),
                "tags": {"hostname": hostname, "process": str(os.getpid())},
                "fields": {"application_time": float(duration)},
            }
        ],
        time_precision="ms",
    )


class WSGIApplicationIterable(wrapt.ObjectProxy):
    """Passes the response through untouched; reports when it is closed."""

    def __init__(self, wrapped, name, start_time):
        super().__init__(wrapped)
        self._self_name = name
        self._self_start_time = start_time

    def close(self):
        try:
            if hasattr(self.__wrapped__, "close"):
                self.__wrapped__.close()
        finally:
            stop_time = time.time()
            report_metric(self._self_name, stop_time, stop_time - self._self_start_time)


@wrapt.decorator
def wsgi_application(wrapped, instance, args, kwargs):
    start_time = time.time()
    try:
        return WSGIApplicationIterable(wrapped(*args, **kwargs), wrapped.__name__, start_time)
    except Exception:
        # The application failed before it returned anything: that is the end.
        stop_time = time.time()
        report_metric(wrapped.__name__, stop_time, stop_time - start_time)
        raise
