"""Version 4 metrics: record each request in memory and let a background
thread send everything gathered to InfluxDB once a second, in one request."""

import atexit
import os
import socket
import threading
import time

import wrapt
from influxdb import InfluxDBClient

client = InfluxDBClient(
    host=os.environ.get("INFLUXDB_HOST", "127.0.0.1"),
    port=int(os.environ.get("INFLUXDB_PORT", "8086")),
    database=os.environ.get("INFLUXDB_DATABASE", "wsgi"),
)

hostname = socket.gethostname()

_lock = threading.Lock()
_data_points = []


def record_metric(name, stop_ns, duration):
    """Keep one data point, as a dictionary, until the next report."""
    with _lock:
        _data_points.append(
            {
                "measurement": "raw-requests",
                "time": stop_ns,
                "tags": {"hostname": hostname, "process": str(os.getpid())},
                "fields": {"application_time": float(duration)},
            }
        )


def _take_points():
    global _data_points
    with _lock:
        points, _data_points = _data_points, []
    return points


def report_metrics():
    """Once a second, send what was recorded since the last report."""
    while True:
        time.sleep(1.0)
        points = _take_points()
        if points:
            client.write_points(points, time_precision="n")


def _flush():
    points = _take_points()
    if points:
        client.write_points(points, time_precision="n")


_reporter = threading.Thread(target=report_metrics, daemon=True)
_reporter.start()
atexit.register(_flush)


class WSGIApplicationIterable(wrapt.ObjectProxy):
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
            record_metric(self._self_name, stop_ns, (stop_ns - self._self_start_ns) / 1e9)


@wrapt.decorator
def wsgi_application(wrapped, instance, args, kwargs):
    start_ns = time.time_ns()
    try:
        return WSGIApplicationIterable(wrapped(*args, **kwargs), wrapped.__name__, start_ns)
    except Exception:
        stop_ns = time.time_ns()
        record_metric(wrapped.__name__, stop_ns, (stop_ns - start_ns) / 1e9)
        raise
