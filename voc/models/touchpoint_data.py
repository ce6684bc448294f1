"""The labelled data the touchpoint relevance model learns from and is measured on: the
training taxonomies' texts and gold touchpoints (:func:`labelled_sets`), the label tables
that map each data set's classes to a user-written taxonomy, and an embedder with a file
cache for retraining. Used by :mod:`voc.models.touchpoint_training` and
:mod:`voc.models.touchpoint_lodo`; see the former for what may be trained on."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voc.models.embedders import DEFAULT_EMBEDDER
from voc.taxonomy import Taxonomy, load_taxonomy

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
TAXONOMIES = ROOT / "models" / "touchpoints" / "training_taxonomies"
#: The app reviews' split, shared with ``bench.touchpoints`` (its development half trains).
APP_SPLIT_SEED = 20240607
CLOTHING_TEXTS = 4000

#: URR class -> touchpoint of each app-review taxonomy (None: no touchpoint).
URR_GROUPS = {
    "ERROR": "errors_and_bugs",
    "UI": "interface_and_usability",
    "APP USABILITY": "interface_and_usability",
    "PERFORMANCE": "speed_memory_and_battery",
    "MEMORY": "speed_memory_and_battery",
    "BATTERY": "speed_memory_and_battery",
    "DEVICE": "device_compatibility",
    "ANDROID VERSION": "device_compatibility",
    "HARDWARE": "device_compatibility",
    "PRICE": "price_and_licensing",
    "LICENSING": "price_and_licensing",
    "SECURITY": "security_and_privacy",
    "PRIVACY": "security_and_privacy",
    "OTHER": None,
}
URR_CLASSES = {
    "ERROR": "errors",
    "UI": "user_interface",
    "APP USABILITY": "usability",
    "PERFORMANCE": "performance",
    "MEMORY": "memory",
    "BATTERY": "battery",
    "DEVICE": "device",
    "ANDROID VERSION": "android_version",
    "HARDWARE": "hardware",
    "PRICE": "price",
    "LICENSING": "licensing",
    "SECURITY": "security",
    "PRIVACY": "privacy",
    "OTHER": None,
}
CFPB_PRODUCTS = {
    "Credit reporting, credit repair services, or other personal consumer reports": (
        "credit_reporting"
    ),
    "Credit reporting": "credit_reporting",
    "Debt collection": "debt_collection",
    "Mortgage": "mortgage",
    "Credit card or prepaid card": "credit_card",
    "Credit card": "credit_card",
    "Student loan": "student_loan",
    "Vehicle loan or lease": "vehicle_loan",
    "Checking or savings account": "bank_account",
    "Money transfer, virtual currency, or money service": "money_transfer",
}
CFPB_ISSUES = {
    "Incorrect information on your report": "wrong_information_on_report",
    "Problem with a credit reporting company's investigation into an existing problem": (
        "credit_bureau_investigation"
    ),
    "Attempts to collect debt not owed": "debt_collection_practices",
    "Written notification about debt": "debt_collection_practices",
    "Disclosure verification of debt": "debt_collection_practices",
    "False statements or representation": "debt_collection_practices",
    "Communication tactics": "debt_collection_practices",
    "Took or threatened to take negative or legal action": "debt_collection_practices",
    "Trouble during payment process": "payments_and_fees",
    "Unexpected or other fees": "payments_and_fees",
    "Problem with a lender or other company charging your account": "payments_and_fees",
    "Problem with a purchase shown on your statement": "payments_and_fees",
    "Struggling to pay mortgage": "struggling_to_pay",
    "Struggling to pay your loan": "struggling_to_pay",
    "Struggling to repay your loan": "struggling_to_pay",
    "Credit monitoring or identity theft protection services": "fraud_and_identity_theft",
    "Identity theft protection or other monitoring services": "fraud_and_identity_theft",
    "Fraud or scam": "fraud_and_identity_theft",
    "Problem with fraud alerts or security freezes": "fraud_and_identity_theft",
    "Improper use of your report": "fraud_and_identity_theft",
    "Managing an account": "managing_the_account",
    "Managing the loan or lease": "managing_the_account",
    "Dealing with your lender or servicer": "managing_the_account",
    "Getting a credit card": "managing_the_account",
    "Applying for a mortgage or refinancing an existing mortgage": "managing_the_account",
    "Closing on a mortgage": "managing_the_account",
    "Advertising and marketing, including promotional offers": "advertising",
}
CLOTHING_DEPARTMENTS = {
    "Tops": "tops",
    "Dresses": "dresses",
    "Bottoms": "bottoms",
    "Intimate": "intimates",
    "Jackets": "jackets",
}
CLOTHING_CLASSES = {
    "Dresses": "dresses",
    "Knits": "knits",
    "Blouses": "blouses",
    "Sweaters": "sweaters",
    "Fine gauge": "fine_gauge",
    "Pants": "pants",
    "Jeans": "jeans",
    "Skirts": "skirts",
    "Shorts": "shorts",
    "Jackets": "jackets",
    "Outerwear": "outerwear",
    "Lounge": "lounge",
    "Sleep": "sleep",
    "Swim": "swim",
    "Intimates": "intimates",
    "Legwear": "legwear",
    "Layering": "layering",
}


@dataclass
class TouchpointGoldSet:
    """Texts of one data set with their gold touchpoints under one taxonomy."""

    name: str
    domain: str
    taxonomy: Taxonomy
    texts: list[str]
    gold: list[set[str]]


class CachedEmbedder:
    """The default embedder with a file cache (``.npz`` per call batch), for retraining."""

    def __init__(self, cache: Path | None) -> None:
        from voc.models.embedders import load_embedder

        self.inner = load_embedder(DEFAULT_EMBEDDER)
        self.name, self.dim = self.inner.name, self.inner.dim
        self.cache = cache
        self.memory: dict[str, np.ndarray] = {}
        if cache is not None and (cache / "embeddings.npz").exists():
            stored = np.load(cache / "embeddings.npz")
            self.memory = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if self._key(t) not in self.memory))
        if missing:
            vectors = self.inner.embed(missing)
            for text, vector in zip(missing, vectors, strict=True):
                self.memory[self._key(text)] = vector.astype(np.float32)
            if self.cache is not None and len(missing) > 50:
                self.save()
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.memory[self._key(t)] for t in texts]).astype(np.float32)

    def save(self) -> None:
        if self.cache is None:
            return
        self.cache.mkdir(parents=True, exist_ok=True)
        keys = np.asarray(list(self.memory))
        np.savez(
            self.cache / "embeddings.npz", keys=keys, vectors=np.stack(list(self.memory.values()))
        )


def app_review_split(n: int, seed: int = APP_SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the app reviews' development (training) and test halves."""
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[: n // 2]), np.sort(order[n // 2 :])


def load_app_reviews(half: str = "dev") -> tuple[list[str], list[set[str]]]:
    """App review texts of one half and their URR classes (``OTHER`` dropped)."""
    import pandas as pd

    df = pd.read_csv(DATA / "app_reviews_urr_golden.csv")
    dev, test = app_review_split(len(df))
    df = df.iloc[dev if half == "dev" else test]
    texts = df["reviewText"].fillna("").astype(str).tolist()
    columns = ["class1", "class2", "class3", "class4", "class5"]
    labels = [
        {str(v).strip() for v in row if isinstance(v, str) and v.strip()} - {"OTHER"}
        for row in df[columns].itertuples(index=False)
    ]
    return texts, labels


def _mapped(labels: list[set[str]], table: dict[str, str | None]) -> list[set[str]]:
    return [{t for label in row if (t := table[label])} for row in labels]


def labelled_sets() -> list[TouchpointGoldSet]:
    """Every training taxonomy with its texts and gold touchpoints."""
    import pandas as pd

    sets = []
    texts, classes = load_app_reviews("dev")
    keep = [i for i, t in enumerate(texts) if t.strip()]
    texts, classes = [texts[i] for i in keep], [classes[i] for i in keep]
    for name, table in (("app_reviews_groups", URR_GROUPS), ("app_reviews_classes", URR_CLASSES)):
        sets.append(
            TouchpointGoldSet(name, "apps", _taxonomy(name), texts, _mapped(classes, table))
        )

    cfpb = pd.read_csv(DATA / "cfpb_complaints_sample.csv")
    cfpb = cfpb[cfpb["Consumer complaint narrative"].notna()]
    texts = cfpb["Consumer complaint narrative"].astype(str).tolist()
    products_and_issues: tuple[tuple[str, str, dict[str, str]], ...] = (
        ("complaints_products", "Product", CFPB_PRODUCTS),
        ("complaints_issues", "Issue", CFPB_ISSUES),
    )
    for name, column, labels in products_and_issues:
        gold = [{labels[v]} if v in labels else set() for v in cfpb[column].astype(str)]
        sets.append(TouchpointGoldSet(name, "complaints", _taxonomy(name), texts, gold))

    clothing = pd.read_csv(DATA / "womens_clothing_reviews.csv", dtype=str, keep_default_na=False)
    clothing = clothing.rename(columns={"Unnamed: 0": "review_id"})
    demo = ROOT / "data" / "samples" / "womens_clothing_reviews.csv"
    if demo.exists():  # the demo's reviews measure the clothing skew: never train on them
        held = set(pd.read_csv(demo, dtype=str)["review_id"])
        clothing = clothing[~clothing["review_id"].isin(held)]
    clothing = clothing[clothing["Review Text"].str.strip() != ""]
    clothing = clothing.sample(n=CLOTHING_TEXTS, random_state=11)
    texts = [
        f"{title.strip()}. {body.strip()}" if title.strip() else body.strip()
        for title, body in zip(clothing["Title"], clothing["Review Text"], strict=True)
    ]
    departments_and_classes: tuple[tuple[str, str, dict[str, str]], ...] = (
        ("clothing_departments", "Department Name", CLOTHING_DEPARTMENTS),
        ("clothing_classes", "Class Name", CLOTHING_CLASSES),
    )
    for name, column, labels in departments_and_classes:
        gold = [{labels[v]} if v in labels else set() for v in clothing[column]]
        sets.append(TouchpointGoldSet(name, "clothing", _taxonomy(name), texts, gold))
    return sets


def _taxonomy(name: str) -> Taxonomy:
    return load_taxonomy(TAXONOMIES / f"{name}.yaml")
