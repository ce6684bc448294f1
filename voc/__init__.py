"""voc: a voice-of-customer pipeline for English and Japanese feedback."""

import os as _os

__version__ = "0.1.0"

# OpenMP threads (torch's, scikit-learn's k-means) sleep between parallel regions instead
# of spinning for a while first: spinning burns a core that the other step of the
# analysis (a forked worker, the second half of a keyword tagging) is waiting for. On the
# shared 2-core machine, 10 % fewer CPU seconds for `voc enrich`, same outputs
# (docs/benchmarks.md, issue 15). Read when OpenMP loads, so set here, before torch or
# scikit-learn is imported; a value the user set wins.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
