"""Moved to :mod:`voc.presets` (config data: :mod:`voc.config` applies them at load, and
voc.config must not import voc.sources, which imports it). Kept so old imports work."""

from voc.presets import PRESETS

__all__ = ["PRESETS"]
