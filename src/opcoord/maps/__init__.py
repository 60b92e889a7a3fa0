"""The map of seizures: points and filters, an offline Leaflet builder, its routes."""
