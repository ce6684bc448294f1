"""The rules of the insights, as numbers: what a roll-up row, an emerging topic and a pain
point are (:mod:`voc.insights.painpoints` explains each). The SQL that applies them is in
:mod:`voc.store.insights`; change a rule here.
"""

from __future__ import annotations

#: The channel or touchpoint of a roll-up row: every one together.
ALL = "*"
#: The touchpoint of a record that has none.
NO_TOUCHPOINT = "(none)"
#: The topic id of sentences close to no topic.
OTHER_TOPIC = -1
#: Weeks in the trailing baseline and in the recurrence window.
BASELINE_WEEKS = 8
#: A spike is a volume above the baseline mean plus this many standard deviations.
EMERGING_Z = 2.0
#: Fewer records than this in a week are never emerging.
MIN_EMERGING_VOLUME = 3
#: A spike is also at least this many times the baseline mean.
MIN_EMERGING_LIFT = 1.5
#: Earlier weeks the store must hold before anything can be emerging.
MIN_HISTORY_WEEKS = 2
#: The ranking score's factor for an emerging pain point.
EMERGING_BOOST = 2.0
#: Survey drag (percent of the scale's width) at which the survey factor stops growing (x2).
SURVEY_DRAG_CAP = 5.0
#: A pain point's sentences that week are at least this share negative (module docstring).
MIN_NEGATIVE_SHARE = 0.5
#: ... and it holds at least this many complaints (volume x negative share).
MIN_COMPLAINTS = 3.0
