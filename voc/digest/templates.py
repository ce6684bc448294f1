"""The digest's templates: Markdown, HTML and its styles (Jinja2, rendered by
:class:`voc.digest.render.Renderer`, which every ``r.`` below is).

Every sentence goes through ``r.t(...)`` (:mod:`voc.digest.text`, English and Japanese);
the templates hold layout only. ``md`` escapes text for Markdown, ``code`` turns
`backticked` commands into ``<code>`` in HTML.
"""

# ruff: noqa: E501  (a line of HTML or CSS is not wrapped for Python's sake)

__all__ = ["CSS", "HTML", "MARKDOWN"]

MARKDOWN = """\
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

CSS = """
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

HTML = """\
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
