"""voc: a voice-of-customer pipeline for English and Japanese feedback."""

__version__ = "0.1.0"
