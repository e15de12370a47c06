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


def report_metric(name, stop_ns, duration):
    client.write_points(
        [
            {
                "measurement": "raw-requests",
                "time": stop_ns,
                "tags": {"hostname": hostname, "process": str(os.getpid())},
                "fields": {"application_time": float(duration)},
            }
        ],
        time_precision="n",
    )


class WSGIApplicationIterable(wrapt.ObjectProxy):
    """Passes the response through untouched; reports when it is closed."""

    def __init__(self, wrapped, name, start_ns):
        super().__init__(wrapped)
        self._self_name = name
        self._self_start_ns = start_ns

    def close(self):
        try:
            if hasattr(self.__wrapped__, "close"):
                self.__wrapped__.close()
        finally:
            stop_ns = time.time_ns()
            report_metric(self._self_name, stop_ns, (stop_ns - self._self_start_ns) / 1e9)


@wrapt.decorator
def wsgi_application(wrapped, instance, args, kwargs):
    start_ns = time.time_ns()
    try:
        return WSGIApplicationIterable(wrapped(*args, **kwargs), wrapped.__name__, start_ns)
    except Exception:
        # The application failed before it returned anything: that is the end.
        stop_ns = time.time_ns()
        report_metric(wrapped.__name__, stop_ns, (stop_ns - start_ns) / 1e9)
        raise
