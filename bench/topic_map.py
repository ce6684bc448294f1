"""A linear map of USE vectors toward MiniLM's geometry, for topics only: the experiment.

    python -m bench.topic_map embed   [--cache DIR] [--per-source N]
    python -m bench.topic_map dev     [--cache DIR]
    python -m bench.topic_map floor   [--cache DIR]
    python -m bench.topic_map heldout [--cache DIR]
    python -m bench.topic_map fit     [--cache DIR] [--out models/topics/use-cca-v1]

Why: on the clothing classes k-means on our USE vectors scores NMI 0.247, on MiniLM's
(BERTopic's embedder) 0.361 (docs/benchmarks.md, issue 11). MiniLM is English only and
about 5x slower, so it cannot replace USE; a map ``W`` fitted to send USE vectors near
MiniLM's, applied before clustering, costs one matrix product and keeps USE's alignment
of English and Japanese (a linear map of two near vectors gives two near vectors).

**Fitting corpus** (``embed``): texts we may train on (../shared/data/README.md) and that
are in no labelled bench sample: clothing reviews outside the 3,000 of
``bench.topics.load_clothing_classes`` (whole reviews, and sentences of other reviews),
the app reviews of the larger regex-labelled study whose text is not in the golden set,
and GoEmotions' train split (Reddit comments). ``--per-source`` of each (hash-chosen),
embedded by USE and by MiniLM (max 256 tokens, as BERTopic's sentence-transformers) and
cached under ``<cache>/topic_map/`` in chunks, so an interrupted run resumes. Never the
CFPB narratives (all 101 are the held-out set), the SemEval laptops or TweetEval
(measuring only).

**Variants** (``dev``): each is fitted on the corpus and scored on the dev half only
(app reviews, clothing classes): k-means NMI (k = 20 / 40) and ``TopicModel`` NMI and
other share (the search's fast settings), raw USE beside, and MiniLM itself last.
``floor`` measures the shipped map's ``min_cluster_words`` there (seeds 0-3; the
variants of ``dev`` and ``heldout`` get the floor TopicModel gives a map, 2).
``heldout`` runs the chosen variant (:data:`CHOSEN`) on the held-out half once (CFPB
issues, laptop categories) and checks English and Japanese stay together; ``fit`` writes
it (:class:`voc.topics.space.VectorMap`). Figures: docs/benchmarks.md, 2026-12-03, "A map
of USE toward MiniLM".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bench.topics import (
    APP_REVIEWS,
    CLOTHING,
    DATA,
    DEFAULT_CACHE,
    LABELLED_SETS,
    agreement,
    cached_embeddings,
)

APP_REGEX = DATA / "app_reviews_urr_regex.csv"
GOEMOTIONS = DATA / "goemotions_sentiment_train.tsv"
CHUNK = 1000


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def _pick(texts: list[str], n: int) -> list[str]:
    """``n`` distinct non-empty texts chosen by hash (not file order)."""
    unique = sorted({t.strip() for t in texts if t and t.strip()}, key=_key)
    return unique[:n]


def training_corpus(per_source: int) -> dict[str, list[str]]:
    """The fitting texts by source, disjoint from every labelled bench sample."""
    import pandas as pd

    from voc.text.sentences import split_sentences

    clothing = pd.read_csv(CLOTHING)
    dev_rows = set(_dev_clothing_rows())
    rest = clothing[clothing["Review Text"].notna() & ~clothing.index.isin(dev_rows)]
    reviews = rest["Review Text"].astype(str).tolist()
    whole = _pick(reviews, per_source)
    taken = set(whole)
    sentences = [
        s.text
        for review in _pick([r for r in reviews if r.strip() not in taken], per_source // 3)
        for s in split_sentences(review, "en")
    ]
    golden = set(pd.read_csv(APP_REVIEWS)["reviewText"].fillna("").astype(str).str.strip())
    regex = pd.read_csv(APP_REGEX)["reviewText"].fillna("").astype(str).tolist()
    apps = _pick([t for t in regex if t.strip() not in golden], per_source)
    emotions = pd.read_csv(GOEMOTIONS, sep="\t", quoting=3)["text"].astype(str).tolist()
    return {
        "clothing_reviews": whole,
        "clothing_sentences": _pick(sentences, per_source),
        "app_reviews_regex": apps,
        "goemotions": _pick(emotions, per_source),
    }


def _dev_clothing_rows(n: int = 3000) -> list[int]:
    """Row indices of the clothing reviews in the dev sample (as load_clothing_classes)."""
    import pandas as pd

    df = pd.read_csv(CLOTHING)
    df = df[df["Review Text"].notna() & df["Class Name"].notna()]
    keys = [hashlib.blake2b(str(i).encode(), digest_size=8).hexdigest() for i in df.index.tolist()]
    return df.assign(_key=keys).sort_values("_key").head(n).index.tolist()


def _chunked(path: Path, texts: list[str], embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Embeddings of texts, saved per chunk of CHUNK under ``path`` (resumable)."""
    path.mkdir(parents=True, exist_ok=True)
    parts = []
    for start in range(0, len(texts), CHUNK):
        batch = texts[start : start + CHUNK]
        part = path / f"{start:07d}-{_key(''.join(batch))}.npy"
        if not part.exists():
            began = time.perf_counter()
            np.save(part, embed(batch).astype(np.float32))
            print(
                f"{path.name} {start + len(batch)}/{len(texts)} "
                f"{len(batch) / (time.perf_counter() - began):.0f}/s",
                flush=True,
            )
        parts.append(np.load(part))
    return np.vstack(parts)


