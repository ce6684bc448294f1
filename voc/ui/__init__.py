"""The local web app (``voc ui``): pain points, trends, survey metrics, topics and the
data's health, read from the store without ever blocking a run. See docs/ui.md."""
