"""The outside check of issues 10 and 11: labelled files a reviewer brings, run through
``voc enrich`` exactly as a user runs it (in a project holding the demo store), then scored.

    python -m bench.outside inputs DIR     # write the reviewer's files into DIR/in
    (run voc enrich on each: docs/benchmarks.md, "Outside check dry run")
    python -m bench.outside score DIR      # score DIR/out/*.parquet against the labels

The files look like users' exports, not like our loaders' input: TweetEval test as an
airline-style export (``tweet_id,created_at,text,airline_sentiment``), the JRTE hotel
sentences as a Japanese Excel export (UTF-8 with BOM, text in ``本文``, labels in Japanese
words in ``評価``), the SemEval laptop sentences as a CSV with their aspect categories in
XML order (``;``-joined), 3,000 clothing reviews the demo store does not hold, and small
awkward files (semicolons and BOM, CP932, JSONL with a truncated line and a nested object,
a CSV with an unclosed quote, empty and emoji-only texts, a 17,000-character text,
e-mails and phone numbers). TweetEval, JRTE and SemEval are measuring only: nothing is
trained or tuned on them here.

Scores: sentiment 3-class macro-F1; touchpoints micro-F1 with a user-written taxonomy and
the mapping written with it (``bench/taxonomies/laptop_shop*.yaml``; also the bench's
``laptops.yaml``); topics NMI / AMI of each row's ``topic_id`` against the human category.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import yaml

from voc.models.semeval import LAPTOPS_FILE, read_sentences

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ROOT = Path(__file__).resolve().parents[1]
TAXONOMIES = ROOT / "bench" / "taxonomies"
JA_LABELS = {"1": "ポジティブ", "0": "ニュートラル", "-1": "ネガティブ"}
JA_SENTIMENT = {"ポジティブ": "positive", "ニュートラル": "neutral", "ネガティブ": "negative"}
SENTIMENTS = ["negative", "neutral", "positive"]


def write_inputs(folder: Path) -> None:
    """The reviewer's files, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    tweets = pd.read_csv(
        SHARED_DATA / "tweeteval_sentiment_test.tsv", sep="\t", quoting=3, dtype=str
    ).fillna("")
    start = datetime(2026, 10, 1)
    pd.DataFrame(
        {
            "tweet_id": [str(570000000000000000 + n * 7919) for n in range(len(tweets))],
            "created_at": [
                (start + timedelta(minutes=7 * n)).strftime("%Y-%m-%d %H:%M:%S -0800")
                for n in range(len(tweets))
            ],
            "text": tweets["text"],
            "airline_sentiment": tweets["label"],
        }
    ).to_csv(folder / "tweets.csv", index=False)
    hotel = pd.read_csv(
        SHARED_DATA / "ja_hotel_reviews_jrte_traindev.tsv",
        sep="\t",
        quoting=3,
        dtype=str,
        header=None,
        names=["id", "label", "text", "judges", "split"],
    )
    pd.DataFrame(
        {"ID": hotel["id"], "本文": hotel["text"], "評価": hotel["label"].map(JA_LABELS)}
    ).to_csv(folder / "hotel_ja.csv", index=False, encoding="utf-8-sig")
    rows = [
        {
            "sentence_id": sentence.id,
            "sentence": sentence.text,
            "aspects": ";".join(dict.fromkeys(opinion.category for opinion in sentence.opinions)),
        }
        for sentence in read_sentences(SHARED_DATA / LAPTOPS_FILE)
    ]
    pd.DataFrame(rows).to_csv(folder / "laptops.csv", index=False)
    demo = pd.read_csv(ROOT / "data" / "samples" / "womens_clothing_reviews.csv")
    clothing = pd.read_csv(SHARED_DATA / "womens_clothing_reviews.csv", index_col=0)
    clothing = clothing[clothing["Review Text"].notna() & ~clothing.index.isin(demo.review_id)]
    clothing = clothing.sample(3000, random_state=11).rename(
        columns={"Review Text": "review", "Rating": "stars", "Class Name": "class"}
    )
    clothing.index.name = "review_id"
    clothing[["review", "stars", "class"]].to_csv(folder / "clothing_more.csv")
    _write_awkward(folder)


