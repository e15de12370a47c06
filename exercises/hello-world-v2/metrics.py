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


def report_metric(name, stop_time, duration):
    """Send one data point to InfluxDB, now, in the request's own thread."""
    client.write_points(
        [
            {
                "measurement": "raw-requests",
                "time": int(stop_time * 1000),
                "tags": {
                    "hostname": hostname,
                    "process": str(os.getpid()),
                },
                "fields": {
                    "application_time": float(duration),
                },
            }
        ],
        time_precision="ms",
    )


@wrapt.decorator
def function_call(wrapped, instance, args, kwargs):
    # wrapt keeps the wrapped function's name, signature and docstring intact.
    start_time = time.time()
    try:
        return wrapped(*args, **kwargs)
    finally:
        # Whatever happened, the call is over now: record how long it took.
        stop_time = time.time()
        report_metric(wrapped.__name__, stop_time, stop_time - start_time)
