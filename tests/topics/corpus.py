"""Hand-written feedback sentences on a few subjects, English and Japanese, for topic tests.

Written for these tests (no licence question). Each subject has English and Japanese
sentences so that tests can check that one subject in two languages is one topic.
"""

from __future__ import annotations

SUBJECTS: dict[str, dict[str, list[str]]] = {
    "delivery": {
        "en": [
            "My delivery was late again.",
            "The parcel arrived a week after the promised date.",
            "Shipping took forever, the package came two weeks late.",
            "The courier delivered my order three days late.",
            "Still waiting for my package, delivery is very slow.",
            "The order was supposed to arrive on Monday but came on Friday.",
            "Delivery is always delayed with this shop.",
            "My package was delayed and nobody told me.",
        ],
        "ja": [
            "配達が遅すぎます。",
            "荷物が予定日より一週間遅れて届きました。",
            "注文した商品がなかなか届かない。",
            "配送が遅れて、届くまで二週間かかった。",
            "配達予定日を過ぎても荷物が来ません。",
            "いつも配送が遅延します。",
        ],
    },
    "refund": {
        "en": [
            "I am still waiting for my refund.",
            "They never refunded my money after I returned the item.",
            "The refund took over a month to reach my card.",
            "I want my money back, the refund was refused.",
            "Refund requests are ignored.",
            "I returned the dress but got no refund.",
            "Where is my refund? It has been weeks.",
            "The refund amount was less than what I paid.",
        ],
        "ja": [
            "返金がまだされていません。",
            "返品したのにお金が戻ってこない。",
            "返金までに一か月以上かかりました。",
            "返金を申請したのに断られた。",
            "返金の手続きがとても遅い。",
            "返金してほしいです。",
        ],
    },
    "crash": {
        "en": [
            "The app crashes every time I open it.",
            "The app keeps crashing after the update.",
            "It freezes and then the app closes by itself.",
            "The application crashes when I try to pay.",
            "Constant crashes make the app unusable.",
            "After the latest update the app crashes on startup.",
            "The app froze and crashed twice today.",
            "Every time I log in the app crashes.",
        ],
        "ja": [
            "アプリを開くたびに落ちます。",
            "アップデート後にアプリがすぐ落ちる。",
            "アプリが固まって強制終了します。",
            "支払いの画面でアプリがクラッシュする。",
            "アプリが頻繁に落ちて使えない。",
            "起動するとすぐにアプリが落ちてしまう。",
        ],
    },
    "size": {
        "en": [
            "The dress runs small, order a size up.",
            "The size was too small for me.",
            "These jeans run very small in the waist.",
            "I had to return it because the size was too tight.",
            "Sizing is off, the medium fits like an extra small.",
            "The shirt is much smaller than the size chart says.",
            "The sweater is too tight, the sizes run small.",
            "Order one size larger than usual.",
        ],
        "ja": [
            "サイズが小さすぎました。",
            "いつものサイズを買ったのにきつかった。",
            "表記より小さめなので、ワンサイズ上がおすすめです。",
            "サイズが合わなくて返品しました。",
            "ウエストがきつくて履けない。",
            "サイズ感が小さめです。",
        ],
    },
}


def corpus(subjects: list[str] | None = None) -> tuple[list[str], list[str], list[str]]:
    """``(texts, languages, subjects)`` of every sentence, subject by subject."""
    texts: list[str] = []
    languages: list[str] = []
    names: list[str] = []
    for subject in subjects or list(SUBJECTS):
        for language, sentences in SUBJECTS[subject].items():
            texts.extend(sentences)
            languages.extend([language] * len(sentences))
            names.extend([subject] * len(sentences))
    return texts, languages, names
