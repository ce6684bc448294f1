"""The patterns: e-mail addresses, ids in URLs and after a cue, phones, cards, long digit
runs, postcodes, Japanese and Western addresses, handles; in order of precedence
(:func:`_find_patterns`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from voc.text.pii.spans import _Spans
from voc.text.pii.words import _UK_AREAS

if TYPE_CHECKING:
    pass


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


def _count_digits(text: str) -> int:
    if text.isascii():
        raw = text.encode("ascii")
        return len(raw) - len(raw.translate(None, _ASCII_DIGITS))
    return len(_ANY_DIGIT.findall(text))


def _digits_of(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


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