def _write_awkward(folder: Path) -> None:
    texts = [
        "The app crashed twice when I tried to pay. Contact me at jane.doe@example.com.",
        "",
        "😀😀😀",
        "   ",
        "Delivery was fast but the box was crushed. " * 400,
        "返品したいのですが、どうすればいいですか？",
        "Great service, thank you!",
        "Charged twice for one order, call me on 090-1234-5678",
    ]
    awkward = pd.DataFrame({"id": [f"r{n}" for n in range(len(texts))], "comment": texts})
    awkward.to_csv(folder / "semicolon_bom.csv", sep=";", index=False, encoding="utf-8-sig")
    awkward.to_excel(folder / "feedback.xlsx", index=False)
    with (folder / "feedback.jsonl").open("w", encoding="utf-8") as handle:
        for row in awkward.itertuples():
            handle.write(json.dumps({"id": row.id, "comment": row.comment}) + "\n")
        handle.write('{"id": "r8", "comment": "a truncated line, bob@example.org\n')
        handle.write('{"id": "r9", "comment": {"body": "a nested object"}}\n')
    (folder / "malformed.csv").write_text(
        'id,comment,score\nm1,"Fine product",5\nm2,Refund please, write to al@example.com,1\n'
        'm3,"Unclosed quote from 03-1234-5678,2\nm4,"Last one",4\n',
        encoding="utf-8",
    )
    pd.DataFrame(
        {"番号": ["j1", "j2", "j3"], "本文": ["配送が遅すぎます。", "", "ありがとう！"]}
    ).to_csv(folder / "ja_cp932.csv", index=False, encoding="cp932")


def _gold_touchpoints(aspects: str, mapping: dict) -> set[str]:
    """A sentence's touchpoints under a mapping (bench.touchpoints.load_laptops' rules)."""
    gold = set()
    for category in filter(None, aspects.split(";")):
        entity, attribute = category.split("#")
        if entity == "LAPTOP":
            touchpoint = mapping["attributes_of_laptop"].get(attribute)
        else:
            touchpoint = mapping["entities"].get(entity)
        gold |= {touchpoint} - {None}
        if attribute == "PRICE":
            gold.add("price")
    return gold


def score(folder: Path) -> dict[str, float]:
    """The figures of ``folder/out``'s enriched files."""
    from sklearn.metrics import adjusted_mutual_info_score, f1_score
    from sklearn.metrics import normalized_mutual_info_score as nmi

    out = folder / "out"
    figures: dict[str, float] = {}
    for name, column, mapping in (
        ("tweets", "airline_sentiment", None),
        ("hotel_ja", "評価", JA_SENTIMENT),
    ):
        df = pd.read_parquet(out / f"{name}.parquet")
        gold = df[column].map(mapping) if mapping else df[column]
        ok = df["voc_error"].isna()
        figures[f"{name}.sentiment_macro_f1"] = f1_score(
            gold[ok], df.loc[ok, "sentiment"].astype(str), labels=SENTIMENTS, average="macro"
        )
    for name, taxonomy in (("laptops", "laptop_shop"), ("laptops_bench", "laptops")):
        mapping = yaml.safe_load((TAXONOMIES / f"{taxonomy}_mapping.yaml").read_text("utf-8"))
        df = pd.read_parquet(out / f"{name}.parquet")
        hits = wrong = missed = 0
        for aspects, predicted in zip(
            df["aspects"].fillna(""), df["touchpoints"].fillna(""), strict=True
        ):
            gold, tagged = (
                _gold_touchpoints(aspects, mapping),
                set(filter(None, predicted.split("|"))),
            )
            hits, wrong, missed = (
                hits + len(gold & tagged),
                wrong + len(tagged - gold),
                missed + len(gold - tagged),
            )
        figures[f"{name}.touchpoints_micro_f1"] = 2 * hits / (2 * hits + wrong + missed)
    topic_sets = [("laptops", "aspects"), ("clothing_auto", "class"), ("clothing_file", "class")]
    for name, column in topic_sets:
        df = pd.read_parquet(out / f"{name}.parquet")
        df = df[df["topic_id"].notna()]
        gold = df[column].fillna("").astype(str).str.split(";").str[0]
        figures[f"{name}.topics_nmi"] = nmi(gold, df["topic_id"].astype(int))
        figures[f"{name}.topics_ami"] = adjusted_mutual_info_score(gold, df["topic_id"].astype(int))
        figures[f"{name}.topics_other_share"] = float((df["topic_id"] == -1).mean())
    return {key: round(value, 3) for key, value in figures.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["inputs", "score"])
    parser.add_argument("folder", type=Path, help="the scratch project (inputs go to its in/)")
    args = parser.parse_args(argv)
    if args.step == "inputs":
        write_inputs(args.folder / "in")
    else:
        for key, value in score(args.folder).items():
            print(f"{key}\t{value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
