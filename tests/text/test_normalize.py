"""Tests for voc.text.normalize: the canonical text form, garbage detection, repost keys."""

from __future__ import annotations

import pytest

from voc.text.normalize import content_key, looks_like_mojibake, normalize_text


def as_latin1(text: str) -> str:
    """What a UTF-8 text becomes when it is read as latin-1."""
    return text.encode("utf-8").decode("latin-1")


class TestNormalizeText:
    def test_full_width_letters_and_digits_become_ascii(self) -> None:
        assert normalize_text("ＡＢＣ１２３") == "ABC123"

    def test_half_width_katakana_becomes_full_width(self) -> None:
        assert normalize_text("ｶﾞｲﾄﾞﾌﾞｯｸ") == "ガイドブック"

    def test_japanese_text_keeps_its_characters(self) -> None:
        assert normalize_text("配送が遅い。　最悪です！") == "配送が遅い。 最悪です!"

    def test_html_tags_are_stripped_and_entities_unescaped(self) -> None:
        text = "<p>Fast&nbsp;delivery &amp; <b>great</b> price, didn&#39;t expect it</p>"
        assert normalize_text(text) == "Fast delivery & great price, didn't expect it"

    def test_br_and_p_tags_become_line_breaks(self) -> None:
        assert normalize_text("Too small.<br>Sent it back.<br/><p>Refund was quick.</p>") == (
            "Too small.\nSent it back.\nRefund was quick."
        )

    def test_text_that_only_looks_like_a_tag_survives(self) -> None:
        assert normalize_text("I <3 this shirt, size < M fits") == "I <3 this shirt, size < M fits"

    def test_escaped_markup_stays_as_text(self) -> None:
        assert normalize_text("the &lt;b&gt; tag showed up") == "the <b> tag showed up"

    def test_control_characters_are_removed(self) -> None:
        assert normalize_text("bad\x00 zip\x07per\x1b") == "bad zipper"

    def test_zero_width_characters_and_bom_are_removed(self) -> None:
        assert normalize_text("\ufeffsoft\u200b fab\u200dric\u2060") == "soft fabric"

    def test_runs_of_white_space_become_one_space(self) -> None:
        assert normalize_text("  too\t\tshort   for\u3000me \u00a0 ") == "too short for me"

    def test_line_breaks_are_kept_and_blank_lines_collapsed(self) -> None:
        text = "First line.  \r\n\r\n\n   Second line.\n \t \nThird line.\n"
        assert normalize_text(text) == "First line.\nSecond line.\nThird line."

    def test_unicode_line_separators_count_as_line_breaks(self) -> None:
        assert normalize_text("one\u2028two\u2029three\x85four") == "one\ntwo\nthree\nfour"

    def test_text_of_only_white_space_and_markup_becomes_empty(self) -> None:
        assert normalize_text(" <br> \n\t&nbsp; ") == ""

    def test_plain_review_is_unchanged(self) -> None:
        review = "Love this dress! it's sooo pretty. I bought a petite and am 5'8\"."
        assert normalize_text(review) == review


class TestLooksLikeMojibake:
    def test_japanese_read_with_the_wrong_encoding_is_garbage(self) -> None:
        assert looks_like_mojibake(as_latin1("配送が遅いです。返品したい。"))

    def test_japanese_read_as_cp1252_with_replacement_is_garbage(self) -> None:
        garbled = "配送が遅いです".encode().decode("cp1252", errors="replace")
        assert looks_like_mojibake(garbled)

    def test_text_of_replacement_characters_is_garbage(self) -> None:
        assert looks_like_mojibake("\ufffd\ufffd\ufffd \ufffd\ufffd \ufffd\ufffd\ufffd")

    def test_text_with_an_undecodable_byte_is_garbage(self) -> None:
        assert looks_like_mojibake(b"great \xff fit".decode("utf-8", errors="surrogateescape"))

    def test_review_with_one_garbled_accent_is_kept(self) -> None:
        review = (
            "The cafÃ© au lait colour is lovely and the fabric is soft. Runs a bit small, "
            "so order a size up."
        )
        assert not looks_like_mojibake(review)

    def test_review_with_a_few_garbled_characters_is_kept(self) -> None:
        review = "NÃ£o funciona, simplesmente nÃ£o dÃ¡ para ler nada " + as_latin1("😀")
        assert not looks_like_mojibake(review)

    def test_japanese_text_is_not_garbage(self) -> None:
        assert not looks_like_mojibake("配送が遅い。サイズがＭなのに小さい。")

    def test_plain_english_is_not_garbage(self) -> None:
        assert not looks_like_mojibake("Runs small, order one size up.")


class TestContentKey:
    def test_repost_with_another_url_handle_case_and_punctuation_gets_the_same_key(
        self,
    ) -> None:
        original = "@shopHelp My order never arrived and nobody answers!!! https://t.co/abc123"
        repost = "my ORDER never arrived, and nobody answers... 😡 @support http://x.com/q?id=9"
        assert content_key(original) == content_key(repost) != ""

    def test_repost_with_another_order_number_gets_the_same_key(self) -> None:
        first = "Order 100234 arrived broken and support ignored me"
        second = "Order #100987 arrived broken and support ignored me"
        assert content_key(first) == content_key(second) != ""

    def test_repost_with_a_redacted_email_gets_the_same_key(self) -> None:
        first = "Refund never came, write to me at [EMAIL] please"
        second = "Refund never came, write to me at ann@example.com please"
        assert content_key(first) == content_key(second) != ""

    def test_repost_with_full_width_characters_gets_the_same_key(self) -> None:
        full_width = "ＴＨＥ ＺＩＰＰＥＲ ＢＲＯＫＥ ＡＦＴＥＲ ＯＮＥ ＷＥＥＫ"
        assert content_key(full_width) == content_key("The zipper broke after one week")

    def test_different_texts_get_different_keys(self) -> None:
        first = content_key("The zipper broke after one week of wearing it")
        second = content_key("The fabric tore after one week of wearing it")
        assert first != second
        assert first != "" and second != ""

    @pytest.mark.parametrize("text", ["great app", "Love it!!! 😍😍", "5/5 would buy again", ""])
    def test_short_texts_get_no_key(self, text: str) -> None:
        assert content_key(text) == ""

    def test_japanese_repost_gets_the_same_key(self) -> None:
        text = "注文した商品が届かないし、問い合わせても返事がありません。最悪です"
        assert content_key(text) == content_key(text + "！ https://example.jp/1") != ""

    def test_key_is_a_32_character_hex_digest(self) -> None:
        key = content_key("The zipper broke after one week of wearing it")
        assert len(key) == 32
        int(key, 16)
