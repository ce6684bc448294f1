"""The weekly pain-point digest: data, rendering, charts and delivery."""
