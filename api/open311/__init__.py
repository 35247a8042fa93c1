"""Open311 GeoReport v2 over HTTP: routes, the POST of a service request, JSON and XML."""
