"""Pull-based metrics: the application keeps counters and histograms in
memory and serves them on /metrics; a Prometheus server scrapes that page."""

import random
import time

from flask import Flask, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

app = Flask("hello-prometheus")

# A counter only goes up: requests served, by endpoint.
REQUESTS = Counter("hello_requests", "Requests served", ["endpoint"])

# A histogram counts observations into buckets and keeps their sum and count,
# so Prometheus can compute rates, averages and quantiles.
LATENCY = Histogram(
    "hello_request_latency_seconds",
    "Time spent handling a request",
    ["endpoint"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)

# A gauge goes up and down: requests being handled right now.
IN_PROGRESS = Gauge("hello_requests_in_progress", "Requests being handled")


@app.route("/")
def index():
    with IN_PROGRESS.track_inprogress(), LATENCY.labels("/").time():
        REQUESTS.labels("/").inc()
        return "Hello World!\n"


@app.route("/slow")
def slow():
    # Stands in for a slow database query.
    with IN_PROGRESS.track_inprogress(), LATENCY.labels("/slow").time():
        REQUESTS.labels("/slow").inc()
        time.sleep(random.uniform(0.1, 0.5))
        return "That took a while.\n"


@app.route("/metrics")
def metrics():
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
