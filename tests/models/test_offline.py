"""Every model loads and runs with the network cut off, as on a locked-down server.

A fresh interpreter, with ``HF_HUB_OFFLINE=1`` and every outgoing socket connection
refused, loads each installed embedder, the shipped sentiment model and the analyser,
and uses them. A model that reached for a hub would fail here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from tests.conftest import REPO

SCRIPT = textwrap.dedent(
    """
    import json, socket

    def refuse(self, address, *args, **kwargs):
        raise OSError(f"network access attempted: {address!r}")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = lambda *a, **k: refuse(None, a)

    from voc.analysis import Analyzer
    from voc.models.embedders import available_embedders, get_embedder

    shapes = {}
    for name in available_embedders():
        shapes[name] = list(get_embedder(name).embed(["delivery was late", "配送が遅い"]).shape)
    analyzer = Analyzer.load()
    result = analyzer.analyze(["The support was terrible, never again."], ["en"])
    print(json.dumps({"shapes": shapes, "sentiment": result.records[0].sentiment}))
    """
)


def test_models_load_and_run_without_network() -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("HF_HOME", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "use-multilingual" in result["shapes"]
    assert all(shape[0] == 2 for shape in result["shapes"].values())
    assert result["sentiment"] == "negative"
