"""Version 2 metrics: time every call of a function and send each result to
InfluxDB straight away, one HTTP request to InfluxDB per request served."""

import os
import socket
import time

import wrapt
from influxdb import InfluxDBClient

# The InfluxDB server the workshop starts (see workshop/lectern.yaml).
client = InfluxDBClient(
    host=os.environ.get("INFLUXDB_HOST", "127.0.0.1"),
    port=int(os.environ.get("INFLUXDB_PORT", "8086")),
    database=os.environ.get("INFLUXDB_DATABASE", "wsgi"),
)

hostname = socket.gethostname()


def report_metric(name, stop_ns, duration):
    """Send one data point to InfluxDB, now, in the request's own thread."""
    # InfluxDB keeps one point per series and timestamp: a second point with
    # the same tags and time replaces the first. Nanoseconds keep requests that
    # finish close together apart.
    client.write_points(
        [
            {
                "measurement": "raw-requests",
                "time": stop_ns,
                "tags": {
                    "hostname": hostname,
                    "process": str(os.getpid()),
                },
                "fields": {
                    "application_time": float(duration),
                },
            }
        ],
        time_precision="n",
    )


@wrapt.decorator
def function_call(wrapped, instance, args, kwargs):
    # wrapt keeps the wrapped function's name, signature and docstring intact.
    start_ns = time.time_ns()
    try:
        return wrapped(*args, **kwargs)
    finally:
        # Whatever happened, the call is over now: record how long it took.
        stop_ns = time.time_ns()
        report_metric(wrapped.__name__, stop_ns, (stop_ns - start_ns) / 1e9)