def corpus_vectors(cache: Path, per_source: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per source: (USE vectors, MiniLM vectors) of the fitting corpus."""
    from voc.models.embedders import MiniLMEmbedder, get_embedder

    use = get_embedder("use-multilingual")
    minilm = MiniLMEmbedder(max_length=256, threads=2)
    out = {}
    root = cache / "topic_map"
    for source, texts in training_corpus(per_source).items():
        u = _chunked(root / f"{source}-use", texts, use.embed)
        m = _chunked(root / f"{source}-minilm", texts, minilm.embed)
        out[source] = (u, m)
    return out


# -- the variants ----------------------------------------------------------------------


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _inv_sqrt(c: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    values, vectors = np.linalg.eigh(c)
    return (vectors / np.sqrt(np.maximum(values, floor))) @ vectors.T


def fit_variant(
    kind: str, use: np.ndarray, minilm: np.ndarray, **p: Any
) -> Callable[[np.ndarray], np.ndarray]:
    """A map fitted on the corpus (USE rows ``use``, MiniLM rows ``minilm``), as a
    function of USE vectors to vectors to cluster."""
    u, m = _unit(use).astype(np.float64), _unit(minilm).astype(np.float64)
    mu, mm = u.mean(0), m.mean(0)
    uc, mc = u - mu, m - mm
    n = len(u)
    if kind == "raw":
        return lambda x: _unit(x)
    if kind == "center":
        return lambda x: _unit(_unit(x) - mu)
    if kind == "whiten":  # PCA whitening of USE, eigenvalues to the power -p["power"]
        values, vectors = np.linalg.eigh(uc.T @ uc / n)
        scale = vectors * np.maximum(values, 1e-6) ** -p["power"]
        return lambda x: _unit((_unit(x) - mu) @ scale)
    if kind in ("ridge", "ridge_concat"):
        lam = p["lam"] * np.trace(uc.T @ uc) / uc.shape[1]
        w = np.linalg.solve(uc.T @ uc + lam * np.eye(uc.shape[1]), uc.T @ mc)
        offset = 0.0 if p.get("centred_out", False) else mm
        if kind == "ridge":
            return lambda x: _unit((_unit(x) - mu) @ w + offset)
        alpha = p["alpha"]
        return lambda x: _unit(
            np.hstack([_unit((_unit(x) - mu) @ w + offset), alpha * _unit(_unit(x) - mu)])
        )
    if kind == "cca":
        mean, proj = fit_cca(use, minilm, p["k"], p.get("power", 1.0), p.get("reg", 1e-3))
        return lambda x: _unit((_unit(x) - mean) @ proj)
    raise ValueError(kind)


def fit_cca(
    use: np.ndarray, minilm: np.ndarray, k: int, power: float, reg: float
) -> tuple[np.ndarray, np.ndarray]:
    """CCA of USE against MiniLM: USE's mean and the projection onto its ``k`` directions
    most correlated with MiniLM's, each scaled by its canonical correlation ** ``power``
    (covariances ridged by ``reg`` x their mean variance)."""
    u, m = _unit(use).astype(np.float64), _unit(minilm).astype(np.float64)
    mu = u.mean(0)
    uc, mc = u - mu, m - m.mean(0)
    n = len(u)
    cu, cm = uc.T @ uc / n, mc.T @ mc / n
    wu = _inv_sqrt(cu + reg * np.trace(cu) / len(cu) * np.eye(len(cu)))
    wm = _inv_sqrt(cm + reg * np.trace(cm) / len(cm) * np.eye(len(cm)))
    a, s, _ = np.linalg.svd(wu @ (uc.T @ mc / n) @ wm)
    return mu.astype(np.float32), (wu @ a[:, :k] * s[:k] ** power).astype(np.float32)


def fit_quality(use: np.ndarray, minilm: np.ndarray, transform: Callable) -> float:
    """Mean cosine between mapped USE and MiniLM on held-back corpus rows (ridge only)."""
    mapped = transform(use)
    if mapped.shape[1] != minilm.shape[1]:
        return float("nan")
    return float(np.mean(np.sum(mapped * _unit(minilm), axis=1)))


#: The variants ``dev`` walks (chosen on the dev half only).
VARIANTS: list[tuple[str, str, dict[str, Any]]] = [
    ("raw USE", "raw", {}),
    ("USE centred", "center", {}),
    ("USE whitened p=0.25", "whiten", {"power": 0.25}),
    ("USE whitened p=0.5", "whiten", {"power": 0.5}),
    *[(f"ridge lam={lam}", "ridge", {"lam": lam}) for lam in (0.01, 0.1, 1.0)],
    ("ridge lam=0.1 centred out", "ridge", {"lam": 0.1, "centred_out": True}),
    *[(f"ridge lam=0.1 + USE a={a}", "ridge_concat", {"lam": 0.1, "alpha": a}) for a in (0.5, 1.0)],
    *[(f"cca k={k}", "cca", {"k": k}) for k in (128, 256, 384)],
]


def dev_sets(cache: Path, halves: tuple[str, ...] = ("dev",)) -> dict[str, tuple]:
    from voc.models.embedders import get_embedder

    embedder = get_embedder("use-multilingual")
    out = {}
    for name, (half, loader, _) in LABELLED_SETS.items():
        if half in halves:
            texts, gold = loader()
            out[name] = (texts, gold, cached_embeddings(texts, embedder, cache))
    return out


def score(
    vectors: np.ndarray,
    texts: list[str],
    gold: list[str],
    seeds: tuple[int, ...] = (0, 1, 2),
    kmeans: bool = True,
    **settings: Any,
) -> dict:
    """k-means NMI at k = 20 / 40 and TopicModel NMI and AMI (the search's fast settings,
    and ``settings``) per seed."""
    from sklearn.cluster import KMeans

    from bench.topics import _SEARCH_FAST
    from voc.topics import KeywordTokenizer, TopicModel

    result: dict[str, Any] = {}
    for k in (20, 40) if kmeans else ():
        labels = KMeans(k, n_init=3, random_state=0).fit(vectors).labels_
        result[f"kmeans{k}"] = agreement(labels.tolist(), gold)["nmi"]
    tm = []
    for seed in seeds:
        fit = (
            TopicModel(tokenizer=KeywordTokenizer(), random_state=seed, **_SEARCH_FAST, **settings)
            .fit(vectors, texts, ["en"] * len(texts))
            .fit_result_
        )
        scores = agreement(fit.labels.tolist(), gold)
        tm.append((scores["nmi"], fit.other_share, fit.n_topics, scores["ami"]))
    result["tm_nmi"] = [t[0] for t in tm]
    result["tm_ami_mean"] = round(float(np.mean([t[3] for t in tm])), 4)
    result["tm_nmi_mean"] = round(float(np.mean(result["tm_nmi"])), 4)
    result["tm_other"] = round(max(t[1] for t in tm), 4)
    result["tm_topics"] = [t[2] for t in tm]
    return result


def _floor(kind: str) -> dict[str, Any]:
    """TopicModel applies ``min_cluster_words`` (no clustering of one-word fragments) when
    it maps vectors itself; here they come mapped, so the floor is passed for every
    variant but raw USE, as the pipeline would with that map."""
    from voc.topics.model import MAPPED_MIN_CLUSTER_WORDS

    return {} if kind == "raw" else {"min_cluster_words": MAPPED_MIN_CLUSTER_WORDS}


def run_dev(cache: Path, per_source: int, teacher: bool = True) -> list[dict]:
    corpus = corpus_vectors(cache, per_source)
    use = np.vstack([u for u, _ in corpus.values()])
    minilm = np.vstack([m for _, m in corpus.values()])
    # Every 10th row held back to say how near the map gets to MiniLM.
    back = np.arange(len(use)) % 10 == 0
    sets = dev_sets(cache)
    rows = []
    for name, kind, params in VARIANTS:
        began = time.perf_counter()
        transform = fit_variant(kind, use[~back], minilm[~back], **params)
        row: dict[str, Any] = {"variant": name, "fit_s": round(time.perf_counter() - began, 2)}
        row["cos_to_minilm"] = round(fit_quality(use[back], minilm[back], transform), 4)
        for set_name, (texts, gold, vectors) in sets.items():
            row[set_name] = score(transform(vectors), texts, gold, **_floor(kind))
        row["worst_tm"] = min(row[s]["tm_nmi_mean"] for s in sets)
        print(json.dumps(row), flush=True)
        rows.append(row)
    if teacher:  # MiniLM itself on the dev sets: the ceiling a map can reach
        from voc.models.embedders import MiniLMEmbedder

        minilm_embedder = MiniLMEmbedder(max_length=256, threads=2)
        row = {"variant": "MiniLM itself (teacher)"}
        for set_name, (texts, gold, _) in sets.items():
            vectors = _chunked(
                cache / "topic_map" / f"dev-{set_name}-minilm", texts, minilm_embedder.embed
            )
            row[set_name] = score(_unit(vectors), texts, gold)
        row["worst_tm"] = min(row[s]["tm_nmi_mean"] for s in sets)
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


#: The variant chosen on the dev half (``dev`` and the threshold grid in docs/benchmarks.md):
#: top worst-dev-set TopicModel NMI, mean of seeds 0-1, at TopicModel's default settings.
CHOSEN = ("cca k=256 p=2", "cca", {"k": 256, "power": 2.0, "reg": 1e-3})


def heldout_sets(cache: Path) -> Iterator[tuple[dict[str, Any], list[str], list[str], np.ndarray]]:
    """Per held-out set: a row naming it with BERTopic's cached figures, its texts, labels
    and USE vectors."""
    from bench.topics import cached_bertopic

    for set_name, (texts, gold, vectors) in dev_sets(cache, ("held-out",)).items():
        bertopic = cached_bertopic(
            cache, set_name, texts, 1, False, lambda: {"error": "not cached"}, gold
        )
        row: dict[str, Any] = {
            "set": set_name,
            "bertopic": {k: bertopic.get(k) for k in ("nmi", "ami", "outlier_share", "n_topics")},
        }
        yield row, texts, gold, vectors


def run_heldout(cache: Path, per_source: int, seeds: tuple[int, ...] = (0, 1, 2)) -> list[dict]:
    """Raw USE and the chosen map on the held-out half, once: TopicModel NMI / AMI per seed
    (seed 0 is the bench's), with BERTopic's cached figures on the same texts."""

    corpus = corpus_vectors(cache, per_source)
    use = np.vstack([u for u, _ in corpus.values()])
    minilm = np.vstack([m for _, m in corpus.values()])
    name, kind, params = CHOSEN
    maps = {
        "raw USE": fit_variant("raw", use, minilm),
        name: fit_variant(kind, use, minilm, **params),
    }
    rows = []
    for row, texts, gold, vectors in heldout_sets(cache):
        for map_name, transform in maps.items():
            floor = _floor("raw" if map_name == "raw USE" else kind)
            row[map_name] = score(transform(vectors), texts, gold, seeds=seeds, **floor)
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def run_floor(cache: Path, seeds: tuple[int, ...] = (0, 1, 2, 3)) -> list[dict]:
    """The shipped map's ``min_cluster_words`` on the dev half only: TopicModel NMI per
    seed with raw USE, and with the map at floors 0 (every sentence clustered), 2 and 3."""
    from voc.topics.space import SHIPPED_VECTOR_MAP, load_vector_map

    mapping = load_vector_map(SHIPPED_VECTOR_MAP)
    sets = dev_sets(cache)
    rows = []
    for name, transform, floor in [
        ("raw USE", _unit, 0.0),
        (f"{SHIPPED_VECTOR_MAP}, floor 0", mapping, 0.0),
        (f"{SHIPPED_VECTOR_MAP}, floor 2", mapping, 2.0),
        (f"{SHIPPED_VECTOR_MAP}, floor 3", mapping, 3.0),
    ]:
        row: dict[str, Any] = {"variant": name}
        for set_name, (texts, gold, vectors) in sets.items():
            row[set_name] = score(
                transform(vectors), texts, gold, seeds, kmeans=False, min_cluster_words=floor
            )
        row["worst_tm"] = min(row[s]["tm_nmi_mean"] for s in sets)
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def cross_lingual(cache: Path, per_source: int) -> dict[str, Any]:
    """On tests/topics' hand-written subjects in English and Japanese: mean cosine of an
    English and a Japanese sentence on one subject, and on two different subjects, raw and
    mapped (the map must keep the first well above the second)."""
    from tests.topics.corpus import SUBJECTS
    from voc.models.embedders import get_embedder

    corpus = corpus_vectors(cache, per_source)
    use = np.vstack([u for u, _ in corpus.values()])
    minilm = np.vstack([m for _, m in corpus.values()])
    _, kind, params = CHOSEN
    embedder = get_embedder("use-multilingual")
    vectors = {
        (subject, lang): embedder.embed(texts)
        for subject, by_lang in SUBJECTS.items()
        for lang, texts in by_lang.items()
    }
    out = {}
    for map_name, transform in (
        ("raw USE", fit_variant("raw", use, minilm)),
        ("mapped", fit_variant(kind, use, minilm, **params)),
    ):
        same, other, same_lang = [], [], []
        for a in SUBJECTS:
            en = transform(vectors[(a, "en")])
            same_lang.append(float(np.mean(en @ en.T)))
            for b in SUBJECTS:
                cos = float(np.mean(en @ transform(vectors[(b, "ja")]).T))
                (same if a == b else other).append(cos)
        out[map_name] = {
            "en_ja_same_subject": round(float(np.mean(same)), 4),
            "en_ja_other_subject": round(float(np.mean(other)), 4),
            "en_en_same_subject": round(float(np.mean(same_lang)), 4),
        }
    return out


def write_map(cache: Path, per_source: int, out: Path) -> Path:
    """Fit the chosen map on the whole corpus and write it (``voc.topics.space``)."""
    from voc.topics.space import VectorMap

    corpus = corpus_vectors(cache, per_source)
    use = np.vstack([u for u, _ in corpus.values()])
    minilm = np.vstack([m for _, m in corpus.values()])
    _, _, params = CHOSEN
    mean, projection = fit_cca(use, minilm, params["k"], params["power"], params["reg"])
    return VectorMap(mean, projection, out.name, "use-multilingual").save(
        out,
        method="CCA of USE against all-MiniLM-L6-v2 (max 256 tokens)",
        settings=params,
        fitted_on={source: len(u) for source, (u, _) in corpus.items()},
        command=f"python -m bench.topic_map fit --per-source {per_source} --out {out}",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("stage", choices=["embed", "dev", "floor", "heldout", "fit"])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--per-source", type=int, default=6000)
    parser.add_argument("--out", type=Path, default=Path("models/topics/use-cca-v1"))
    args = parser.parse_args(argv)
    if args.stage == "embed":
        vectors = corpus_vectors(args.cache, args.per_source)
        print(json.dumps({k: len(u) for k, (u, _) in vectors.items()}))
    elif args.stage == "dev":
        run_dev(args.cache, args.per_source)
    elif args.stage == "floor":
        run_floor(args.cache)
    elif args.stage == "heldout":
        print(json.dumps(cross_lingual(args.cache, args.per_source)), flush=True)
        run_heldout(args.cache, args.per_source)
    elif args.stage == "fit":
        print(write_map(args.cache, args.per_source, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
