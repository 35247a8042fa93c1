"""Operating the service: liveness and readiness probes, JSON logs, Prometheus metrics."""
