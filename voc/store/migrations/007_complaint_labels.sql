-- Pain points named by their complaints (issue 11, points 4 and 5): a topic's label comes
-- from all of its sentences, so a topic mostly praised but complained about in one week
-- was listed as a pain point under its praise ("v neck is just right"). Each topic also
-- keeps a label drawn from its negative sentences, which the pain points show; a label a
-- person gave (topic_renames) still wins over both.

ALTER TABLE topics ADD COLUMN complaint_label VARCHAR;     -- NULL: too few complaints yet
ALTER TABLE topics ADD COLUMN complaint_aliases VARCHAR;   -- JSON {"en": "...", "ja": "..."}
ALTER TABLE topics ADD COLUMN complaint_phrases VARCHAR[]; -- key phrases of the complaints
