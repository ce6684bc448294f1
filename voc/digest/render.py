# Over 600 lines, for now: the Markdown and HTML templates of every digest section (the loop's
# owners, events and fixes joined them this session). Next split (issue 12): one template module
# per section group, beside the Renderer.
"""A :class:`~voc.digest.data.Digest` as Markdown and as a self-contained HTML page.

The HTML embeds its charts (inline SVG) and its styles, and loads nothing, so it can be
e-mailed, archived and opened years later. The Markdown holds the same facts as text (for
Slack, the Prefect artifact, a wiki) and links the charts, which :func:`write_digest`
saves beside it as SVG files.

Every quote and label keeps its language: the HTML marks Japanese text ``lang="ja"`` so
the browser draws it with Japanese glyphs even inside an English digest.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from voc import __version__
from voc.digest import charts
from voc.digest.data import Digest, PainPoint, TopicMove
from voc.digest.text import channel_name, fix_sentence, text
from voc.taxonomy import Taxonomy

__all__ = ["DigestFiles", "Renderer", "write_digest"]

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


@dataclass(frozen=True)
class DigestFiles:
    """Where a digest was written."""

    folder: Path
    html: Path
    markdown: Path
    charts: list[Path]


class Renderer:
    """Formats one digest in one language.

    Args:
        digest: The week's digest (:func:`voc.digest.data.gather`).
        language: ``en`` or ``ja``: headings, labels and numbers; quotes stay as written.
        taxonomy: Names touchpoints (its ``labels``); None shows their names.
    """

    def __init__(self, digest: Digest, language: str = "en", taxonomy: Taxonomy | None = None):
        if language not in ("en", "ja"):
            raise ValueError(f"digest language {language!r}: write en or ja")
        self.digest = digest
        self.language = language
        self._labels = (
            {tp.name: tp.label(language) for tp in taxonomy.touchpoints} if taxonomy else {}
        )
        self._has_owners = bool(taxonomy.owners) if taxonomy else False

    # -- words and numbers -------------------------------------------------------------------
    def t(self, key: str, **values: object) -> str:
        return text(self.language, key, **values)

    def channel(self, name: str) -> str:
        return channel_name(self.language, name)

    def touchpoint(self, name: str) -> str:
        if name == "(none)":
            return self.t("no_touchpoint")
        return self._labels.get(name, name.replace("_", " "))

    def count(self, n: float) -> str:
        return f"{round(n):,}"

    def percent(self, share: float | None) -> str:
        return "–" if share is None else f"{100 * share:.0f}%"

    def signed(self, value: float | None, digits: int = 1) -> str:
        return "–" if value is None else f"{value:+.{digits}f}"

    def change(self, now: int, before: int) -> str:
        if before == 0:
            return "–" if now == 0 else self.t("new_trend", volume=now)
        return f"{(now - before) / before:+.0%}"

    def trend(self, point: PainPoint) -> str:
        previous, volume = point.previous_volume, point.volume
        if previous == 0:
            return self.t("new_trend", volume=volume)
        change = (volume - previous) / previous
        key = "flat" if abs(change) < 0.05 else ("up" if change > 0 else "down")
        return self.t(key, pct=f"{change:+.0%}", previous=previous, volume=volume)

    @property
    def sep(self) -> str:
        return "、" if self.language == "ja" else ", "

    def quoted(self, text: str, language: str) -> str:
        """A quote in the marks of its own language: 「…」 for Japanese, “…” otherwise."""
        return f"「{text}」" if language == "ja" else f"“{text}”"

    def where(self, point: PainPoint) -> str:
        return self.sep.join(
            f"{self.channel(c['channel'])} / {self.touchpoint(c['touchpoint'])} ({c['volume']})"
            for c in sorted(point.where, key=lambda c: -int(c["volume"]))[:3]
        )

    def badges(self, point: PainPoint) -> list[str]:
        out = []
        if point.new:
            out.append(self.t("new"))
        elif point.emerging:
            out.append(self.t("emerging"))
        return out

    def owner_line(self, point: PainPoint) -> str:
        """``owner: Payments · status: fix shipped (2026-11-20)``; empty when the taxonomy
        names no owner and nothing was recorded about the pain point."""
        if not (point.owners or point.action or self._has_owners):
            return ""
        teams = self.sep.join(point.owners) if point.owners else self.t("no_owner")
        if point.action:
            status = self.t(
                "status_line",
                status=self.t(f"status_{point.action['status']}"),
                date=point.action["action_date"],
            )
        else:
            status = self.t("no_action")
        return f"{self.t('owner')}: {teams} · {status}"

    def events_line(self) -> str:
        """The events of the charts' weeks, one after the other: ``W44 release: app 5.2``."""
        return self.sep.join(f"{e.day} {e.kind}: {e.title}" for e in self.digest.events)

    def drags(self, point: PainPoint) -> str:
        worst = [(m, v) for m, v in point.impacts.items() if v >= 1.0]
        return self.sep.join(
            self.t(
                "drags",
                metric=self.t(f"metric_{m}").split(" ")[0].split("（")[0],
                points=f"{v:.1f}",
            )
            for m, v in sorted(worst, key=lambda mv: -mv[1])
        )

    def emerging_text(self, move: TopicMove) -> str:
        if move.new or move.baseline == 0:
            return self.t("emerging_new", volume=move.volume)
        return self.t(
            "emerging_spike",
            volume=move.volume,
            ratio=f"{move.volume / move.baseline:.1f}×",
            baseline=f"{move.baseline:.1f}",
        )

    def falling_text(self, move: TopicMove) -> str:
        return self.t(
            "falling_item",
            volume=move.volume,
            share=self.percent(move.share),
            baseline_share=self.percent(move.baseline_share),
            baseline=f"{move.baseline:.0f}",
        )

    def verdict(self, fix: dict[str, Any]) -> str:
        """A fix's verdict in the digest's language."""
        return self.t(f"verdict_{fix['verdict']}")

    def fix_text(self, fix: dict[str, Any]) -> str:
        """A fix's figures, and why it is too early to tell when it is
        (:func:`voc.digest.text.fix_sentence`, which the web app shares)."""
        return fix_sentence(fix, self.language)

    def join(self, *sentences: str) -> str:
        """Sentences one after another: Japanese puts no space after 。."""
        return ("" if self.language == "ja" else " ").join(sentences)

    def summary(self) -> str:
        d = self.digest
        change = self.change(d.records, d.previous_records)
        if d.negative_share is None:
            line = self.t("summary_no_sentiment", records=self.count(d.records), change=change)
        else:
            line = self.t(
                "summary",
                records=self.count(d.records),
                change=change,
                negative=self.percent(d.negative_share),
            )
        if d.analysed < d.records:
            line += " " + self.t("pending", pending=self.count(d.records - d.analysed))
        return line

    def channels_line(self) -> str:
        return self.t(
            "channels",
            channels=self.sep.join(
                f"{self.channel(c)} {self.count(n)}" for c, n in self.digest.channels.items()
            ),
        )

    def subject(self) -> str:
        d = self.digest
        if d.empty:
            return self.t("subject_empty", week=d.week)
        headline = d.pain_points[0].label if d.pain_points else self.t("no_pain_points")
        return self.t("subject", week=d.week, headline=headline)

    def period(self) -> str:
        d = self.digest
        if self.language == "ja":
            start, end = f"{d.start.month}月{d.start.day}日", f"{d.end.month}月{d.end.day}日"
        else:
            start, end = d.start.strftime("%-d %b"), d.end.strftime("%-d %b %Y")
        return self.t("period", week=d.week, start=start, end=end)

    def footer(self) -> str:
        return self.t(
            "footer",
            version=__version__,
            generated=self.digest.generated_at.strftime("%Y-%m-%d %H:%M"),
        )

    # -- charts ------------------------------------------------------------------------------
    def charts(self) -> dict[str, str]:
        """The charts as SVG text, by file stem (empty when the week has no data)."""
        d = self.digest
        if d.empty:
            return {}
        out = {
            "weekly": charts.weekly_volume(
                d,
                {
                    "volume": self.t("volume_axis"),
                    "negative": self.t("negative_axis"),
                    "title": self.t("chart_weekly"),
                },
            )
        }
        if d.pain_points:
            out["trends"] = charts.pain_point_trends(
                d,
                {
                    "volume": self.t("volume_axis"),
                    "negative": self.t("negative_axis"),
                    "title": self.t("chart_trends"),
                },
                name=lambda rank, label: f"#{rank} {_clip(label, 34)}",
            )
        if not d.heatmap.empty:
            out["heatmap"] = charts.heatmap(
                d,
                {"negative": self.t("negative_axis"), "title": self.t("chart_heatmap")},
                channel_name=self.channel,
                touchpoint_name=self.touchpoint,
            )
        return out

    # -- documents ---------------------------------------------------------------------------
    def markdown(self, chart_links: dict[str, str] | None = None) -> str:
        """The digest as Markdown; ``chart_links`` maps a chart's stem to an image path."""
        return _env().from_string(_MARKDOWN).render(r=self, d=self.digest, links=chart_links or {})

    def html(self, svgs: dict[str, str] | None = None) -> str:
        """The digest as one self-contained HTML page (charts and styles inline).

        Args:
            svgs: The charts, when :meth:`charts` already drew them.
        """
        svgs = self.charts() if svgs is None else svgs
        sparks = {
            p.topic_id: charts.sparkline([v for _, v, _ in p.history])
            for p in self.digest.pain_points
        }
        return (
            _env(autoescape=True)
            .from_string(_HTML)
            .render(r=self, d=self.digest, charts=svgs, sparks=sparks, lang=_lang, css=_CSS)
        )

    def folder(self, out_dir: str | Path) -> Path:
        """Where this digest's files go: ``OUT_DIR/YYYY-Www`` in English, and a folder per
        other language inside it (``OUT_DIR/YYYY-Www/ja``), so the Japanese digest of a week
        never overwrites the English one (its charts have Japanese titles too)."""
        week = Path(out_dir) / self.digest.week
        return week if self.language == "en" else week / self.language

    def write(self, out_dir: str | Path) -> DigestFiles:
        """Write ``digest.html``, ``digest.md`` and ``charts/*.svg`` into :meth:`folder`.

        Files are written next to their final names and then moved into place, so a reader
        (or a crash) never sees half a digest; writing a week again in the same language
        replaces its files, and leaves the other language's alone.
        """
        folder = self.folder(out_dir)
        chart_dir = folder / "charts"
        chart_dir.mkdir(parents=True, exist_ok=True)
        svgs = self.charts()
        chart_paths = []
        for stem, svg in svgs.items():
            chart_paths.append(_write(chart_dir / f"{stem}.svg", svg))
        for stale in chart_dir.glob("*.svg"):
            if stale.stem not in svgs:
                stale.unlink()
        markdown = self.markdown({stem: f"charts/{stem}.svg" for stem in svgs})
        return DigestFiles(
            folder=folder,
            html=_write(folder / "digest.html", self.html(svgs)),
            markdown=_write(folder / "digest.md", markdown),
            charts=chart_paths,
        )


