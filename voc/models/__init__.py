"""Models voc trains or uses: sentence embedders and the sentiment model.

Import from the submodules (``voc.models.embedders``, ``voc.models.sentiment``,
``voc.models.training``); nothing heavy loads on import.
"""
