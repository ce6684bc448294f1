"""The one reader of the SemEval-2016 laptop sentences (measuring only, read in place)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from voc.models.semeval import LAPTOPS_FILE, Opinion, read_sentences
from voc.models.sentiment_eval import measuring_set

XML = """<?xml version="1.0" encoding="UTF-8"?>
<Reviews>
  <Review rid="1">
    <sentences>
      <sentence id="1:0">
        <text>The battery dies in two hours but the screen is lovely.</text>
        <Opinions>
          <Opinion category="BATTERY#OPERATION_PERFORMANCE" polarity="negative"/>
          <Opinion category="DISPLAY#QUALITY" polarity="positive"/>
        </Opinions>
      </sentence>
      <sentence id="1:1">
        <text>I bought it last week.</text>
      </sentence>
      <sentence id="1:2" OutOfScope="TRUE">
        <text/>
      </sentence>
    </sentences>
  </Review>
</Reviews>
"""


def test_sentences_keep_file_order_opinions_and_empty_ones(tmp_path: Path) -> None:
    path = tmp_path / "laptops.xml"
    path.write_text(XML, encoding="utf-8")
    sentences = read_sentences(path)
    assert [s.id for s in sentences] == ["1:0", "1:1", "1:2"]
    assert sentences[0].opinions == (
        Opinion("BATTERY#OPERATION_PERFORMANCE", "negative"),
        Opinion("DISPLAY#QUALITY", "positive"),
    )
    assert sentences[1].text == "I bought it last week." and sentences[1].opinions == ()
    assert sentences[2].text == ""


def test_the_shared_file_and_the_sentiment_set_built_from_it(shared_data: Path) -> None:
    sentences = read_sentences(shared_data / LAPTOPS_FILE)
    assert len(sentences) == 2500
    assert sum(1 for s in sentences if not s.opinions) > 300
    texts, labels = measuring_set("laptops_en", shared_data)
    # One polarity per kept sentence: 792 negative, 79 neutral, 1,017 positive (the
    # counts the model card and docs/benchmarks.md quote).
    assert len(texts) == 1888
    assert Counter(labels.tolist()) == {0: 792, 1: 79, 2: 1017}