def write_digest(
    digest: Digest, out_dir: str | Path, language: str = "en", taxonomy: Taxonomy | None = None
) -> DigestFiles:
    """Write ``digest.html``, ``digest.md`` and ``charts/*.svg`` into ``OUT_DIR/YYYY-Www``
    (English) or ``OUT_DIR/YYYY-Www/<language>`` (:meth:`Renderer.write`)."""
    return Renderer(digest, language, taxonomy).write(out_dir)


def _write(path: Path, content: str) -> Path:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(content, encoding="utf-8")
    partial.replace(path)
    return path


def _lang(value: str) -> str:
    """``ja`` for text with Japanese script, else ``en`` (for the HTML ``lang`` attribute)."""
    return "ja" if _JAPANESE.search(value) else "en"


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _env(autoescape: bool = False) -> Environment:
    env = Environment(
        autoescape=autoescape, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["md"] = _md_escape
    env.filters["code"] = _code_spans
    return env


def _code_spans(value: str) -> Markup:
    """HTML of a sentence whose `backticked` words are commands: escaped, then <code>."""
    escaped = html.escape(str(value), quote=False)
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))


def _md_escape(value: str) -> str:
    """Text that Markdown shows as written (quotes may hold *, _, |, # or a newline)."""
    value = " ".join(str(value).split())
    return re.sub(r"([\\`*_\[\]|#<>])", r"\\\1", html.unescape(value))


