"""Every error voc raises, in one place.

Each message says what went wrong and what to do next; the cause is chained
(``raise SourceError(...) from e``) so the traceback keeps the original error.
"""

from __future__ import annotations


class VocError(Exception):
    """Base class of every error voc raises on purpose."""


class ConfigError(VocError):
    """The configuration is invalid: the message names the key and what to write instead."""


class SourceError(VocError):
    """A source cannot be read at all (missing file, unknown format, unreadable mapping)."""


class StoreError(VocError):
    """The warehouse cannot be opened, migrated or written."""


class ReadOnlyQueryError(StoreError):
    """A query given to ``voc sql`` would change the store."""


class MissingDependencyError(VocError):
    """An optional package is not installed; the message gives the exact pip command."""


class IngestFailed(VocError):
    """A source could not be ingested; the run's summary is in the ``runs`` table."""


class StoreBusy(StoreError):
    """Another process is writing the store and did not finish within the wait allowed
    (``store.lock_timeout_seconds``); nothing was changed."""


class UserError(VocError):
    """Something given on the command line is wrong (a path that does not exist, ...)."""


class DeliveryError(VocError):
    """The digest could not be sent to a channel (Slack or e-mail), after its retries.

    Raised by one channel's send in :mod:`voc.digest.delivery` (caught there and reported per
    channel), and by the digest flow when a configured channel still failed: then the
    digest's files are written and the message says where. The message says which server
    answered what, and never holds a secret.
    """
