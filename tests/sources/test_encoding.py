"""Tests for voc.sources.encoding: detection, streaming, and rows that do not decode."""

from __future__ import annotations

from pathlib import Path

import pytest

from voc.errors import ConfigError, SourceError
from voc.sources.encoding import (
    decode_file,
    detect_encoding,
    has_undecodable,
    open_text,
)

JAPANESE_ROWS = "id,text\n1,配送が遅い\n2,サイズがちょうど良い\n"


def write(tmp_path: Path, data: bytes, name: str = "feedback.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_all(path: Path, **kwargs: object) -> tuple[str, str]:
    stream, guess = open_text(path, **kwargs)  # type: ignore[arg-type]
    with stream:
        return stream.read(), guess.encoding


def test_utf8_file_is_read_as_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, "id,text\n1,café crème\n2,配送が遅い\n".encode())
    assert read_all(path) == ("id,text\n1,café crème\n2,配送が遅い\n", "utf-8")


def test_utf8_file_with_bom_is_read_without_the_bom(tmp_path: Path) -> None:
    path = write(tmp_path, JAPANESE_ROWS.encode("utf-8-sig"))
    assert read_all(path) == (JAPANESE_ROWS, "utf-8-sig")


def test_cp932_file_from_japanese_excel_is_read_as_cp932(tmp_path: Path) -> None:
    path = write(tmp_path, "配送が遅い".encode("cp932"))
    assert read_all(path) == ("配送が遅い", "cp932")


def test_cp932_csv_keeps_every_row(tmp_path: Path) -> None:
    path = write(tmp_path, JAPANESE_ROWS.encode("cp932"))
    assert read_all(path) == (JAPANESE_ROWS, "cp932")


def test_latin1_file_is_read_as_latin1(tmp_path: Path) -> None:
    path = write(tmp_path, "café crème".encode("latin-1"))
    assert read_all(path) == ("café crème", "latin-1")


def test_cp1252_file_keeps_its_curly_quotes(tmp_path: Path) -> None:
    path = write(tmp_path, "“Too small” – I’d return it".encode("cp1252"))
    assert read_all(path) == ("“Too small” – I’d return it", "cp1252")


def test_one_bad_byte_in_a_utf8_file_damages_only_its_line(tmp_path: Path) -> None:
    good = "".join(f"{i},サイズがちょうど良い、café\n" for i in range(20))
    data = good.encode() + b"20,broken \xff byte\n" + good.encode()
    stream, guess = open_text(write(tmp_path, data))
    with stream:
        lines = stream.read().splitlines()
    assert guess.encoding == "utf-8"
    assert 0 < guess.bad_byte_share < 0.01
    damaged = [line for line in lines if has_undecodable(line)]
    assert damaged == ["20,broken \udcff byte"]
    assert "\n".join(line for line in lines if not has_undecodable(line)) + "\n" == good + good


def test_multibyte_character_cut_at_the_sample_boundary_is_still_utf8(tmp_path: Path) -> None:
    text = "a" * 99 + "é配送" * 10
    assert len(text.encode()[:100]) == 100  # the sample ends inside "é"
    path = write(tmp_path, text.encode())
    assert read_all(path, sample_size=100) == (text, "utf-8")
    assert detect_encoding(text.encode()[:100]).bad_byte_share == 0.0


def test_binary_file_raises_source_error_saying_to_set_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "logo.csv")
    with pytest.raises(SourceError, match="encoding:"):
        open_text(path)


def test_zip_file_raises_source_error(tmp_path: Path) -> None:
    path = write(tmp_path, b"PK\x03\x04" + b"\x00\x14\x00\x06\x00" * 200, "export.csv")
    with pytest.raises(SourceError, match="binary"):
        open_text(path)


def test_utf16_with_a_byte_order_mark_is_read_like_google_play_exports(tmp_path: Path) -> None:
    path = write(tmp_path, "id,text\n1,配送が遅い\n".encode("utf-16"))
    assert read_all(path) == ("id,text\n1,配送が遅い\n", "utf-16")


def test_forced_encoding_is_used_as_given(tmp_path: Path) -> None:
    path = write(tmp_path, "id,text\n1,hello\n".encode("utf-16"))
    assert read_all(path, encoding="utf-16") == ("id,text\n1,hello\n", "utf-16")


def test_unknown_forced_encoding_raises_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, b"id,text\n")
    with pytest.raises(ConfigError, match="'klingon-8'"):
        open_text(path, encoding="klingon-8")


def test_missing_file_raises_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found"):
        open_text(tmp_path / "nope.csv")


def test_quoted_line_breaks_survive_for_the_csv_reader(tmp_path: Path) -> None:
    path = write(tmp_path, b'id,text\r\n1,"two\nlines"\r\n')
    assert read_all(path)[0] == 'id,text\r\n1,"two\nlines"\r\n'


def test_decode_file_returns_the_whole_text(tmp_path: Path) -> None:
    path = write(tmp_path, JAPANESE_ROWS.encode("cp932"))
    text, guess = decode_file(path)
    assert (text, guess.encoding) == (JAPANESE_ROWS, "cp932")


def test_empty_file_is_utf8(tmp_path: Path) -> None:
    assert read_all(write(tmp_path, b"")) == ("", "utf-8")


def test_clean_text_has_nothing_undecodable() -> None:
    assert not has_undecodable("配送が遅い café")


def test_transform_codec_as_forced_encoding_raises_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, b"id,text\n")
    with pytest.raises(ConfigError, match="not a text encoding"):
        open_text(path, encoding="rot13")