_MARKDOWN = """\
# {{ r.t("title") }} · {{ r.period() }}

{% if d.empty %}
**{{ r.t("empty_title") }}** {{ r.t("empty", week=d.week, start=d.start, end=d.end) }}
{% else %}
{{ r.summary() }} {{ r.channels_line() }}
{% if d.thin %}

> ⚠ {{ r.t("thin", records=d.records, usual=r.count(d.usual_records)) }}
{% endif %}
{% if d.silent_since %}

> ⚠ {{ r.t("silent", calendar=d.silent_since) }}
{% endif %}

## {{ r.t("top") }}

{% if not d.pain_points %}
{{ r.t("no_pain_points") }}

{% endif %}
{% for p in d.pain_points %}
### {{ p.rank }}. {{ p.label | md }}{% for b in r.badges(p) %} `{{ b }}`{% endfor %}

- **{{ p.volume }}** {{ r.t("records") }} · {{ r.percent(p.negative_share) }} {{ r.t("negative") }} · {{ r.t("trend") }}: {{ r.trend(p) }} · {{ r.t("recurrence", n=p.recurrence) }}
- {{ r.t("where") }}: {{ r.where(p) }}
{% if r.owner_line(p) %}
- {{ r.owner_line(p) | md }}
{% endif %}
{% if r.drags(p) %}
- {{ r.drags(p) }}
{% endif %}

{% for q in p.quotes %}
> {{ r.quoted(q.text | md, q.language) }} — _{{ r.channel(q.channel) }}_
{% if not loop.last %}>
{% endif %}
{% else %}
{{ r.t("no_quotes") }}
{% endfor %}

{% endfor %}
{% if d.events %}
_{{ r.t("events") }}: {{ r.events_line() | md }}_

{% endif %}
## {{ r.t("love_title") }}

{% for p in d.praise %}
- **{{ p.label | md }}**: {{ r.t("love_item", volume=p.volume, share=r.percent(p.positive_share)) }}{% for q in p.quotes %} · {{ r.quoted(q.text | md, q.language) }}{% endfor %}

{% else %}
{{ r.t("love_none") }}
{% endfor %}

## {{ r.t("emerging_title") }}

{% for m in d.emerging %}
- **{{ m.label | md }}**: {{ r.emerging_text(m) }}
{% else %}
{{ r.t("emerging_none") }}
{% endfor %}

## {{ r.t("falling_title") }}

{% for m in d.falling %}
- **{{ m.label | md }}**: {{ r.falling_text(m) }}
{% else %}
{{ r.t("falling_thin" if d.thin else "falling_none") }}
{% endfor %}

## {{ r.t("surveys_title") }}

{% if d.surveys %}
| {{ r.t("metric") }} | {{ r.t("score") }} | {{ r.t("change") }} | {{ r.t("respondents") }} | {{ r.t("drag_list") }} |
|---|---:|---:|---:|---|
{% for s in d.surveys %}
| {{ r.t("metric_" + s.metric) }} | {{ "%.1f" | format(s.value) }} | {{ r.signed(s.change) }} | {{ s.respondents }} | {% for label, impact in s.drags %}{{ label | md }} (-{{ "%.1f" | format(impact) }}){% if not loop.last %}; {% endif %}{% endfor %} |
{% endfor %}
{% else %}
{{ r.t("surveys_none") }}
{% endif %}
{% if d.surveys | selectattr("explained") | list %}

### {{ r.t("why_title") }}

{% for s in d.surveys if s.explained %}
- {{ s.explained.sentence(r.language) | md }}
{% endfor %}
{% endif %}
{% if d.fixes %}

## {{ r.t("fixes_title") }}

{% for f in d.fixes %}
- **{{ f.label | md }}**: **{{ r.verdict(f) }}**{{ r.t("verdict_end") }} {{ r.fix_text(f) }}
{% endfor %}
{% endif %}
{% if links %}

## {{ r.t("charts_title") }}

{% for stem, title in [("trends", "chart_trends"), ("weekly", "chart_weekly"), ("heatmap", "chart_heatmap")] if stem in links %}
![{{ r.t(title) }}]({{ links[stem] }})

{% endfor %}
{% endif %}
{% endif %}

---
_{{ r.footer() }}_
"""

_CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d8dee4; --accent: #0072B2;
  --warn: #D55E00; --font: "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", "Noto Sans CJK JP",
  "Noto Sans JP", "Hiragino Sans", "Yu Gothic", Meiryo, sans-serif; }
* { box-sizing: border-box; }
body { font-family: var(--font); color: var(--ink); margin: 0; background: #f6f8fa;
  line-height: 1.55; }
main { max-width: 980px; margin: 0 auto; padding: 28px 24px 48px; background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0; }
.period { color: var(--muted); margin: 0 0 16px; }
.lead { font-size: 1.02rem; }
.warning { background: #fff3cd; border-left: 4px solid #e0a800; padding: 8px 12px; }
.empty { background: #f6f8fa; border-left: 4px solid var(--accent); padding: 12px 16px; }
.empty h2 { margin-top: 0; border: 0; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9em;
  background: #eef1f4; padding: 0 4px; border-radius: 3px; }
ol.pains { list-style: none; padding: 0; margin: 0; }
.pain { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 0 0 14px; }
.pain header { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.rank { font-weight: 700; color: var(--accent); font-size: 1.1rem; }
.badge { font-size: .75rem; font-weight: 600; padding: 1px 8px; border-radius: 10px;
  background: var(--warn); color: #fff; }
.stats { display: flex; gap: 18px; flex-wrap: wrap; color: var(--muted); font-size: .9rem;
  margin: 6px 0; align-items: center; }
.stats b { color: var(--ink); }
.where { font-size: .88rem; color: var(--muted); }
.drag { font-size: .88rem; color: var(--warn); }
blockquote { margin: 8px 0 0; padding: 6px 12px; border-left: 3px solid var(--line);
  background: #fafbfc; }
blockquote .via { color: var(--muted); font-size: .8rem; margin-left: 6px; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 8px 0 24px; }
figcaption { color: var(--muted); font-size: .9rem; margin-bottom: 4px; }
svg.chart { width: 100%; height: auto; }
svg.chart text { font-family: var(--font) !important; }
ul.moves { padding-left: 20px; }
footer { color: var(--muted); font-size: .8rem; margin-top: 40px; border-top: 1px solid var(--line);
  padding-top: 10px; }
@media print { body { background: #fff; } .pain { break-inside: avoid; } }
"""

_HTML = """\
<!DOCTYPE html>
<html lang="{{ r.language }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="voc">
<title>{{ r.t("title") }} · {{ d.week }}</title>
<style>{{ css | safe }}</style>
</head>
<body>
<main>
<h1>{{ r.t("title") }}</h1>
<p class="period">{{ r.period() }}</p>
{% if d.empty %}
<section class="empty" id="empty">
<h2>{{ r.t("empty_title").rstrip(".。") }}</h2>
<p>{{ r.t("empty", week=d.week, start=d.start, end=d.end) | code }}</p>
</section>
{% else %}
<p class="lead">{{ r.summary() }} {{ r.channels_line() }}</p>
{% if d.thin %}
<p class="warning">⚠ {{ r.t("thin", records=d.records, usual=r.count(d.usual_records)) }}</p>
{% endif %}
{% if d.silent_since %}
<p class="warning" id="silent">⚠ {{ r.t("silent", calendar=d.silent_since) | code }}</p>
{% endif %}
<section id="pain-points">
<h2>{{ r.t("top") }}</h2>
{% if not d.pain_points %}<p>{{ r.t("no_pain_points") }}</p>{% endif %}
<ol class="pains">
{% for p in d.pain_points %}
<li class="pain" data-topic="{{ p.topic_id }}">
<header><span class="rank">{{ p.rank }}</span>
<h3 lang="{{ lang(p.label) }}">{{ p.label }}</h3>
{% for b in r.badges(p) %}<span class="badge">{{ b }}</span>{% endfor %}
</header>
<div class="stats"><span><b>{{ p.volume }}</b> {{ r.t("records") }}</span>
<span><b>{{ r.percent(p.negative_share) }}</b> {{ r.t("negative") }}</span>
<span>{{ r.t("trend") }}: {{ r.trend(p) }}</span>{{ sparks[p.topic_id] | safe }}
<span>{{ r.t("recurrence", n=p.recurrence) }}</span></div>
<div class="where">{{ r.t("where") }}: {{ r.where(p) }}</div>
{% if r.owner_line(p) %}<div class="owner">{{ r.owner_line(p) }}</div>{% endif %}
{% if r.drags(p) %}<div class="drag">{{ r.drags(p) }}</div>{% endif %}
{% for q in p.quotes %}
<blockquote class="quote" lang="{{ q.language }}">{{ r.quoted(q.text, q.language) }}<span class="via" lang="{{ r.language }}">{{ r.channel(q.channel) }}</span></blockquote>
{% else %}
<p class="where">{{ r.t("no_quotes") }}</p>
{% endfor %}
</li>
{% endfor %}
</ol>
</section>
{% if "trends" in charts %}
<figure id="chart-trends"><figcaption>{{ r.t("chart_trends") }}</figcaption>{{ charts["trends"] | safe }}</figure>
{% endif %}
{% if d.events %}<p class="where" id="events">{{ r.t("events") }}: {{ r.events_line() }}</p>{% endif %}
<section id="love">
<h2>{{ r.t("love_title") }}</h2>
{% if d.praise %}<ul class="moves">
{% for p in d.praise %}<li data-topic="{{ p.topic_id }}"><b lang="{{ lang(p.label) }}">{{ p.label }}</b>: {{ r.t("love_item", volume=p.volume, share=r.percent(p.positive_share)) }}{% for q in p.quotes %}<blockquote class="quote praise" lang="{{ q.language }}">{{ r.quoted(q.text, q.language) }}<span class="via" lang="{{ r.language }}">{{ r.channel(q.channel) }}</span></blockquote>{% endfor %}</li>
{% endfor %}</ul>{% else %}<p>{{ r.t("love_none") }}</p>{% endif %}
</section>
<section id="emerging">
<h2>{{ r.t("emerging_title") }}</h2>
{% if d.emerging %}<ul class="moves">
{% for m in d.emerging %}<li><b lang="{{ lang(m.label) }}">{{ m.label }}</b>: {{ r.emerging_text(m) }}</li>
{% endfor %}</ul>{% else %}<p>{{ r.t("emerging_none") }}</p>{% endif %}
</section>
<section id="falling">
<h2>{{ r.t("falling_title") }}</h2>
{% if d.falling %}<ul class="moves">
{% for m in d.falling %}<li><b lang="{{ lang(m.label) }}">{{ m.label }}</b>: {{ r.falling_text(m) }}</li>
{% endfor %}</ul>{% else %}<p>{{ r.t("falling_thin" if d.thin else "falling_none") }}</p>{% endif %}
</section>
<section id="surveys">
<h2>{{ r.t("surveys_title") }}</h2>
{% if d.surveys %}
<table><thead><tr><th>{{ r.t("metric") }}</th><th class="num">{{ r.t("score") }}</th>
<th class="num">{{ r.t("change") }}</th><th class="num">{{ r.t("respondents") }}</th>
<th>{{ r.t("drag_list") }}</th></tr></thead><tbody>
{% for s in d.surveys %}
<tr><td>{{ r.t("metric_" + s.metric) }}</td><td class="num">{{ "%.1f" | format(s.value) }}</td>
<td class="num">{{ r.signed(s.change) }}</td><td class="num">{{ s.respondents }}</td>
<td>{% for label, impact in s.drags %}<span lang="{{ lang(label) }}">{{ label }}</span> (-{{ "%.1f" | format(impact) }}){% if not loop.last %}<br>{% endif %}{% endfor %}</td></tr>
{% endfor %}
</tbody></table>
{% else %}<p>{{ r.t("surveys_none") }}</p>{% endif %}
{% if d.surveys | selectattr("explained") | list %}
<div id="why"><h3>{{ r.t("why_title") }}</h3><ul class="moves">
{% for s in d.surveys if s.explained %}<li data-metric="{{ s.metric }}">{{ s.explained.sentence(r.language) }}</li>
{% endfor %}</ul></div>
{% endif %}
</section>
{% if d.fixes %}
<section id="fixes">
<h2>{{ r.t("fixes_title") }}</h2>
<ul class="moves">
{% for f in d.fixes %}<li data-topic="{{ f.topic_id }}" data-verdict="{{ f.verdict }}"><b lang="{{ lang(f.label) }}">{{ f.label }}</b>: <b class="verdict">{{ r.verdict(f) }}</b>{{ r.t("verdict_end") }} {{ r.fix_text(f) }}</li>
{% endfor %}</ul>
</section>
{% endif %}
<section id="charts">
<h2>{{ r.t("charts_title") }}</h2>
{% if "weekly" in charts %}
<figure id="chart-weekly"><figcaption>{{ r.t("chart_weekly") }}</figcaption>{{ charts["weekly"] | safe }}</figure>
{% endif %}
{% if "heatmap" in charts %}
<figure id="chart-heatmap"><figcaption>{{ r.t("chart_heatmap") }}</figcaption>{{ charts["heatmap"] | safe }}</figure>
{% endif %}
</section>
{% endif %}
<footer>{{ r.footer() }}</footer>
</main>
</body>
</html>
"""
