"""Japanese person names: sudachi's 人名 part of speech, self-introductions
(「さいとうと申します」) and honorifics; company names stay."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc


# A name run followed by one of these is a company: 小林製薬, 佐藤商事, 本田技研.
_JA_COMPANY_SUFFIXES = frozenset(
    {"製薬", "商事", "工業", "銀行", "電機", "製作所", "建設", "自動車", "産業", "物産", "証券"}
    | {"生命", "運輸", "急便", "技研", "商店", "製菓", "食品", "薬品", "ホールディングス"}
    | {"グループ", "株式会社", "屋", "堂", "化学", "電気", "重工", "興業", "不動産"}
)

_JA_NAME_TAG = "名詞-固有名詞-人名"

_JA_HONORIFIC = re.compile(r"\s*(?:様|さま|さん|氏|君|くん|ちゃん|先生|殿)")

_KANJI = re.compile(r"[\u3005\u3400-\u4dbf\u4e00-\u9fff]")

# Japanese self-introductions: 「さいとうと申します」「ナカムラと申します」「よしかわです」.
_JA_NAME_RUN = (
    r"(?P<name>[\u3005\u4e00-\u9fff]{1,4}(?:[ 　][\u3005\u4e00-\u9fff]{1,3})?"
    # hiragana: the whole run, or what follows は (わたしはさとう)
    r"|[\u30a1-\u30fa\u30fc・]{2,10}|(?:(?<![\u3041-\u3096])|(?<=は))[\u3041-\u3096]{2,6})"
)

# と申します is a strong cue: whatever run of one script comes before it is the name.
_JA_MOUSHIMASU = re.compile(_JA_NAME_RUN + r"(?:と申|といいま|と言いま)")

# です only names someone at the start (of the text, a sentence, or after a greeting).
_JA_GREETING = (
    r"(?:こんにちは|こんばんは|おはようございます|はじめまして|初めまして|お世話になっております"
    r"|お世話になります|いつもお世話になっております|失礼します|失礼いたします)"
)

_JA_DESU = re.compile(
    rf"(?:^|(?<=[。！？!?\n])|{_JA_GREETING}[、,]?)[ 　]*(?:私は|わたしは|私、)?"
    + _JA_NAME_RUN
    + r"です(?=[。、,！!？?\s]|$)",
    re.MULTILINE,
)


def _japanese_people(doc: Doc) -> Iterator[tuple[int, int]]:
    yield from _japanese_tagged_people(doc)
    yield from _japanese_cued_people(doc)


def _japanese_cued_people(doc: Doc) -> Iterator[tuple[int, int]]:
    """Names in a self-introduction: 「さいとうと申します」 (whatever comes before と申します),
    「よしかわです」 at the start of the text, a sentence or after a greeting, unless sudachi
    reads the run as one ordinary word (残念です, 以上です, きれいです, 購入者です)."""
    text = doc.text
    for match in _JA_MOUSHIMASU.finditer(text):
        yield match.start("name"), match.end("name")
    for match in _JA_DESU.finditer(text):
        start, end = match.start("name"), match.end("name")
        if not _ja_ordinary_word(doc, start, end):
            yield start, end


def _ja_ordinary_word(doc: Doc, start: int, end: int) -> bool:
    """Whether sudachi reads ``text[start:end]`` as words, not as a name: every token in it
    is in the dictionary and none is a proper noun. Names outside the dictionary come out as
    several short tokens (よし|かわ) or as a proper noun."""
    span = doc.char_span(start, end)  # None unless the run starts and ends on tokens
    if span is None:
        return False
    tokens = list(span)
    if any(token.tag_.startswith("名詞-固有名詞") for token in tokens):
        return False
    if len(tokens) == 1:
        return True  # one dictionary word: 残念, 以上, 満足, きれい
    # Several tokens: a compound of nouns and suffixes (購入者 = 購入|者) is a word; a run
    # cut into kana fragments is not.
    return all(
        (
            token.tag_.startswith(("名詞-普通名詞", "接尾辞", "形状詞", "代名詞", "形容詞"))
            and len(token.text) > 1
        )
        or token.tag_.startswith("接尾辞")
        for token in tokens
    )


def _japanese_tagged_people(doc: Doc) -> Iterator[tuple[int, int]]:
    text = doc.text
    runs: list[tuple[int, int]] = []
    start = end = -1
    for token in doc:
        if token.tag_.startswith(_JA_NAME_TAG):
            if start < 0:
                start = token.idx
            elif text[end : token.idx].strip():
                runs.append((start, end))
                start = token.idx
            end = token.idx + len(token.text)
            continue
        if start >= 0 and not token.text.isspace():
            if token.text not in _JA_COMPANY_SUFFIXES:
                runs.append((start, end))
            start = -1
    if start >= 0:
        runs.append((start, end))
    for start, end in runs:
        # Sudachi calls some loanwords and Latin words names: ワイズ (a shoe's width),
        # カート (the cart), "said" in English inside Japanese. A name without kanji counts
        # only before an honorific (ジョンさん).
        if _KANJI.search(text, start, end) or _JA_HONORIFIC.match(text, end):
            yield start, end
