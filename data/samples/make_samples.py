#!/usr/bin/env python3
"""Regenerate the bundled sample data in ``data/samples/``.

Two kinds of files live there:

* **Slices of real public data** (files 1-3), rebuilt from ``../shared/data/`` beside the
  checkout (the folder CI and the maintainers have; a user's clone does not):

  - ``womens_clothing_reviews.csv``  (CC0, Kaggle "Women's E-Commerce Clothing Reviews")
  - ``app_reviews_google_play.csv``  (MIT, "User Reviews Reference" golden set, reshaped
    into the column layout of a Google Play Console reviews export)
  - ``cfpb_complaints.csv``          (CFPB Consumer Complaint Database, public domain)

* **Files written for the voc demo** (files 4-6), generated here with fixed seeds from
  hand-written pools of comments. They describe a fictional online fashion shop,
  "Hoshizora Closet" (ほしぞらクローゼット). No real customer wrote them; every name,
  e-mail, phone number, address and order number in them is invented (e-mails use the
  reserved example.com/.net/.org domains, US phone numbers the fictional 555-01xx range):

  - ``survey_nps_export.csv``        (NPS survey export, English, UTF-8)
  - ``survey_csat_ja_export.csv``    (CSAT survey export, Japanese, CP932 / CRLF)
  - ``social_posts_ja.jsonl``        (X/Twitter API v2-shaped posts, ja + en)
  - ``support_tickets.json``         (Zendesk-style ticket export, en + ja)

All dates fall in the 12 ISO weeks Monday 2026-08-24 .. Sunday 2026-11-15. The deliberate
defects planted in the written files are listed in ``data/samples/README.md``; run
``python data/samples/make_samples.py --verify`` to check they are where the README says.

Usage (from the repository root, with the project's venv)::

    python data/samples/make_samples.py              # everything
    python data/samples/make_samples.py --only real  # files 1-3 (needs ../shared/data)
    python data/samples/make_samples.py --only written
    python data/samples/make_samples.py --verify     # load every file, print a summary

Output is byte-for-byte reproducible (pandas' ``sample(random_state=7)`` uses the legacy
NumPy RandomState, whose stream is frozen; everything else uses ``random.Random(seed)``
and SHA-256).
"""

# ruff: noqa: E501  (the comment pools below are data: one hand-written item per line)
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import random
import re
import string
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_SHARED = REPO.parent / "shared" / "data"

# The 12 ISO weeks the demo covers: 2026-W35 (Mon 2026-08-24) .. 2026-W46 (Sun 2026-11-15).
WINDOW_START = date(2026, 8, 24)
WINDOW_END = date(2026, 11, 15)
WINDOW_DAYS = (WINDOW_END - WINDOW_START).days + 1  # 84
# The fictional shop relaunched its website (new checkout) on Tue 2026-11-03: from then on
# payment errors (決済エラー) appear in every channel -- the "emerging" issue of the demo.
SITE_UPDATE_DAY = (date(2026, 11, 3) - WINDOW_START).days  # 71
# Its app 5.0 shipped on Tue 2026-09-29 and crashed for many users until 5.0.2 (~Oct 9).
APP_UPDATE_DAY = (date(2026, 9, 29) - WINDOW_START).days  # 36

SHOP = "Hoshizora Closet"
SHOP_HANDLE = "hoshizora_closet"
SUPPORT_HANDLE = "hoshizora_help"
ORDER_URL = "https://shop.example.com/orders/{}"


# --------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------


def _lines(block: str) -> list[tuple[str, str]]:
    """Parse a pool: one item per line, optional ``FLAGS|`` prefix, ``\\n`` for newlines.

    Returns (flags, text) pairs. Blank lines and ``#`` comments are skipped.
    """
    items = []
    for raw in block.strip("\n").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        flags = ""
        m = re.match(r"^([A-Z]{1,3})\|(.*)$", line)
        if m:
            flags, line = m.group(1), m.group(2)
        items.append((flags, line.replace("\\n", "\n")))
    return items


def _day(rng: random.Random, flags: str = "") -> int:
    """A day offset in the window (0 = Mon 2026-08-24).

    Flags: L = after the site update (the burst), X/Y/W/Z = fixed moments of the burst,
    A = the weeks after the app 5.0 update, E = before the site update; none = anywhere.
    """
    if "X" in flags:  # the first days after the relaunch
        return SITE_UPDATE_DAY + rng.randrange(0, 4)
    if "Y" in flags:  # the shop finally posts a notice (Sun 2026-11-08)
        return SITE_UPDATE_DAY + 5 + rng.randrange(0, 2)
    if "W" in flags:  # "still not fixed after a week"
        return SITE_UPDATE_DAY + 6 + rng.randrange(0, 4)
    if "Z" in flags:  # the last days of the window (fixed, or about to be)
        return WINDOW_DAYS - 3 + rng.randrange(0, 3)
    if "E" in flags:  # early: before the site update (e.g. things that only the old site did)
        return rng.randrange(0, SITE_UPDATE_DAY)
    if "L" in flags:
        # the burst: heavier in the first days after the relaunch, tailing off
        return min(WINDOW_DAYS - 1, SITE_UPDATE_DAY + int(rng.triangular(0, 13, 3)))
    if "A" in flags:
        return min(WINDOW_DAYS - 1, APP_UPDATE_DAY + int(rng.triangular(0, 16, 2)))
    return rng.randrange(0, WINDOW_DAYS)


def _clock(rng: random.Random, start_hour: int, end_hour: int) -> tuple[int, int, int]:
    """A time of day between start_hour and end_hour (local), evening-heavy."""
    hour = int(rng.triangular(start_hour, end_hour, end_hour - 2)) % 24
    return hour, rng.randrange(60), rng.randrange(60)


def _rand_id(
    rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits
) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _tco(rng: random.Random) -> str:
    return "https://t.co/" + _rand_id(rng, 10)


def _order_no(rng: random.Random) -> str:
    return "888" + "".join(rng.choice(string.digits) for _ in range(5))


def _pacific_offset(local: datetime) -> str:
    """US Pacific offset: PDT (-07:00) until Sun 2026-11-01 02:00 local, PST (-08:00) after."""
    return "-07:00" if local < datetime(2026, 11, 1, 2, 0) else "-08:00"


def _write_csv(
    path: Path, header: list[str], rows: list[list[object]], encoding: str, newline: str
) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))  # strict: fails loudly on a bad char


# --------------------------------------------------------------------------------------
# 1-3: slices of real public data
# --------------------------------------------------------------------------------------


def build_womens_clothing(shared: Path, out: Path) -> None:
    """2,000 reviews (random_state=7) of the CC0 Women's E-Commerce Clothing Reviews.

    The original has no dates: ``review_date`` is assigned by the project, a deterministic
    hash of the review id spread over the 84 days of the demo window.
    """
    import pandas as pd

    src = pd.read_csv(shared / "womens_clothing_reviews.csv", dtype=str, keep_default_na=False)
    src = src.rename(columns={"Unnamed: 0": "review_id"})
    sample = src.sample(n=2000, random_state=7)
    sample = sample.assign(_k=sample["review_id"].astype(int)).sort_values("_k").drop(columns="_k")

    def review_date(review_id: str) -> str:
        h = int(hashlib.sha256(f"voc-demo-date:{review_id}".encode()).hexdigest(), 16)
        return (WINDOW_START + timedelta(days=h % WINDOW_DAYS)).isoformat()

    sample["review_date"] = sample["review_id"].map(review_date)
    sample.to_csv(
        out / "womens_clothing_reviews.csv", index=False, encoding="utf-8", lineterminator="\n"
    )


def _package_name(app: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", app.lower().replace("'", "")).strip("_")
    if slug[0].isdigit():
        slug = "app_" + slug  # a Java package segment cannot start with a digit
    return f"com.example.{slug}"


def build_app_reviews(shared: Path, out: Path) -> None:
    """All 1,584 rows of the URR golden set in a Google Play Console export's layout."""
    import pandas as pd

    src = pd.read_csv(shared / "app_reviews_urr_golden.csv", dtype=str, keep_default_na=False)
    rows = []
    for rec in src.to_dict("records"):
        package = _package_name(rec["app"])
        submitted = datetime.strptime(rec["date"], "%d/%m/%y").strftime("%Y-%m-%dT%H:%M:%SZ")
        labels: list[str] = []
        for col in ("class1", "class2", "class3", "class4", "class5"):
            value = rec[col].strip()
            if value and value not in labels:
                labels.append(value)
        rows.append(
            {
                "Package Name": package,
                "App Version Name": rec["appVersion"],
                "Reviewer Language": "en",
                "Device": "",
                "Review Submit Date and Time": submitted,
                "Star Rating": rec["ratingStars"],
                "Review Title": "",
                "Review Text": rec["reviewText"],
                "Review Link": f"https://play.google.com/store/apps/details?id={package}&reviewId={rec['_id']}",
                "Review Id": rec["_id"],
                "Topic Labels": "|".join(labels),
            }
        )
    # Google Play Console writes its review exports as UTF-16 with a byte order mark.
    pd.DataFrame(rows).to_csv(
        out / "app_reviews_google_play.csv", index=False, encoding="utf-16", lineterminator="\n"
    )


def build_cfpb(shared: Path, out: Path) -> None:
    """The CFPB complaints that have a consumer narrative, every original column."""
    import pandas as pd

    src = pd.read_csv(shared / "cfpb_complaints_sample.csv", dtype=str, keep_default_na=False)
    kept = src[src["Consumer complaint narrative"].str.strip() != ""]
    kept.to_csv(out / "cfpb_complaints.csv", index=False, encoding="utf-8", lineterminator="\n")


# --------------------------------------------------------------------------------------
# 4a: NPS survey export (English)
# --------------------------------------------------------------------------------------

NPS_DETRACTORS = _lines(r"""
Ordered a dress for a wedding with guaranteed 3-day delivery and it showed up 9 days later, after the wedding. Paid extra for express for nothing.
Parcel arrived soaking wet and the box was crushed. The sweater inside survived but the shoe box was destroyed.
Still waiting on my refund, it has been over three weeks since you confirmed you received the return.
The website keeps logging me out at checkout and emptying my cart. Tried three times, gave up and bought elsewhere.
A|App crashes every time I open the Orders tab since the last update. iPhone 13, latest iOS.
I was charged twice for the same order and it took four emails to get one of them reversed.
Support takes days to answer a simple question. The chat says "typical reply time: a few minutes" but nobody ever joined.
Quality has really gone down. The last two t-shirts I bought shrank and twisted after one wash.
Sizing is all over the place. I'm a medium in everything else and your medium jeans wouldn't go past my hips.
Prices keep creeping up and shipping is no longer free under $75. Not worth it anymore.
Tracking said delivered but nothing was at my door. Had to file a claim and wait 10 days.
Return label never arrived in my email, I had to call twice.
Return shipping is $7.95 now?? That used to be free. Will think twice before ordering.
The coat's zipper broke the second time I wore it.
You cancelled my order without telling me because an item was out of stock. I only found out when I checked tracking.
Got the wrong colour and the exchange took almost a month.
Promo code didn't apply at checkout and customer service told me it was "expired" even though the email said valid until Sunday.
The app is painfully slow, takes ages to load product pages and the filters reset every time I go back.
Refund went back to a gift card instead of my credit card and no one can explain why.
Courier left the package in the rain on the porch. Everything inside was damp and smelled.
Waited 45 minutes in the chat queue and then it disconnected.
Your size chart says the dress is 38 inches long, it's more like 34. Had to send it back.
Items arrived in two separate shipments a week apart and I was charged shipping twice.
Product photos are misleading. The "linen" shirt is mostly polyester and see-through.
I can't reset my password, the reset email never arrives. Contacted support, no answer yet.
Delivery estimate moved from Tuesday to Friday to "delayed" with no explanation.
Box was torn open and one item was missing. Support asked me for photos of the box I had already thrown out.
Got billed for Plus membership after I cancelled it. Twice.
Refund took 19 days. Meanwhile your emails keep asking me to review the item I returned.
Stitching came apart on the seams within a week. For $89 I expect better.
E|The checkout page froze on the payment step and I couldn't tell if my order went through. It did, twice.
App keeps sending me push notifications even after I turned them off in settings.
Every answer from support is a copy-paste that doesn't address my question.
Ordered a size 8, received a size 12 labelled as 8.
Delivery was a week late and nobody told me. The tracking page hadn't updated in 5 days.
The fabric pills after a couple of wears. Not what I expect from your "premium" line.
Return portal gives an error when I select "wrong size" as the reason. Had to email instead.
I live in a rural area and you keep using a courier that never actually delivers here.
Shoes were clearly worn before, scuffs on the soles. Sold as new.
Customer service promised a callback that never came.
The search on the site is useless, searching "black jeans" shows me white dresses.
It took 3 weeks for a replacement and it arrived damaged as well.
A|App crashed while I was paying and I got charged but there is no order in my account.
Your "free returns" are only free if you drop them at one specific store 40 miles away.
Stopped receiving order confirmation emails so I never know if something went through.
Half of what I want is always sold out in my size, and the restock alerts never work.
Dress had a stain on the front when it arrived.
I was told my refund was processed on the 3rd. Two weeks later my bank has nothing.
The Plus membership doesn't seem worth it, "free 2-day shipping" is never 2 days.
Contacting you is impossible. No phone number, the chat bot loops, email takes 4 days.
The colour is nothing like the picture, the "sage green" is basically grey.
Package was delivered to my neighbour's address even though mine was correct on the order.
E|Website is broken on Safari, the add to bag button does nothing.
I returned 3 items and only got refunded for 2. Now I have to prove I sent the third.
Cheap feeling material, thin and scratchy. Returned everything.
Shipping fee is more than the item I wanted to buy.
A|After the app update I can't see my order history at all.
Agent was rude and basically told me it was my fault the parcel was stolen.
Sleeves are way too long and the body is tight, weird cut.
The parcel sat at the depot for 8 days. Nobody at your end could tell me why.
Had to return the same pair of boots twice because both pairs had a defect in the left sole.
Gift wrap was paid for but the order came in a plain plastic bag.
I keep getting "something went wrong" when I try to update my delivery address.
Prices in the app are different from the website, and the app is more expensive.
Exchanges are not possible, I have to return and re-order, and by then my size was gone.
Too many emails. 3 a day. The unsubscribe link gives a 404.
Jacket lost its shape after one dry clean.
My refund had a "restocking fee" taken off that wasn't mentioned anywhere when I ordered.
Delivery driver didn't ring, just left a note saying I wasn't home. I was home.
E|Ordered during the Labor Day sale, got charged full price. Still sorting it out.
A|App logs me out every single time I close it. Have to type my password again every time.
Took five days to get a reply saying they'd "escalate it". Then nothing.
Three out of four items I bought this season had loose threads or missing buttons.
I've been a customer for about four years and this is the first time I'm giving a low score. My last order (two pairs of trousers and a blazer) was supposed to arrive on the Thursday before a job interview. It arrived the following Tuesday, the blazer had a tear near the pocket, and when I tried to return it the portal said the item was "not eligible". I spent an hour on chat getting passed between agents. I got my money back in the end but honestly the whole thing was exhausting and I don't trust the delivery dates any more.
Honestly the clothes are nice but everything around them is a mess. Website is slow, checkout fails if you use a discount code and a gift card together, the app forgets my sizes, and support replies are generic. Fix the basics please.
Charged my card $64.20 twice in one night. One was "pending" for 10 days before it dropped off. Very stressful when you're on a tight budget.
1) late delivery\n2) box damaged\n3) nobody answers emails
delivery took forever and the refund for the thing i sent back still hasnt come through
L|Since your new website went live I can't pay. Card gets "payment could not be processed (error 402)" every time, works fine everywhere else.
L|Checkout is broken. Payment error at the very last step, tried two different cards and Apple Pay.
L|Got a payment error at checkout but my bank shows the charge. No order confirmation. Now what?
L|New checkout page keeps saying my billing address doesn't match. It does. Couldn't order.
L|Payment failed 4 times tonight after the site redesign. Gave up.
L|The "Place order" button spins forever and then says payment declined. My card is fine.
L|Error at the payment step, and the cart emptied itself afterwards. Really annoying after 20 minutes of shopping.
L|Since the update I get a $1 authorisation and then an error. Happened 3 times, 3 holds on my card.
""")

NPS_PASSIVES = _lines(r"""
Clothes are good, delivery is a bit slow compared to other shops.
Nice stuff but returns take forever to be refunded.
Generally happy. The app could use a better filter for sizes.
Good quality for the price, but the sizing chart needs work.
Delivery was fast this time, last time it was a week late, so it's hit and miss.
I like the selection but shipping costs are high if you're not a Plus member.
Fine overall. Website is a bit clunky on mobile.
Customer service solved my issue but it took three messages to get there.
Love the dresses, less impressed with the knitwear.
Would be a 10 if returns were free.
Items are nice, packaging is excessive. So much plastic.
Mostly good, had one damaged parcel but they sent a replacement quickly.
Good basics. Nothing special but reliable.
A|The app is ok, crashes sometimes when I switch between tabs.
Prices are fair during sales, a bit high otherwise.
Delivery on time, but the courier left it at the front desk without notifying me.
Happy with the products, not with the number of marketing emails.
I would recommend you for trousers, not for shoes (they run narrow).
Good experience but I had to wait 2 days for an answer to a simple question about sizing.
Great jeans, but the refund for my last return took 12 days.
Checkout was smooth, delivery took 6 days which is longer than advertised.
Fits well, colours fade a bit after washing.
Decent. Would like more petite sizes.
The Plus membership pays for itself if you order often, otherwise not really.
Quality is good but the fabric of the summer line is really thin.
The chatbot is useless but the human agent was helpful once I got to one.
I like it, but the website search could be much better.
Everything arrived but in three different boxes on three different days.
Ok experience. Would be nice to be able to change the delivery address after ordering.
Returns are easy but the refund goes to store credit by default, you have to ask for it on your card.
Good quality, but I had to return two items for size which is a hassle.
Solid shop. App sometimes shows items in stock that aren't.
Delivery person was friendly, box was a little dented but contents fine.
I'd recommend it to my sister, maybe not to my friends who are on a budget.
Happy with my order. The tracking link didn't work though.
Good stuff, just wish there was a physical store to try things on.
Reasonable prices, decent quality, slow-ish shipping. Average online shop.
Nice clothes. The discount code thing at checkout is confusing.
Service was good when I needed it. Website had an error when I tried to save my card.
Love the styles. Sizes from one brand to another vary a lot though.
Fine, but the app logged me out mid-order once.
Good, though my last parcel came a day after the promised date.
Product quality is good. Support response time could be faster, 24h+ is a lot.
Would be higher if you offered more sustainable options.
Mostly satisfied. One sweater had a small hole, they refunded it without a fuss.
Good shop overall. The billing page shows prices without tax until the last step which is annoying.
Returned a coat, label was easy to print, money back in 8 days. OK.
L|The new website looks nice but feels slower.
Reliable for basics like tees and socks, hit and miss for dresses.
Was going to give 9 but my last delivery arrived with a torn bag.
Pros: nice fabrics, good fit.\nCons: slow shipping, had to chase my refund.
L|Like the new look of the site but the payment page glitched twice before it worked.
""")

NPS_PROMOTERS = _lines(r"""
Delivery was super fast, ordered Monday evening and had it Wednesday morning.
Return process was painless, dropped it off and the refund was there in 3 days.
The quality of the merino sweaters is excellent, I've bought four now.
Customer service sorted out a wrong item within an hour on chat. Really impressed.
Your sizing guide is spot on. Everything I've ordered fits.
Great prices during sales and the clothes last.
The app is easy to use and the saved sizes feature is great.
Always arrives well packed and on time.
I had a parcel go missing and they sent a replacement the next day without questions.
Best jeans I've owned in years, and they had my size in long.
Love the Plus membership, free next-day shipping is worth it.
Website is clean and checkout takes 30 seconds.
Support agent was lovely and helped me pick the right size for my mum.
Fast refunds, good communication, nice clothes. What else do you need.
I recommend you to everyone. Good quality basics at fair prices.
I ordered the wrong size and the exchange was done in 4 days.
The fabric feels more expensive than it is.
Shipping notifications are accurate to the hour, which is rare.
Found a dress for my daughter's graduation at the last minute and it arrived in time!
Great customer service. They refunded shipping when my order was late.
Easy returns, no questions asked.
My go-to for work clothes. The trousers wash well and don't need ironing.
The app is fast now, much better than last year.
Everything fits as described and the colours are true to the photos.
The wrapping was beautiful, perfect for a gift.
Love that you can return in store or by post.
Quick replies on chat, usually under 5 minutes.
Consistent quality, I've been ordering for 3 years without a problem.
Good prices compared to the high street and the quality is similar or better.
They let me change the delivery address after ordering, saved me a lot of hassle.
I had a damaged item, sent a photo and got a refund the same day.
Easy to find my size, good filters.
Really nice selection of plus sizes, hard to find elsewhere.
The sustainability info on each product is a nice touch.
Delivery was a day early!
Love the styles and the prices are reasonable. Only downside is the app sometimes being slow.
Great service from start to finish.
Returns are so easy with the QR code, no printer needed.
My parcel was delayed by the courier but you kept me updated and gave me a discount code.
Beautiful knitwear, soft and not itchy at all.
The sale was great and the order still arrived in 2 days.
Never had a bad experience in around 20 orders.
Good communication at every step, from order confirmation to delivery.
Shoes are comfortable straight out of the box.
Always something new each week, and the quality is consistent.
Refund for my return came back before I even got the confirmation email.
Helpful size advice in the chat. Got it right first time.
I like being able to pay in instalments, makes budgeting easier.
The checkout is quick and Apple Pay works perfectly.
Really well made coat, kept me warm at a football game in the rain.
Reasonable delivery charges and free over $50 is fair.
Recommended you to my whole office already.
I wear your leggings to the gym five days a week and they still look new.
Customer service went above and beyond when my package was stolen.
L|Love the new website design, much easier to browse.
Easy ordering, fast shipping, clothes fit. 10.
The customer reviews on each product page helped me choose the right size.
My order was missing a belt, they shipped it overnight.
Quality of the cotton shirts is better than brands twice the price.
Nice to see an online shop with actual humans answering the chat.
Kids clothes are durable and survived my two boys.
Good prices for good quality, delivery always as promised.
I was hesitant to buy shoes online but the fit was perfect.
The app's order tracking is the best of any shop I use.
Fast, friendly and no fuss refund.
I was nervous about ordering a wedding guest outfit online but the whole experience was great. The size chart had actual garment measurements, the dress arrived in two days in a proper garment bag so it wasn't creased, and when I wanted a second colour the chat agent reserved it for me. Will definitely order again.
Ordered 5 things, kept 4. Returned one through the app, dropped it at the post office, money back within the week. Everything is clear and you always know where your parcel is. That's all I want from an online shop.
Good quality, fair price, easy returns
I like that the website remembers my sizes and shows what's in stock for me.
Happy with everything, except maybe wishing there were more colours.
Great shop!\nFast delivery and good quality.\nWill buy again.
""")

# Short answers: real exports are full of them, and they repeat.
NPS_SHORT = {
    "det": [
        "Terrible service",
        "Never again",
        "Slow refund",
        "Late delivery",
        "Bad quality",
        "-",
        "too expensive",
    ],
    "pas": [
        "ok",
        "Fine.",
        "Good but shipping is slow",
        "Prices went up",
        "Decent",
        "Could be cheaper",
        "Sizing is inconsistent",
        "Average",
        "No complaints really",
        "Shipping costs",
        "It's fine",
        "no comment",
        "Returns could be easier",
        "Good but the app is slow",
        "Mostly good",
        "good",
        "Quality ok",
    ],
    "pro": [
        "Fast delivery",
        "Love the clothes!",
        "Great quality",
        "Always reliable",
        "Easy returns",
        "great",
        "Good prices and quick shipping",
        "Never had a problem",
        "Excellent",
        "love it",
        "Super fast shipping!!",
        "Quality is great for the price",
        "Easy to use website",
        "Good customer service",
        "Everything arrived on time",
        "Nice selection",
        "Best online store for basics",
        "Fits perfectly every time",
        "Great app",
        "Quick refund",
        "10/10",
        "👍",
        "Great clothes, great service",
        "Fast and easy",
        "Very happy",
    ],
}
NPS_SHORT_COUNTS = {"det": 6, "pas": 26, "pro": 54}

# The two comments with invented PII (redaction must catch them).
NPS_PII = [
    (
        "det",
        "Still no refund for order https://shop.example.com/orders/88812345 - I returned it on Sept 30. "
        "Please email me at jamie.r.holloway@example.com, I've given up on the chat.",
    ),
    (
        "det",
        "Delivery was late again. If someone could actually call me back on (415) 555-0142 instead of "
        "sending emails that would be great.",
    ),
]

NPS_SCORES = {
    "det": ([0, 1, 2, 3, 4, 5, 6], [6, 4, 5, 7, 8, 11, 13]),
    "det_late": ([0, 1, 2, 3, 4], [5, 4, 4, 3, 2]),
    "pas": ([7, 8], [45, 55]),
    "pro": ([9, 10], [45, 55]),
}
NPS_REGIONS = (["US West", "US Northeast", "US South", "US Midwest", "Canada"], [30, 22, 24, 16, 8])
NPS_COLUMNS = [
    "Response ID",
    "Submitted At",
    "How likely are you to recommend us to a friend or colleague?",
    "What is the main reason for your score?",
    "Plan",
    "Region",
]


def build_nps(out: Path) -> dict:
    """~300 NPS responses; returns the planted defects (for the README and --verify)."""
    rng = random.Random(202611151)
    entries: list[dict] = []  # bucket, flags, comment, tag

    for flags, text in NPS_DETRACTORS:
        entries.append(
            {"bucket": "det_late" if "L" in flags else "det", "flags": flags, "text": text}
        )
    for flags, text in NPS_PASSIVES:
        entries.append({"bucket": "pas", "flags": flags, "text": text})
    for flags, text in NPS_PROMOTERS:
        entries.append({"bucket": "pro", "flags": flags, "text": text})
    for bucket, count in NPS_SHORT_COUNTS.items():
        pool = NPS_SHORT[bucket]
        for i in range(count):
            entries.append(
                {
                    "bucket": bucket,
                    "flags": "",
                    "text": pool[i % len(pool)] if i < len(pool) else rng.choice(pool),
                }
            )
    for bucket, text in NPS_PII:
        entries.append({"bucket": bucket, "flags": "", "text": text, "tag": "pii"})
    for bucket in ("pas", "pro", "det"):
        entries.append({"bucket": bucket, "flags": "", "text": "", "tag": "empty_comment"})
    entries.append(
        {
            "bucket": "pro",
            "flags": "",
            "text": "Always fast, never had an issue with sizes",
            "tag": "score_11",
        }
    )

    rows = []
    for e in entries:
        day = _day(rng, e["flags"])
        hour, minute, second = _clock(rng, 6, 24)
        local = datetime.combine(WINDOW_START + timedelta(days=day), datetime.min.time()).replace(
            hour=hour, minute=minute, second=second
        )
        scores, weights = NPS_SCORES[e["bucket"]]
        score = 11 if e.get("tag") == "score_11" else rng.choices(scores, weights)[0]
        rows.append(
            {
                "local": local,
                "id": "R_" + _rand_id(rng, 15),
                "at": local.strftime("%Y-%m-%dT%H:%M:%S") + _pacific_offset(local),
                "score": score,
                "text": e["text"],
                "plan": rng.choices(["free", "plus"], [65, 35])[0],
                "region": rng.choices(*NPS_REGIONS)[0],
                "tag": e.get("tag", ""),
            }
        )
    rows.sort(key=lambda r: r["local"])

    # One exact duplicate row (same Response ID twice): an export page written twice.
    candidates = [
        i for i, r in enumerate(rows) if not r["tag"] and r["score"] <= 6 and len(r["text"]) > 40
    ]
    dup_at = candidates[len(candidates) // 2]
    dup = dict(rows[dup_at], tag="duplicate")
    rows.insert(dup_at + 1, dup)

    table = [[r["id"], r["at"], r["score"], r["text"], r["plan"], r["region"]] for r in rows]
    _write_csv(out / "survey_nps_export.csv", NPS_COLUMNS, table, "utf-8", "\n")

    defects: dict[str, list] = {}
    for n, r in enumerate(rows, start=1):
        if r["tag"]:
            defects.setdefault(r["tag"], []).append((n, r["id"]))
    return defects


# --------------------------------------------------------------------------------------
# 4b: CSAT survey export (Japanese, CP932)
# --------------------------------------------------------------------------------------
# Everything here must encode in CP932: no emoji, "～" (U+FF5E) rather than "〜" (U+301C).

CSAT_NEGATIVE = _lines(r"""
注文から届くまで１週間以上かかりました。発送の連絡もなく不安でした。
配達予定日を過ぎても荷物が届かず、問い合わせても「確認中」のままでした。
箱がつぶれた状態で届き、中のニットに汚れがついていました。
返品してから２週間以上たっても返金されていません。
返金がポイントで戻ってきて、クレジットカードに返してほしいとお願いしても対応してもらえませんでした。
問い合わせフォームから連絡しましたが、返信まで４日かかりました。
チャットで３０分以上待たされたうえ、途中で切断されました。
A|アプリを最新版にしてから、起動するとすぐに落ちます。
ログインしようとすると毎回エラーになり、パスワード再設定のメールも届きません。
同じ注文で２回請求されていました。返金まで時間がかかり困りました。
サイズ表記どおりに注文したのに、明らかに小さかったです。
一度洗濯しただけで色落ちと縮みがひどかったです。
写真と実物の色がまったく違いました。
送料が高すぎます。以前は無料だったのに残念です。
置き配を指定していないのに玄関前に置かれていて、雨で箱が濡れていました。
不在票もなく「配達完了」になっていて、結局荷物は隣の家に届いていました。
返品の手続きがわかりにくく、サイトのどこから申し込むのか探すのに苦労しました。
不良品だったのに返品送料がこちら負担なのは納得できません。
電話窓口がなく、メールでしか問い合わせできないのが不便です。
オペレーターの方の対応が事務的で、こちらの話をちゃんと聞いてもらえませんでした。
カートに入れた商品がいつの間にか消えていました。
クーポンコードを入力してもエラーになり使えませんでした。
商品ページの読み込みが遅く、スマホだとほとんど見られません。
届いたコートのボタンが１つ取れていました。
縫製が雑で、数回着ただけで縫い目がほつれてきました。
「翌日配送」と書いてあったのに、届いたのは４日後でした。
注文確認メールが届かず、注文できているのか分かりませんでした。
交換を希望しましたが、一度返品して再注文するしかないと言われました。再注文したときには在庫切れでした。
メルマガの配信停止をしたのに毎日メールが届きます。
知らないうちに有料会員に登録されていて、月額料金が請求されていました。
個人情報の取り扱いが不安です。退会方法もわかりにくいです。
退会しようとしても、どこから手続きするのか見つかりません。
商品が一部入っていませんでした。問い合わせたら箱の写真を送るよう言われましたが、箱はもう捨ててしまいました。
アプリの通知をオフにしても通知が来ます。
A|アップデート後、アプリで注文履歴が表示されなくなりました。
返金の連絡が一切なく、こちらから何度も確認しないといけませんでした。
配送業者の方の態度が悪かったです。
セール品を買ったら返品不可でした。サイズが合わず困っています。
素材が薄く、値段に見合っていないと思います。
問い合わせのたびに、毎回最初から事情を説明し直さなければなりません。
支払い方法にコンビニ払いを選んだのに、払込票が届きませんでした。
値上げが続いていて、もう気軽に買えません。
注文後に住所変更ができないのは不便です。
発送が遅れるなら、せめてメールで連絡してほしいです。
靴のサイズ感が表記とかなり違います。返品も手間でした。
届いたシャツにシミがありました。検品しているのでしょうか。
配達時間指定をしたのに、指定時間外に来ました。
領収書の発行方法がわかりません。サイトに説明がありません。
同じ商品なのにアプリとサイトで価格が違いました。
返信メールが定型文ばかりで、質問の答えになっていません。
先月注文したワンピースについてです。\n届いた時点で裾がほつれていたため返品を申し込みましたが、返品受付のメールが来ず、問い合わせをしても３日間返信がありませんでした。\n最終的に返金はされましたが、対応の遅さには不満が残ります。
A|ＡＰＰからだと注文確定の画面で止まってしまい、結局パソコンから注文しました。
ｻｲｽﾞが小さすぎて着られませんでした。返品の送料もかかるので残念です。
①配送が遅い②梱包が雑③問い合わせの返事が遅い、の三重苦でした。
二度と利用しません。
同じ質問を３回しても、毎回違う回答が返ってきました。
ログインのたびに認証コードを求められ、面倒です。
「在庫あり」と表示されていたのに、注文後に在庫切れでキャンセルされました。
返品受付の締め切りが短すぎます。出張中で間に合いませんでした。
配達員の方が荷物を投げるように置いていきました。
A|アプリでクーポンを使おうとすると画面が固まります。
L|決済エラーが出たのに、カードの利用明細には請求が載っていました。
L|サイトが新しくなってから、クレジットカードで支払おうとすると「決済処理に失敗しました」と出ます。
L|11月に入ってから何度やっても決済エラーになります。別のカードでもダメでした。
L|リニューアル後のサイトで支払いができず、注文をあきらめました。
L|決済エラーで注文できず、問い合わせたら「確認中です」とだけ返ってきました。
L|支払い画面で請求先住所が一致しないと表示され、先に進めません。住所は合っています。
""")

CSAT_NEUTRAL = _lines(r"""
商品はよかったのですが、配送に時間がかかりました。
可もなく不可もなくです。
サイトは見やすいですが、検索の精度がいまひとつです。
返品はスムーズでしたが、返金までに１０日ほどかかりました。
問い合わせの返信は丁寧でしたが、もう少し早いと助かります。
価格は普通だと思います。セールの時に買うようにしています。
サイズ展開がもう少し多いとうれしいです。
梱包が過剰な気がします。段ボールが大きすぎます。
アプリは便利ですが、ときどき動作が重くなります。
送料無料の条件がもう少し低いといいです。
品質は値段相応だと思います。
配送は予定どおりでしたが、追跡番号のリンクが開けませんでした。
色味が写真より少し暗かったです。
チャットはつながるまで少し待ちました。対応自体は問題ありませんでした。
商品自体は満足ですが、届くまでの連絡が少なかったです。
ポイントの使い方がわかりにくいです。
会員ランクの特典がよくわかりません。
前回は良かったのですが、今回は配送が遅れました。
普通に使えています。特に不満はありません。
支払い方法の選択肢をもっと増やしてほしいです。
初めて利用しました。まだよくわかりません。
生地は良いですが、サイズが少し大きめでした。
返品の送料が無料になれば、もっと気軽に買えると思います。
アプリのお気に入り機能が使いにくいです。
配達員の方は丁寧でしたが、箱の角が少しへこんでいました。
問い合わせ窓口の営業時間が短いと思います。
メールマガジンの数が多すぎます。
商品説明に素材の詳細をもっと載せてほしいです。
セールの時期はサイトが重くなります。
２回目の購入です。前回よりは届くのが早かったです。
欲しいサイズがいつも売り切れです。
置き配ができるのは便利ですが、盗難が少し心配です。
ギフト包装の種類が少ないです。
レビューがもっと多いと選びやすいです。
普通
配送料が地域によって違うのがわかりにくいです。
商品は良いのですが、箱が大きすぎて玄関に置き場所がありません。
アプリとサイトでお気に入りが共有されないのが不便です。
問い合わせの返信は来ましたが、解決まで１週間かかりました。
L|新しいサイトはデザインはきれいですが、支払いのところで一度エラーが出ました。
L|リニューアルしてから、どこに何があるのかわかりにくくなりました。
""")

CSAT_POSITIVE = _lines(r"""
注文した翌日に届きました。とても早くて助かりました。
梱包が丁寧で、商品もきれいな状態で届きました。
返品の手続きが簡単で、返金も早かったです。
サイズ表がわかりやすく、ぴったりのサイズを選べました。
問い合わせにすぐ返信をいただき、丁寧に対応していただきました。
チャットのオペレーターの方がとても親切でした。
アプリが使いやすく、いつもアプリから注文しています。
値段の割に品質が良く、満足しています。
生地がしっかりしていて、何度洗濯してもへたりません。
セールで安く買えました。また利用したいです。
写真どおりの色で、イメージどおりでした。
配送状況が細かくわかるので安心です。
置き配が選べるので、不在がちな私には便利です。
交換の対応が早く、すぐに正しいサイズが届きました。
サイトが見やすく、欲しい商品がすぐ見つかりました。
いつも安心して買い物ができます。
２日で届きました。早い！
初めての利用でしたが、スムーズに購入できました。
商品に不備がありましたが、すぐに新しいものを送っていただけました。
ポイントがたまりやすくてお得です。
母へのプレゼントに購入しました。ラッピングがきれいで喜ばれました。
靴がとても履きやすく、足が痛くなりません。
問い合わせの電話対応がとても丁寧でした。
コンビニ受け取りができるのが便利です。
発送が早く、連絡もこまめで安心できました。
リピートしています。品質が安定していて信頼できます。
返金がすぐに反映されて驚きました。
アプリの「サイズを保存」機能がとても便利です。
質問への回答がわかりやすかったです。
子どもの服を購入しました。丈夫で長持ちしそうです。
いつもありがとうございます。
大きいサイズの品ぞろえが多くてうれしいです。
購入者のレビューが参考になりました。
配達員さんが時間どおりに来てくれました。
問い合わせへの返信が１時間以内に来ました。
特に問題なく、満足しています。
値段も手ごろで、デザインもかわいいです。
通勤用のパンツがしわになりにくく、重宝しています。
説明どおりの商品でした。
支払い方法が多くて便利です。
届いた日にすぐ着ました。とても気に入っています。
届くのが予定より１日早かったです。
返品理由を選ぶだけで手続きが終わり、とても簡単でした。
配送の遅れについて事前に連絡があり、丁寧だと思いました。
素材感がよく、値段以上の価値があります。
ＵＩがシンプルで使いやすいです。
メールの案内がわかりやすかったです。
ニットがチクチクせず、肌ざわりが良いです。
友人にも勧めました。
注文から受け取りまでストレスなく利用できました。
サイズ交換が無料なのがありがたいです。
有料会員になってから送料を気にせず買えています。
丁寧な対応をありがとうございました。
商品の到着が早く、梱包もエコで好感が持てます。
ワンピースのシルエットがきれいで、職場でもほめられました。
A|アプリのアップデートで動作が軽くなりました。
思っていたよりも生地が厚く、秋冬に活躍しそうです。
在庫切れの商品が再入荷したときに通知が来て助かりました。
カスタマーサポートの方が親身になって相談に乗ってくれました。
欠品していた商品をすぐに追加で送っていただきました。
デザインが豊富で、見ているだけで楽しいです。
毎回きちんと届くので信頼しています。
満足です。
また利用します。
商品の質がよい。
配送が早い。
対応がよかった
早い、安い、かわいい！
手書きのメッセージカードが入っていてうれしかったです。
寸法が詳しく書いてあるので、失敗がありません。
①サイズ感②色③素材、すべて満足です。
ﾈｯﾄで服を買うのは不安でしたが、思ったとおりのｻｲｽﾞでした。
Ｔシャツを３枚まとめ買いしました。送料無料ラインにちょうど届いてよかったです。
秋物のカーディガン、色違いでもう１枚買いました。\nまたセールのときに利用します。
雨の日の配達でしたが、袋に入れて濡れないようにしてくださっていました。
問い合わせ後すぐに電話をいただき、その場で返品の手配をしてもらえました。
夫のシャツも買いました。メンズも品ぞろえが良いです。
有料会員のポイント還元が大きくて助かっています。
届いたスカートの丈がちょうどよく、長さの表記が正確でした。
コンビニ後払いが使えるので安心して注文できます。
L|新しいサイトは写真が大きくなって見やすいです。
""")

# Invented PII (redaction must catch these): phone, postcode + address, a name with 様, e-mail.
CSAT_PII = [
    (
        "neg",
        "配送が遅れています。至急 090-1234-5678 までお電話ください。平日の日中ならつながります。",
    ),
    (
        "neg",
        "届け先を〒150-0041 東京都渋谷区神南1-2-3 ハイツ神南２０１に変更したのに、旧住所に配送されました。",
    ),
    (
        "neg",
        "山田 花子様宛ての荷物がうちに届きました。伝票に他人の住所と電話番号が載っていて、個人情報の管理が心配です。",
    ),
    (
        "neu",
        "問い合わせ番号48391の件、まだ回答がありません。連絡先はhanako.yamada@example.comです。",
    ),
]

CSAT_SCORES = {"neg": ([1, 2], [40, 60]), "neu": ([3], [1]), "pos": ([4, 5], [50, 50])}
CSAT_AGES = (["10代", "20代", "30代", "40代", "50代", "60代以上"], [4, 24, 28, 22, 14, 8])
CSAT_REGIONS = (
    ["北海道", "東北", "関東", "中部", "近畿", "中国", "四国", "九州・沖縄"],
    [5, 6, 38, 15, 18, 6, 3, 9],
)
CSAT_COLUMNS = ["回答ID", "回答日時", "満足度", "ご意見・ご感想", "年代", "地域"]
CSAT_EMPTY = {"pos": 4, "neu": 3, "neg": 1}
# Short answers repeat in real exports; 特になし ("nothing in particular") is the classic.
CSAT_SHORT = [
    ("pos", "特になし"),
    ("pos", "特になし"),
    ("pos", "特になし"),
    ("neu", "特になし"),
    ("neu", "特にありません。"),
    ("pos", "満足しています。"),
    ("pos", "満足です"),
    ("pos", "良かったです。"),
    ("pos", "また買います"),
    ("pos", "早かった"),
    ("pos", "ありがとうございました。"),
    ("pos", "とても良い"),
    ("pos", "問題なし"),
    ("pos", "いつもありがとうございます"),
    ("pos", "かわいい"),
    ("pos", "満足しています。"),
    ("neu", "普通です"),
    ("neu", "まあまあ"),
    ("pos", "特になし"),
    ("pos", "良い"),
]


def build_csat_ja(out: Path) -> dict:
    """~200 CSAT responses in CP932; returns the planted defects."""
    rng = random.Random(202611152)
    entries: list[dict] = []
    for bucket, pool in (("neg", CSAT_NEGATIVE), ("neu", CSAT_NEUTRAL), ("pos", CSAT_POSITIVE)):
        for flags, text in pool:
            entries.append({"bucket": bucket, "flags": flags, "text": text})
    for bucket, text in CSAT_PII:
        entries.append({"bucket": bucket, "flags": "", "text": text, "tag": "pii"})
    for bucket, text in CSAT_SHORT:
        entries.append({"bucket": bucket, "flags": "", "text": text})
    for bucket, n in CSAT_EMPTY.items():
        for _ in range(n):
            entries.append({"bucket": bucket, "flags": "", "text": "", "tag": "empty_comment"})

    rows = []
    for e in entries:
        day = _day(rng, e["flags"])
        hour, minute, _ = _clock(rng, 7, 25)
        when = datetime.combine(WINDOW_START + timedelta(days=day), datetime.min.time()).replace(
            hour=hour, minute=minute
        )
        scores, weights = CSAT_SCORES[e["bucket"]]
        text = e["text"]
        tag = e.get("tag", "")
        if not tag and re.search(r"[\uff61-\uff9f]", text):
            tag = "halfwidth_kana"
        elif not tag and re.search(r"[①-⑳]", text):
            tag = "cp932_only_char"
        elif not tag and "\n" in text:
            tag = "multiline"
        rows.append(
            {
                "when": when,
                "score": rng.choices(scores, weights)[0],
                "text": text,
                "age": rng.choices(*CSAT_AGES)[0],
                "region": rng.choices(*CSAT_REGIONS)[0],
                "tag": tag,
            }
        )
    rows.sort(key=lambda r: r["when"])
    table = []
    defects: dict[str, list] = {}
    for n, r in enumerate(rows, start=1):
        rid = 100000 + n * 3 + rng.randrange(3)  # ids with gaps: deleted/partial responses
        table.append(
            [
                rid,
                r["when"].strftime("%Y/%m/%d %H:%M"),
                r["score"],
                r["text"],
                r["age"],
                r["region"],
            ]
        )
        if r["tag"]:
            defects.setdefault(r["tag"], []).append((n, rid))
    _write_csv(out / "survey_csat_ja_export.csv", CSAT_COLUMNS, table, "cp932", "\r\n")
    return defects


# --------------------------------------------------------------------------------------
# 5: social posts (X / Twitter API v2 shape), Japanese + English
# --------------------------------------------------------------------------------------
# {S} = @shop, {H} = @support account, {U} = a t.co link, {F} = another user's @handle.

SOCIAL_JA = _lines(r"""
# --- 配送・置き配
{S} 配達予定日から３日過ぎてるのにまだ届かない…追跡も更新なし
R|{S} 置き配指定してないのに玄関前に放置されてた。雨だったら終わってたよ {U}
置き配便利だけど、マンションの共用部に置かれるのはちょっと怖い
今日届くはずの服、「配達遅延」になってた。週末着たかったのに😭
注文して１週間、まだ「出荷準備中」。ほんとに発送されるの？
{S} 時間指定したのに午前中に来て不在票。午後指定にした意味…
翌日配送って書いてあったのに４日かかった。
ほしぞらの荷物、今回は２日で届いた。前回が遅かっただけ？
配達完了ってなってるのに荷物がない。どこ行ったの… {H}
宅配ボックスに入れてほしいって書いたのに持ち帰られた
配送業者変わった？最近やたら遅い気がする
発送メール来てから３日、追跡番号が「該当なし」のまま
隣の家に誤配されてた。優しいお隣さんでよかった
週末のデートに間に合わなかった…配達遅すぎ
置き配で届いた箱、誰かに開けられた形跡があって怖い
セールで買ったやつ全然届かない。セール品は後回しなのかな
配達のお兄さんめちゃくちゃ丁寧だった。ありがとう
{S} 分割配送になるなら先に言ってほしい。３回も受け取りしたよ
再配達頼んだのにまた不在票。家にいたのに。インターホン鳴らしてないでしょ
コンビニ受け取りにしたら通知が来なくて、保管期限ギリギリだった
配達遅れのお詫びメール来た。連絡くれるだけマシか
北海道だと届くまで４～５日かかるのがつらい
発送まで「２～３営業日」って書いてあるのに５営業日かかってる
引っ越し前の住所に送られてた。登録住所変えたのに反映されてなかった？
今日届いたー！めっちゃ早かった📦
置き配バッグに入れてくれてて助かった。雨予報だったから
荷物の追跡、ずっと「輸送中」で止まってる。迷子？
{S} 配達予定日の通知が３回変わった。いつ届くの
朝注文して次の日の朝には届いた。早すぎて笑った
遅延はしょうがないけど、連絡なしはつらい
置き配の写真、うちの玄関じゃないんだけど？？ {H}
配達予定日「未定」ってなに
やっと届いた。注文から９日。長かった…
不在票入ってたけど再配達の電話番号がつながらない
荷物届いたけど頼んでない商品が入ってた。正直に連絡したほうがいいよね
配送状況のメール、同じ内容が３通来た
配達員さん、雨の中ありがとうございました🙏
# --- 箱の破損
届いた箱がべこべこに潰れてた。中身は無事だったけど📦💦
{S} 箱が濡れてて、中のニットまで湿ってた。交換してほしい
靴の箱が潰れてて、つま先に傷ついてた…新品なのに
段ボールが破れて中の袋が見えてた。よく届いたな
香水の瓶が割れて服まで香水まみれ😭 {H}
箱の角がへこんでただけだから許すけど、ちょっと雑じゃない？
梱包がビニール袋１枚でシワシワのシャツが届いた
ブーツの箱、テープが２回貼り直されてる…誰か開けた？
届いたワンピースに汚れついてた。返品手続きめんどい
箱ボロボロで届いたけど中身はきれいだった。梱包材に感謝
荷物潰れてたので写真撮って問い合わせた。すぐ返信来てよかった
ほしぞらの梱包、いつも丁寧なのに今回はひどかった
中身のアクセサリーが袋から出て箱の中でバラバラになってた
# --- 返品・返金
返品してから２週間、返金まだ来ない。{H} どうなってますか
返品の手続き自体は簡単だった。返金も５日くらいで来た👍
返金がポイントで戻ってきた。カードに返してほしかったのに
サイズ合わなくて返品。返送料がこっち持ちなのが地味に痛い
返品ラベルがメールで来るはずなのに来ない。迷惑メールにもない
セール品返品不可なの、買う前に気づかなかった私が悪い…
{S} 返品受付のメール来たけど、返金予定日が書いてない
返品したのに「未着」扱いになってる。追跡では届いてるのに
不良品で返品したのに送料引かれて返金された。納得いかない
サイズ交換が無料なのありがたい。すぐ届いた
返品のQRコードをコンビニで見せるだけで終わった。楽すぎる
返品３点送ったのに２点分しか返金されてない。問い合わせ中
返金まで１０日。遅くはないけど早くもない
交換できなくて、一回返品して買い直しって面倒すぎる
返品期限が３０日って短くない？
返金されたけど金額が５００円少ない。手数料？説明どこにもない
{H} 返品の集荷、来なかったんですけど…午前中ずっと待ってた
返品理由のプルダウンに「イメージと違う」がない
返金早っ！昨日返品して今日返金されてた
返品したワンピース、「検品中」のまま１週間
返金の連絡メールなかったけど、カード明細見たら返金されてた
交換に出したら交換品が在庫切れでキャンセルって…
サイズ交換の往復でもう２週間。着たかったイベント終わった
ｻｲｽﾞ交換たのんだ。はやくこないかな
# --- アプリ（5.0 の不具合）
A|アプリ更新したら起動した瞬間落ちる。iPhoneです {S}
A|ほしぞらのアプリ、アップデートしてから注文履歴開くと落ちる
A|アプリ落ちすぎ😇 お気に入り見たいだけなのに
A|{H} アプリが起動しません。再インストールしてもダメでした
A|アップデート後アプリ重すぎる。商品画像が全然出てこない
A|アプリのバージョン５．０、バグ多くない？
A|Android だとアプリが真っ白な画面のまま動かない
A|アプリでカートに入れた商品が消えてる。２回目
A|アプリ更新でデザイン変わって、どこに何があるかわからん
A|アプリ直った！昨日のアップデートで落ちなくなった✨
A|アプリのクーポン画面開くと固まる
A|アプリのレビュー欄、最近★１ばっかりになってる
A|アプリで注文確定ボタン押したら画面が真っ白になった。注文できてるのかな
A|アプリからお問い合わせしようとしたらフォームがエラー
A|ほしぞらアプリ、また落ちた。これで今日３回目 #アプリ不具合
アプリの通知オフにしてるのに毎日通知来る
アプリのサイズ保存機能、地味に便利
ＡＰＰ版だけ価格表示がおかしい。サイトより高いんだけど
アプリでログインすると毎回パスワード聞かれる。保存してよ
アプリのプッシュ通知でセール知れたのはよかった
ほしぞらアプリ、検索結果が毎回リセットされるの地味にストレス
iOS版のアプリ、ダークモードで文字が見えない
# --- ログイン・アカウント
ログインできない。パスワード再設定メールも届かない。詰んだ
{H} アカウントがロックされました。解除方法教えてください
二段階認証のSMSが来なくてログインできない
L|新しいサイトになってからログインしっぱなしにできなくなった？毎回ログインさせられる
ログインしたら知らない住所が登録されてた。乗っ取り？こわ
パスワード変えたらアプリの方でログインできなくなった
ゲスト購入とアカウントの注文履歴が別々で見づらい
ログイン画面でぐるぐる回ったまま進まない
メールアドレス変更したいのに確認メールが来ない
ログインし直したらカートが空になってた
# --- 問い合わせ・サポートの待ち時間
{H} チャット待ち時間４５分って何…
サポートチャット、つながったと思ったら途中で切れた
問い合わせフォームから送って３日。返信なし
チャットの人めちゃくちゃ親切だった。すぐ解決！
電話窓口ないのほんと不便。メールだと話が進まない
サポートの返信が定型文すぎて質問の答えになってない
チャットボットが同じ質問ループして人間につながらない😇
問い合わせの返信、夜中に来てた。サポートの人お疲れさまです
問い合わせたら１時間で返信来た。対応早くてびっくり
毎回最初から事情説明しないといけないのつらい。前回の履歴見てほしい
{H} DMで問い合わせしましたが返信まだですか？
サポートの人、丁寧に謝ってくれたし代替品もすぐ送ってくれた
チャット受付時間が平日１８時までって、働いてる人は使えない
問い合わせ番号もらったけど、その後音沙汰なし
問い合わせ返信きたけど、聞いてることと全然違う回答だった
サポートの方が「ご不便をおかけしました」ってクーポンくれた。優しい
電話で問い合わせしたかったけど、メールのみ対応なのね
# --- 請求・支払い（サイト更新前）
同じ注文で２回請求されてた。{H} 確認お願いします
有料会員解約したのに今月も会費取られてる💢
コンビニ払いの払込票が届かない
後払い選んだのに即時決済になってた
請求額がカートの金額と違う。送料込みでも合わない
ポイント使ったはずなのに請求額から引かれてない
領収書どこから出せるのかわからない
知らないうちに有料会員に登録されてた。チェックボックスわかりにくすぎ
請求メールの金額と実際の引き落とし額が違う
有料会員の送料無料、対象外商品多すぎじゃない？
# --- 価格・セール
E|ほしぞらのセール始まってる！全品２０％オフ
値上げしすぎでは？前は３０００円台だったTシャツが５０００円近い
送料無料ラインが５０００円から７０００円に上がってた
買った次の日にセールで値下げされてた。悲しい
セールの時だけ買う派です
ほしぞらクローゼット、プチプラなのに品質いいからつい買っちゃう
クーポン使えなかった。対象外の商品って書いてなかったのに
新作高いけどかわいい…迷う
会員ランクの特典、送料無料だけなら他のショップのほうがいい
タイムセールの時間帯にサイト重すぎて買えなかった
価格に対して質が見合ってない気がしてきた
E|秋のセール、狙ってたブーツ２０％オフになってた！即ポチ
ほしぞらのセール、サイト重くて全然カートに入れられない
送料無料まであと少しだから靴下も買った（思うツボ）
# --- 品質・サイズ
洗濯１回で縮んだ。表示どおり洗ったのに
サイズ表どおりに買ったらぴったりだった。ほしぞらのサイズ表は信頼できる
Ｍサイズ頼んだのにＳくらいの小ささ。サイズ感バラバラ
写真だとベージュなのに届いたら黄色っぽい😅
このニット、チクチクしなくて最高
生地が薄くて透ける。夏物だからしょうがないのかな
靴が幅狭すぎて履けない。ワイドモデル出してほしい
毛玉すぐできる。３回着ただけなのに
デニムの質めっちゃいい。リピ確定
ボタン１個取れてた。縫製甘い
縫い目がほつれてきた。まだ２週間しか着てない
身長１５０ｃｍでもパンツの丈ちょうどいい！低身長の味方
素材表記が綿１００％なのにタグ見たらポリ混だった
コートあったかい。今年の冬はこれで乗り切る
色落ちして他の服に移った。最悪
大きいサイズの展開多くてうれしい
ワンピのシルエットきれいすぎて職場で褒められた
肩幅きつい。いつもＭなのに
思ったより生地しっかりしてた。値段以上
着丈が表記より５ｃｍくらい短い気がする
値段のわりに縫製がしっかりしてる
パーカーのフードの紐が片方抜けてた😅
ニットのサイズ感ゆったりめ。ワンサイズ下でもよかったかも
黒のスキニー、ストレッチ効いてて楽
スニーカーの色が画面で見たより明るかった
マフラー肌触りよすぎる。もう１色買う
# --- 個人情報・退会
個人情報の入力項目多すぎない？生年月日いる？
退会したいのにボタンがどこにもない
退会手続き、問い合わせフォームからしかできないの不便
他人の名前が書かれた納品書が入ってた。個人情報大丈夫？
ほしぞらのメルマガ多すぎて配信停止した
# --- 称賛
ほしぞらクローゼットで買ったカーデ届いた💕 色もサイズも完璧
初めて通販で服買ったけど失敗しなかった！ #購入品
梱包が丁寧で手書きのメッセージカード入ってた。うれしい
ほしぞら、配送早いし返品楽だし、もうここでしか服買ってない
サポートに問い合わせたら即日で返金してくれた。神対応
#今日のコーデ トップスもパンツもほしぞら✨ {U}
プレゼント用にラッピングしてもらったらかわいすぎた🎁
在庫なかったスカート、再入荷通知きてすぐ買えた！
ほしぞらのアプリ、サクサクで見やすい
レビューがちゃんと参考になる。サイズ感のコメント助かる
誕生日クーポン届いた🎂 何買おうかな
返品の対応が丁寧で好感度上がった
毎シーズンここでまとめ買いしてる
母にも勧めたら母もハマってた
{S} いつもすてきなお洋服ありがとうございます！
問い合わせの返信がわかりやすくて助かった
ほしぞらクローゼットの秋の新作、全部かわいい {U}
配送遅れのお詫びにクーポンくれた。そういう対応好き
サイズ交換すぐ対応してくれた。ありがとう🙏
ここの服、洗濯してもヨレないからコスパいい
オンラインで試着できないのが不安だったけど、サイズガイドが丁寧で安心
今日届いたコート、めっちゃあったかい。買ってよかった
初めてほしぞらで買い物。届くのたのしみ
# --- その他・質問
ほしぞらクローゼットのセールっていつまで？
実店舗ってあるのかな？試着してみたい
{F} これ前に言ってたショップだよ {U}
ほしぞらとか他のファッション通販、どこが一番配送早いんだろ
冬のアウター、ほしぞらで買うか迷い中
L|新しいサイト、デザイン変わったね
ほしぞらクローゼット、海外発送してくれるのかな？
友達からほしぞらの紹介コードもらった
次のセールいつだろ
""")

# The emerging issue: payment errors at checkout after the 2026-11-03 site relaunch.
SOCIAL_JA_BURST = _lines(r"""
{S} 決済エラーで注文できないんだけど…カード何回入れてもダメ😭
X|ほしぞらのサイト、リニューアルしてから決済エラー出まくってない？
決済エラーって出たのにカードの明細に請求きてる。え、これ二重払いになるやつ？ {H}
カート入れて決済まで行ったら「決済処理に失敗しました」。３回目。もう寝る。
サイト新しくなったのはいいけど支払いできないのは致命的では #決済エラー
{S} アプリでもブラウザでも決済エラー。セール今日までなのに！！
R|{S} 決済エラー私だけじゃなかった…みんな出てるっぽい {U}
クレカ会社に問い合わせたらカードは問題ないって。やっぱりサイト側の決済エラーだよね
決済エラー→やり直し→また決済エラー→カートが空になる の無限ループ😇
ほしぞらクローゼットで買い物しようとしたら決済エラー。他のショップでは普通に使えるカードなのに。
{H} 決済画面で「エラーコード402」と表示されます。対応いつになりますか？
決済エラー出てあきらめたのに、翌日カードに仮売上が３件ついてた。怖すぎ
Apple Payもダメ、クレカもダメ。どうやって払えばいいの #ほしぞらクローゼット
W|サイトリニューアル後の決済エラー、まだ直ってない。もう１週間近くたつよ
{S} 決済できないって問い合わせたら「現在確認中です」の定型文だけ返ってきた
決済エラーのせいで限定カラー売り切れた。。。つらい
チャットで決済エラーのこと聞こうとしたら待ち時間６０分って出た😇
請求先住所が一致しませんってエラー出るけど、一致してるんだよなぁ。新しいサイトのバグでは？
決済エラー、住所の番地を全角で入れたら通ったって人いる？試してみる
ほしぞらの決済エラー、コンビニ払いなら通るらしい {U}
ｶｰﾄﾞ決済ｴﾗｰまた出た…
友だちに頼まれた分も注文しようとしたのに決済エラー。{F} ごめん今日は無理かも
決済失敗って出たから別のカードでやったら両方から引き落とされてた。返金いつ？ {H}
X|{S} 公式のお知らせ見たけど決済エラーについて何も書いてないの不親切では
新サイトおしゃれになったけど決済のところで毎回固まる。スマホでもPCでも。
決済エラーで３０分格闘。もう他のショップで買った。
やっと決済通った！エラー４回目でようやく…🙏
決済エラーの件、問い合わせフォーム送ったけど自動返信すら来ない
ほしぞらクローゼット 決済エラー で検索したら同じ人いっぱいいて安心した（安心してない）
{S} 決済エラーで注文できなかった分、クーポンとか出してほしいレベル
決済エラーになった注文、履歴には「処理中」のまま残ってる。これ届くの？届かないの？
アップデートしたアプリで決済しようとしたら落ちた。決済エラーどころじゃない
ＰＣから決済したらエラー、スマホからもエラー。カード会社からは不正利用の確認電話きた…
W|決済エラー、昨日より悪化してない？ボタン押しても反応しないんだけど
ほしぞらの決済エラーまだ直ってないのかな。今週末までに欲しいのに
Y|公式からやっと決済エラーのお知らせ出た。復旧見込み未定って… {U}
{H} 決済エラーで二重請求になっています。DM送りました。確認お願いします。
セールのために待ってたのに決済エラーで買えないの本当に悲しい🥲 #決済エラー
決済エラーっていうかカード情報の入力欄が表示されない。Safariだからかな
Z|決済エラー直ったっぽい？さっき普通に買えた。
""")

SOCIAL_EN = _lines(r"""
Ordered from {S} 10 days ago and it still says "preparing to ship". Anyone else?
{H} my parcel was marked delivered but it's not here. Order number in DM.
Returns at hoshizora closet are genuinely easy. Dropped it off and refund came in 4 days 👍
A|the hoshizora app crashes every time I open my orders since the update 🙃
Box arrived completely crushed. Shoes inside are scuffed. Not great {S}
Waited 50 minutes in the support chat queue. Gave up. {U}
Got charged twice for one order {H}, please check your DMs
Love my new coat from hoshizora closet! #ootd {U}
Why is shipping $7.95 now? Used to be free over $35.
hoshizora closet sizing is so inconsistent. M in tops, L in the exact same brand's dress??
Shoutout to the support agent at {S} who sorted my exchange in 5 min
Still no refund after 3 weeks {H}. This is getting ridiculous.
Can't log in to the app, password reset email never shows up
Their knitwear is soooo soft. Ordered it in 2 more colours.
Parcel left outside in the rain by the courier. Everything damp. {U}
hoshizora closet delivered next day, wow
{S} do you ship to Australia?
The t-shirts shrank a full size after one wash. Disappointed.
A|app update made everything slower. why do companies do this
their chat bot is a maze. just let me talk to a person
Found the perfect wedding guest dress on hoshizora closet and it arrived in 2 days 💃
{F} this is the shop I told you about {U}
Promo code didn't work at checkout and support said it "expired" even though the email says valid till Sunday
Honestly the quality for the price at hoshizora is unbeatable
got a random stain on my new shirt straight out of the bag. returning.
L|{S} your checkout has been throwing a payment error since the site update. Tried 2 cards. Please fix 🙏
L|Payment failed at checkout but I got charged anyway?? {H}
L|new site looks great, shame you can't actually pay on it lol
L|Third night in a row getting "payment could not be processed" on hoshizora closet. Giving up. {U}
L|{H} is there an ETA for the payment error fix? the sale ends Sunday
""")

# Posts by the shop's own support account: a pipeline should recognise and drop them.
SOCIAL_SHOP = _lines(r"""
A|{F} ご不便をおかけし申し訳ございません。アプリの不具合は最新版（５．０．２）で修正しております。お手数ですがアップデートをお試しください。
{F} ご不便をおかけし申し訳ございません。ご注文番号をDMにてお知らせいただけますでしょうか。確認のうえご連絡いたします。
Y|【お知らせ】現在、一部のお客さまで決済エラーが発生しております。ご迷惑をおかけし誠に申し訳ございません。復旧まで今しばらくお待ちください。 {U}
""")

_HANDLE_HEADS = [
    "mika",
    "yuki",
    "haru",
    "nana",
    "saki",
    "aoi",
    "rin",
    "momo",
    "kana",
    "emi",
    "tomo",
    "shiho",
    "ayaka",
    "natsu",
    "kei",
    "riko",
    "mai",
    "sora",
    "hina",
    "chihiro",
    "yuna",
    "mayu",
    "koharu",
    "sayo",
    "nozomi",
    "eri",
    "kaori",
    "miho",
    "ryo",
    "shun",
]
_HANDLE_TAILS = [
    "_0321",
    "77",
    "_xx",
    "_fashion",
    "_days",
    "_diary",
    "_cat",
    "2024",
    "_life",
    "_mama",
    "__",
    "_o",
    "_closet",
    "_style",
    "0812",
    "_nyan",
    "_25",
    "_code",
    "1103",
    "_k",
    "_tokyo",
    "_osaka",
    "_gram",
]
_EN_HANDLES = [
    "jess_m_writes",
    "katiebakes22",
    "thriftymarcy",
    "dan_the_dad",
    "lola.runs",
    "priya_k_",
    "emmaoutfits",
    "sarah_b_92",
    "mattdoesstuff",
    "becca_in_pdx",
    "nina_reads",
    "claire_hx",
    "tee_and_jeans",
    "mrs_lin_",
    "alexsaysok",
    "hannah.lou",
    "joanna_w",
    "kayla_mae_",
    "sam_t_88",
    "rosie_styles",
    "vic_wanders",
    "liz_on_budget",
    "morgan.k",
    "greta_g",
    "coffee_and_coats",
]
SOURCE_APPS = (["Twitter for iPhone", "Twitter for Android", "Twitter Web App"], [55, 30, 15])
_TWITTER_EPOCH_MS = 1288834974657


def _snowflake(created: datetime, rng: random.Random) -> str:
    ms = int(created.timestamp() * 1000)
    return str(
        ((ms - _TWITTER_EPOCH_MS) << 22)
        | (rng.randrange(32) << 17)
        | (rng.randrange(32) << 12)
        | rng.randrange(4096)
    )


# Hashtags people add, by what the post is about (first match wins).
_HASHTAGS_JA = [
    ("決済", ["#決済エラー", "#ほしぞらクローゼット"]),
    ("置き配", ["#置き配"]),
    ("アプリ", ["#アプリ不具合", "#ほしぞらクローゼット"]),
    ("返品", ["#返品", "#通販あるある"]),
    ("届", ["#通販", "#通販あるある"]),
    ("", ["#ほしぞらクローゼット", "#購入品", "#プチプラ", "#秋服", "#通販"]),
]
_HASHTAGS_EN = ["#customerservice", "#ootd", "#onlineshopping", "#fail", "#hoshizoracloset"]


def _decorate(text: str, lang: str, rng: random.Random) -> str:
    """What people add to a post: a hashtag now and then, a photo link (t.co) more often."""
    if not text:
        return text
    if rng.random() < 0.14:
        if lang == "ja":
            tags = next(choices for key, choices in _HASHTAGS_JA if key in text)
            tag = rng.choice(tags)
        else:
            tag = rng.choice(_HASHTAGS_EN)
        if tag not in text:
            text = f"{text} {tag}"
    if rng.random() < 0.16 and "https://" not in text:
        text = f"{text} {_tco(rng)}"
    return text


def build_social(out: Path) -> dict:
    """~250 ja + ~30 en posts as JSON Lines; returns the planted defects."""
    rng = random.Random(202611153)
    ja_handles = sorted({h + t for h in _HANDLE_HEADS for t in _HANDLE_TAILS})
    ja_pool = rng.sample(ja_handles, 190)  # some users post more than once

    def fill(text: str) -> str:
        text = text.replace("{S}", "@" + SHOP_HANDLE).replace("{H}", "@" + SUPPORT_HANDLE)
        while "{U}" in text:
            text = text.replace("{U}", _tco(rng), 1)
        while "{F}" in text:
            text = text.replace("{F}", "@" + rng.choice(ja_pool + _EN_HANDLES), 1)
        return text

    posts: list[dict] = []

    def add(raw: str, flags: str, lang: str, user: str, tag: str = "", viral: bool = False) -> dict:
        day = _day(rng, flags)
        if lang == "ja":  # Japanese evenings: 07:00-25:00 JST = 22:00-16:00 UTC
            hour, minute, second = _clock(rng, 7, 25)
            created = datetime.combine(
                WINDOW_START + timedelta(days=day), datetime.min.time(), tzinfo=UTC
            ) + timedelta(hours=hour - 9, minutes=minute, seconds=second)
        else:  # US daytime / evening: 07:00-24:00 Pacific, about 14:00-08:00 UTC
            hour, minute, second = _clock(rng, 7, 24)
            created = datetime.combine(
                WINDOW_START + timedelta(days=day), datetime.min.time(), tzinfo=UTC
            ) + timedelta(hours=hour + 7, minutes=minute, seconds=second)
        # clamp to the window (a JST morning on 2026-08-24 is still 2026-08-23 in UTC)
        lo = datetime.combine(WINDOW_START, datetime.min.time(), tzinfo=UTC)
        hi = datetime.combine(WINDOW_END, datetime.max.time(), tzinfo=UTC) - timedelta(seconds=1)
        created = min(max(created, lo + timedelta(hours=1)), hi)
        likes = int(rng.paretovariate(1.6)) - 1 + (rng.randrange(40, 400) if viral else 0)
        post = {
            "raw": raw,
            "flags": flags,
            "created": created,
            "lang": lang,
            "user": user,
            "tag": tag,
            "metrics": {
                "like_count": likes,
                "retweet_count": max(0, int(likes * rng.random() * 0.4))
                + (rng.randrange(20, 150) if viral else 0),
                "reply_count": rng.choices([0, 1, 2, 3, 5], [60, 22, 9, 6, 3])[0],
            },
            "source": rng.choices(*SOURCE_APPS)[0],
        }
        posts.append(post)
        return post

    originals = []
    for flags, raw in SOCIAL_JA:
        p = add(raw, flags.replace("R", ""), "ja", rng.choice(ja_pool))
        if "R" in flags:
            originals.append(p)
    for i, (flags, raw) in enumerate(SOCIAL_JA_BURST):
        p = add(raw, flags.replace("R", "") + "L", "ja", rng.choice(ja_pool), viral=(i in (6, 35)))
        if "R" in flags:
            originals.append(p)
    for flags, raw in SOCIAL_EN:
        add(raw, flags, "en", rng.choice(_EN_HANDLES))
    for flags, raw in SOCIAL_SHOP:
        p = add(raw, flags, "ja", SUPPORT_HANDLE, tag="shop_account")
        p["source"] = "Twitter Web App"

    for p in posts:
        p["text"] = fill(p["raw"])
        if p["tag"] != "shop_account":
            p["text"] = _decorate(p["text"], p["lang"], rng)

    # Two near-duplicate reposts: the same words copied by another user a little later,
    # with a different link and a different @handle.
    for orig in originals:
        text = orig["text"]
        text = re.sub(r"https://t\.co/\w+", lambda _m: _tco(rng), text)
        text = text.replace("@" + SHOP_HANDLE, "@" + SUPPORT_HANDLE, 1)
        copy = dict(orig)
        copy.update(
            text=text,
            user=rng.choice([h for h in ja_pool if h != orig["user"]]),
            created=orig["created"]
            + timedelta(hours=rng.randrange(5, 40), minutes=rng.randrange(60)),
            tag="repost",
            metrics={"like_count": rng.randrange(0, 6), "retweet_count": 0, "reply_count": 0},
        )
        copy["created"] = min(copy["created"], datetime(2026, 11, 15, 14, 59, tzinfo=UTC))
        copy["of"] = orig
        posts.append(copy)

    # One post with empty text (media-only post; X marks its language "zxx").
    empty = add("", "", "ja", rng.choice(ja_pool), tag="empty_text")
    empty.update(text="", lang="zxx")

    posts.sort(key=lambda p: p["created"])
    used: set[str] = set()
    for p in posts:
        pid = _snowflake(p["created"], rng)
        while pid in used:
            pid = _snowflake(p["created"], rng)
        used.add(pid)
        p["id"] = pid

    # One truncated line: the export was cut off while writing this post.
    candidates = [
        i
        for i, p in enumerate(posts)
        if not p["tag"] and p["lang"] == "ja" and len(p["text"]) > 30 and "L" not in p["flags"]
    ]
    truncated_at = candidates[len(candidates) // 2]
    posts[truncated_at]["tag"] = "malformed_json"

    lines = []
    defects: dict[str, list] = {}
    for n, p in enumerate(posts, start=1):
        record = {
            "id": p["id"],
            "created_at": p["created"].strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "text": p["text"],
            "lang": p["lang"],
            "author": {"username": p["user"]},
            "public_metrics": p["metrics"],
            "source_app": p["source"],
        }
        line = json.dumps(record, ensure_ascii=False)
        if p["tag"] == "malformed_json":
            line = line[: int(len(line) * 0.6)]
        lines.append(line)
        if p["tag"]:
            info = (n, p["id"]) if p["tag"] != "repost" else (n, p["id"], p["of"]["id"])
            defects.setdefault(p["tag"], []).append(info)
    defects["burst_payment_error"] = [
        sum(1 for p in posts if "決済" in p["text"] or "payment" in p["text"].lower())
    ]
    (out / "social_posts_ja.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return defects


# --------------------------------------------------------------------------------------
# 6: support tickets (Zendesk-style JSON array), English + Japanese
# --------------------------------------------------------------------------------------
# One scenario per "=== tags | subject | flags | channel" header; the lines after it are the
# customer's first message (\n for newlines); ">> " lines are that customer's later messages.
# Placeholders: {order} {order_url} {phone} {email} {name} {first} {addr}.

TICKETS_EN = r"""
=== delivery,late_delivery | Order hasn't moved in 6 days | | email
Hi, I ordered a pair of ankle boots last week (order #{order}) and the tracking hasn't changed in 6 days, it still says "Label created". I need them for a trip on Saturday. Can you check with the courier?\n\nThanks,\n{first}
>> It's Thursday now and still nothing. If they won't arrive by Saturday please just cancel and refund.
=== delivery,late_delivery,express | Express delivery was not express | | web
I paid $14.95 for express shipping and it's now 3 days past the delivery date. Order link: {order_url}\nI'd like the express fee refunded at least.
=== delivery,missing_parcel | Package marked delivered but not received | | email
Hello,\n\nMy order shows as delivered yesterday at 2:14pm but there is nothing at my door, in the mailroom, or with my neighbours. I was home all afternoon. The order is {order_url}\n\nPlease advise what to do next. My phone is {phone} if it's easier to call.\n\n{name}
>> The courier says it was left "in a safe place". There is no safe place at my building. Can you send a replacement?
=== delivery,wrong_address | Wrong delivery address | | email
I made a mistake and the order went to my old address. Is there any way to redirect it? New address is {addr}. Order {order}.
=== delivery,late_delivery | still waiting | | chat
still waiting for my order. its been 12 days. nobody answers the chat
=== delivery,split_shipment | Only half my order arrived | | email
Hi there, I received one box with 2 of the 4 items. The packing slip doesn't say anything about a second shipment. Are the jeans and the belt coming separately or were they forgotten? Order {order}.
=== delivery,courier | Courier left parcel on the street steps | | web
Your courier left my parcel on the street-level steps of an apartment building. Luckily a neighbour brought it in. Please ask them to use the buzzer or the parcel locker. {addr}
=== delivery,late_delivery,plus_member | Plus next-day delivery took 4 days | | email
I'm a Plus member and pay for next-day delivery. My last three orders have all taken 3-4 days. What am I paying for exactly? Latest order: {order_url}
>> So will you refund this month's membership fee or not? You didn't answer that.
=== delivery,change_delivery | Can you hold my order? | | chat
Hi! I'll be away from Thursday to Monday. Could you hold my order until Tuesday, or send it to a pickup point instead? Order {order}. Thanks so much!
=== delivery,missing_parcel | Lost parcel? | | email
Tracking has said "in transit - delayed" for 9 days. I think it's lost. Can you send a replacement or refund me? {order_url}
=== delivery,international,customs | Charged import fees on delivery | | email
I was asked to pay $23 in import fees on delivery to Canada. The website said duties were included at checkout. Can you refund this? I have the receipt from the courier.
=== delivery,late_delivery,gift | Birthday gift arrived too late | | email
I ordered a dress as a birthday present and the estimate said it would come by Friday. It arrived on Wednesday, the party was on Saturday. Really disappointed. I'd like to return it.
=== delivery,tracking | Tracking link broken | | web
The tracking link in the shipping email goes to a page that says "invalid tracking number". Can you send me the correct one?
=== delivery,pickup_point | Parcel sent to the wrong pickup point | | email
I selected the locker at the supermarket near my office but the parcel went to a post office on the other side of town. Who pays for my time? Order {order}.
=== damaged,delivery | Box arrived crushed | | email
Hello, my parcel arrived with the box completely crushed on one side and the shoe box inside is bent. The shoes look ok but one has a scuff on the toe. Photos attached. Order {order}. I would like an exchange please.
=== damaged,quality | Stain on new dress | | web
The dress I received has a makeup stain on the collar, as if someone tried it on. I'd like a replacement, not a refund, as I love the dress. {order_url}
=== damaged | Broken zipper on arrival | | chat
The zip on the jacket was broken when I opened the bag, the pull tab is missing. Can I get a new one sent?
=== damaged,delivery | Wet parcel | | email
Parcel was left in the rain and everything inside is wet, the cardboard fell apart. Two cotton tops have dye marks from the tissue paper. Pictures attached.\n\n{name}\n{phone}
=== damaged,missing_item | Package opened, item missing | | email
The package arrived taped shut with different tape, and the cashmere scarf is missing. Only the gloves were inside. I think it was opened in transit. Order {order}.
>> I don't have the outer box any more, it went out with the recycling. The packing slip lists the scarf though.
=== damaged | Hole in sweater | | chat
there's a small hole near the cuff of the sweater I got today. Otherwise fine. Do I need to send it back or can you just refund part of it?
=== damaged,quality | Heel came off | | email
The heel came off my new sandals the first time I wore them. Less than 2 hours. I'm quite upset because I was at a wedding. {order_url}
=== damaged,delivery | Perfume bottle broken | | email
The perfume bottle in my order was broken and leaked onto the other clothes in the box. The whole parcel smells. What do I do with it?
=== returns,refund | Refund not received | | email
I returned my order 3 weeks ago, the tracking shows you received it on the 2nd, but I still have no refund. Order: {order_url}\nPlease sort this out.
>> It's been another week. Nothing on my card. I'd like a reference number for this refund please.
=== returns,return_label | No return label | | web
I requested a return through the website but never got the label email. I checked spam. Can you resend it to {email}?
=== returns,refund,store_credit | Refund as store credit instead of card | | email
I was refunded with store credit but I paid by card and I want the money back on my card. I never chose store credit.
=== returns,refund | Only part of my return refunded | | email
I sent back 3 items and was refunded for 2. The missing one is the grey coat ($129). I have the post office receipt with the weight. Order {order}.
=== returns,return_window | Return after 30 days? | | chat
Is it too late to return a pair of trousers I bought 35 days ago? They still have the tags. I was travelling and couldn't send them back earlier.
=== returns,refund,fees | Restocking fee? | | email
Why was $6.50 deducted from my refund? Nothing on your website mentions a restocking fee.
=== returns,exchange | Exchange for a different size | | web
Hi, can I exchange the blue shirt (M) for an L? The return portal only gives me the option to return for a refund.
=== returns,return_portal | Return portal error 500 | | web
Your return portal gives "Error 500" when I click "confirm return". I've tried on my phone and my laptop.
=== returns,refund | Refund to a cancelled card | | email
I returned something but the card I paid with has since been cancelled (it was stolen). How will I get my refund?
=== returns,sale_item | Sale item return | | email
I bought a dress in the sale and it doesn't fit. The site says sale items are final sale but that wasn't shown when I bought it. Can I return it?
=== returns,refund | Refund status | | chat
Hi, just checking on the status of my refund. The return was dropped at the post office on Monday. Order {order}. Thanks!
=== returns,pickup | Return pickup didn't happen | | email
The courier was supposed to pick up my return between 9 and 1 today. Nobody came. I took the morning off work for this.\n\n{name}, {addr}
=== returns,gift | Returning a gift | | web
I received a jumper as a gift and would like to return it. I don't have the order number, the sender is my aunt. Can I still return it for store credit?
=== returns,refund | Refund amount is wrong | | email
I was refunded $42.00 but paid $52.00 for the item including shipping. Shipping should be refunded too since the item was faulty.
=== website,checkout | Can't complete checkout | E | web
Every time I click "Place order" the page reloads and my cart is empty. I've tried three times in Chrome. Is the site down?
=== website,promo_code | Discount code not working | | chat
The code from your welcome email (WELCOME15) says invalid. I signed up yesterday.
=== website,search | Size filter doesn't work | | web
When I filter by size 14 it still shows mostly items that aren't available in 14. It's a waste of time.
=== website,checkout,gift_card | Gift card and discount code together | E | email
I can't use a gift card and a discount code together, the gift card gets removed when I apply the code. Is that intended?
=== website,account | Saved address won't update | | web
I keep getting "Something went wrong, please try again" when I try to change my default address in my account.
=== website,browser | Add to bag button not working in Safari | E | web
On my Mac in Safari the "Add to bag" button does nothing. Works in Chrome. Thought you should know.
=== website,stock | Item shown in stock, then cancelled | | email
The site said the boots were in stock in size 7, I ordered, and two days later I got a cancellation email. This is the second time this has happened.
=== app,crash | App crashes after update | A | mobile
Since the update yesterday the app crashes as soon as I open it. iPhone 12, iOS 18. I've reinstalled already.
>> Version 5.0.0 (build 5012). Screenshot attached.
=== app,crash,android | App closes when opening orders | A | mobile
On Android (Pixel 7) the app closes every time I tap on "My orders". Everything else works.
=== app,notifications | Too many notifications | | mobile
The app sends me 4-5 push notifications a day even though I turned off promotions in the app settings. Please fix or I'll uninstall.
=== app,login | Face ID login broken | A | mobile
Face ID login stopped working in the app. It says "authentication failed" and then asks for my password, which it then says is wrong. Works on the website.
=== app,cart | App cart doesn't sync | | email
Items I add on the website don't show in the app cart and vice versa. Is that normal?
=== app,performance | App very slow | A | mobile
App is super slow this week, takes 10+ seconds to load each product. My internet is fine.
=== account,password_reset | Password reset email not arriving | | web
I've requested a password reset 4 times and no email has arrived. My email is {email}. Please help, I have an order in my bag I want to complete.
=== account,locked | Account locked | | email
My account got locked after I typed my password wrong. It says to contact support. Can you unlock it? Name: {name}, phone {phone}.
=== account,email_change | Change email address | | email
I'd like to change the email on my account from my old work email to {email}. I no longer have access to the old one.
=== account,duplicate_account | Two accounts | | web
I seem to have two accounts, one from guest checkout and one I registered. Can you merge them so I can see all my orders?
=== account,security,fraud | Order I didn't place | | email
I just got an order confirmation for $312 that I did not place, shipping to an address in another state. I think my account has been compromised. Please cancel the order ASAP. {order_url}
>> I've changed my password. Please confirm the order is cancelled and nothing will be charged.
=== billing,double_charge | Charged twice | | email
I was charged twice for order {order}, $86.40 each. My bank statement shows both as completed, not pending. Please refund one of them.
>> Still seeing both charges. It has been 6 business days.
=== billing,membership | Cancelled Plus but still charged | | email
I cancelled my Plus membership in August and was charged $9.99 again this month. Please refund and confirm the cancellation.
=== billing,invoice | Need an itemised invoice | | email
Could you send me an itemised invoice with tax for my last order? I need it for my company's expenses.\n\n{name}\n{email}
=== billing,price_difference | Charged more than shown | | web
The total in the cart was $58.20 but my card was charged $64.70. What is the extra $6.50?
=== billing,double_charge,app | Two charges after an app error | A | mobile
The app showed an error when I paid, so I tried again. Now I have two charges and one order.
=== billing,instalments | Full amount taken instead of instalments | | email
I chose to pay in 4 instalments but the full amount was taken from my card. Can you check? Order {order}.
=== payment,payment_error,checkout | Payment error at checkout | X | web
Since this week I get "Payment could not be processed (error 402)" when I try to pay. I've tried two Visa cards, both work everywhere else.
>> Any news? I still can't order. It's been 3 days.
=== payment,payment_error,double_charge | Payment failed but money taken | L | email
Your website said my payment failed, but $74.99 has been taken from my account. There's no order in my account. Please either send the order or refund me.\n\n{name}\n{phone}
=== payment,payment_error,website | Billing address mismatch error | L | web
The new checkout keeps saying my billing address doesn't match my card. I've checked with my bank and it matches exactly: {addr}.
=== payment,payment_error | Apple Pay fails at the last step | L | chat
Apple Pay fails at the last step on the new site. It worked last week. Card payment also fails.
=== payment,payment_error | Three authorisation holds on my card | L | email
I've been trying to order since Tuesday. Every attempt ends with an error but leaves a $1.00 hold on my card. There are 3 now. Order never goes through.
=== quality | Shrunk after first wash | | email
I washed the t-shirts on cold as per the label and they shrank about 2 sizes. Is this a known issue with this batch?
=== quality,material | Not 100% cotton | | web
The product page says 100% cotton but the label inside says 60% cotton 40% polyester. That's misleading.
=== quality | Pilling after three wears | | email
My jumper is pilling badly after three wears. For $95 I expected better. Is there a warranty?
=== quality,colour | Colour different from photo | | web
The "terracotta" dress is bright orange in person. Nothing like the photos. I'll return it but wanted to flag it.
=== quality | Seam came apart | | email
The inside leg seam on my jeans split after 2 weeks of normal wear. {order_url}
=== quality,smell | Strong chemical smell | | email
The rain jacket has a very strong chemical smell even after airing it for 3 days. Is this safe?
=== sizing | Petite or regular? | | chat
Hi! I'm 5'4" and usually a US 6. Would you recommend the petite or regular for the wide leg trousers? Thanks!
=== sizing,exchange | Shoes too narrow | | email
The loafers are too narrow even though they're my usual size. Do you have a wide fit? If not I'll return them.
=== sizing,mislabeled | Wrong size label | | web
I ordered an M and the label says M but it's clearly much bigger than my other M tops from you, more like an XL.
=== sizing | Skirt length | | chat
Can you tell me the actual length of the midi skirt in size S? The description says "midi" but I'm tall.
=== pricing,price_adjustment | Price dropped after I bought | | email
I bought the coat on Monday for $149 and today it's $119. Can you refund the difference? Order {order}.
=== pricing,shipping_fee | Free shipping threshold | | web
The banner says free shipping over $50 but I was charged $5.95 on a $62 order.
=== promo,loyalty | Points not added | | email
I didn't get the loyalty points for my last two orders.
=== privacy,data_deletion | Delete my data | | email
Please delete my account and all personal data you hold about me. My account email is {email}.
=== privacy,unsubscribe | Unsubscribe doesn't work | | email
I have clicked unsubscribe 3 times. I still get your emails every day. Please remove {email} from all lists.
=== privacy,data_sharing | Did you share my number? | | email
Since ordering from you I get texts from a "partner" brand on {phone}. Did you share my number?
=== gift_card | Gift card balance shows $0 | | web
My gift card shows a balance of $0 but I haven't used it. The card number ends 4417.
=== feedback,compliment | Thank you! | | email
Just wanted to say thank you to the agent who helped me with my exchange last week, the new size arrived today and fits perfectly.
=== product_question,restock | Restock? | | chat
Will the black wool coat be restocked in size L before winter?
"""

TICKETS_JA = r"""
=== delivery,late_delivery | 注文した商品がまだ届きません | | email
お世話になっております。\n先週の月曜日に注文した商品（注文番号：{order}）がまだ届いておりません。配送状況を確認したところ「出荷準備中」のままです。いつ頃発送されますでしょうか。\n\n{name}
>> その後いかがでしょうか。まだ発送のご連絡がありません。
=== delivery,address_change | お届け先の変更について | | email
注文後に引っ越しが決まったため、届け先を変更したいです。\n新住所：〒150-0041 東京都渋谷区神南1-2-3 ハイツ神南201\n電話番号：{phone}\n注文：{order_url}
=== delivery,okihai | 置き配について | | web
置き配を指定していないのに玄関前に置かれていました。雨で箱が濡れており、中の服も少し湿っていました。今後は手渡しでお願いしたいです。
=== delivery,missing_parcel | 配達完了になっているのに届いていません | | email
追跡では昨日「配達完了」となっていますが、受け取っていません。宅配ボックスにも入っていませんでした。至急確認をお願いします。\n携帯：{phone}
>> 配送業者に聞いたところ、ショップ側に確認してほしいと言われました。どうすればよいでしょうか。
=== delivery,time_slot | 時間指定が守られませんでした | | web
19時～21時で時間指定したのに、昼間に配達に来て不在票が入っていました。再配達の手配はそちらでお願いできますか。
=== delivery,late_delivery | 発送予定日を過ぎています | | email
「２～３日以内に発送」と書いてありましたが、もう１週間たちます。キャンセルも検討しています。注文番号 {order}
=== delivery,gift_wrap | ギフト包装が指定どおりではありません | | email
ギフト包装を指定したのに、通常の袋で届きました。プレゼント用だったので残念です。
=== damaged | 商品が破損していました | | email
届いた箱がつぶれていて、中のブーツの箱も変形していました。ブーツのつま先に傷があります。写真を添付しますので、交換をお願いします。\n注文番号：{order}
=== damaged,quality | 汚れがありました | | web
ブラウスの襟にファンデーションのような汚れがついていました。新品とは思えません。
=== damaged,missing_item | 商品が１点足りません | | email
３点注文しましたが、２点しか入っていませんでした。納品書には３点記載されています。注文番号 {order}
=== returns,refund | 返金がまだです | | email
返品してから２週間以上たちますが、まだ返金されていません。返品の追跡番号では１０日前にそちらに到着しています。
>> 本日時点でもまだ返金が確認できません。いつ返金されるのか、日付を教えてください。
=== returns,how_to | 返品の方法がわかりません | | web
サイズが合わなかったので返品したいのですが、サイトのどこから手続きすればよいのかわかりません。教えてください。
=== returns,refund,points | ポイントでの返金について | | email
返金がポイントで戻ってきましたが、クレジットカードへの返金を希望します。変更できますか。
=== returns,exchange | サイズ交換をしたい | | chat
スカートのＭサイズをＬサイズに交換したいです。交換の場合も送料はかかりますか。
=== returns,fees | 返品送料について | | email
不良品なのに返品送料をこちらで負担するように言われました。納得できません。
=== returns,sale_item | セール品の返品 | | email
セールで購入したコートのサイズが合いませんでした。セール品は返品不可とのことですが、注文時にはその表示に気づきませんでした。
=== returns,refund | 返金額が違います | | email
返金額が商品代金より５００円少ないです。手数料が引かれているのでしょうか。説明をお願いします。
=== account,login | ログインできません | | web
パスワードを再設定しましたが、ログインできません。再設定メールも届いたり届かなかったりします。\n登録メールアドレス：{email}
=== app,crash | アプリが落ちます | A | mobile
アプリをアップデートしてから、起動するとすぐに落ちてしまいます。機種は iPhone 13 です。再インストールしても同じでした。
=== app,cart | カートの商品が消えます | | mobile
アプリでカートに入れた商品が、翌日になると消えています。何度も入れ直しています。
=== website,coupon | クーポンが使えません | | web
誕生日クーポンを入力すると「このクーポンはご利用いただけません」と表示されます。有効期限内です。
=== website,account | 会員情報が変更できません | | web
マイページで住所を変更しようとするとエラーになります。何度やっても同じです。
=== billing,double_charge | 二重に請求されています | | email
同じ注文でクレジットカードに２回請求がきています。明細を確認したところ、同じ金額（８，９６０円）が２件ありました。至急返金をお願いします。\n{name}\n{phone}
=== billing,membership | 有料会員を解約したのに請求されています | | email
先月有料会員を解約したはずですが、今月も会費が請求されています。解約できているか確認してください。
=== billing,konbini | コンビニ払いの払込票が届きません | | web
コンビニ払いを選択しましたが、払込票のメールが届きません。支払期限が近いので困っています。
=== billing,receipt | 領収書の発行について | | email
会社の経費で購入したため、宛名入りの領収書を発行していただけますか。宛名：株式会社サンプル商事\n注文：{order_url}
=== payment,payment_error | 決済エラーで注文できません | X | web
サイトがリニューアルされてから、クレジットカードで支払おうとすると「決済処理に失敗しました」と表示されます。カード会社に確認しましたが、カードには問題ないそうです。
>> まだ直っていないようです。今日も同じエラーが出ました。
=== payment,payment_error,double_charge | 決済エラーなのに請求されています | L | email
決済エラーと表示されたので注文をやり直しましたが、カード明細を見ると２件とも請求されています。注文履歴には１件しかありません。\n\n{name}
=== payment,payment_error | 支払い画面から先に進めません | L | chat
アプリでもパソコンでも、支払い方法を選ぶ画面から先に進めません。何度やってもエラーになります。今日中に注文したいのですが。
=== quality | 洗濯で縮みました | | email
表示どおりに手洗いしたのに、ニットが大きく縮んでしまいました。交換か返金をお願いできますか。
=== quality,colour | 色が写真と違います | | web
サイトの写真ではベージュでしたが、届いたものはかなり黄色っぽい色でした。
=== sizing | サイズについての質問 | | chat
身長１５８ｃｍですが、ワイドパンツはＳとＭどちらがおすすめですか。
=== sizing,exchange | 靴のサイズが合いません | | email
いつもと同じ２３．５ｃｍを注文しましたが、きつくて履けませんでした。ワイズの広いものはありますか。
=== privacy,data_deletion | 退会と個人情報の削除 | | email
退会したいのですが、手続きの方法がわかりません。登録している個人情報もすべて削除してください。\n登録メールアドレス：{email}
=== privacy,unsubscribe | メールの配信停止 | | email
配信停止の手続きをしたのに、毎日メールが届きます。{email} をすべての配信リストから削除してください。
=== privacy,wrong_recipient | 他人宛ての荷物が届きました | | email
山田 花子様宛ての荷物が私の住所に届きました。伝票に他の方の電話番号や住所が載っており、個人情報の管理が心配です。荷物はどうすればよいでしょうか。
=== support,response_time | 問い合わせの返信がありません | | email
３日前に問い合わせフォームから連絡しましたが、まだ返信がありません。問い合わせ番号も届いていません。
=== support,chat | チャットがつながりません | | web
チャットで問い合わせようとしましたが、４０分待ってもつながりませんでした。電話窓口はないのでしょうか。
=== pricing,price_adjustment | 購入翌日に値下げされました | | email
昨日購入したワンピースが今日セール価格になっていました。差額の返金はできますか。
=== product_question,restock | 再入荷の予定について | | chat
ネイビーのカーディガン（Ｍサイズ）の再入荷予定はありますか。
=== feedback,compliment | お礼 | | email
先日は交換の件で丁寧にご対応いただきありがとうございました。新しい商品が無事に届きました。
"""

_SIGN_EN = "\n\nKind regards,\n{agent}\nHoshizora Closet Customer Care"
_SIGN_JA = "\n\nほしぞらクローゼット カスタマーサポート {agent}"

AGENT_EN = {
    "delivery_investigate": [
        "Hi {first},\n\nThank you for contacting us, and I'm sorry your order hasn't arrived as expected. I've checked order {order} and opened an investigation with our courier partner. They usually respond within 48 hours and I'll update you as soon as I hear back."
        + _SIGN_EN,
        "Hello {first},\n\nThanks for reaching out. I can see the parcel is currently delayed in the courier's network, and I'm sorry for the inconvenience. I've refunded the shipping fee to your original payment method as a gesture of goodwill; please allow 3-5 business days for it to appear."
        + _SIGN_EN,
    ],
    "delivery_change": [
        "Hi {first},\n\nThanks for your message. I've updated the delivery instructions on your order and asked the courier to contact you before delivery. If anything else comes up, just reply to this email."
        + _SIGN_EN,
        "Hello {first},\n\nThank you for letting us know. I've passed your request to the courier and they have confirmed the change. You'll receive an updated tracking email once it has been processed."
        + _SIGN_EN,
    ],
    "damaged": [
        "Hi {first},\n\nI'm so sorry to hear your item arrived damaged; that's not the experience we want you to have. Thank you for the details. I've arranged a replacement which will be dispatched within 1-2 business days, and you don't need to return the damaged item."
        + _SIGN_EN,
        "Hello {first},\n\nThank you for letting us know, and apologies for the trouble. Could you please send us a photo of the item and of the outer packaging so we can file a claim with the courier? Once received, we'll process a refund or a replacement, whichever you prefer."
        + _SIGN_EN,
    ],
    "refund": [
        "Hi {first},\n\nThanks for getting in touch. I can confirm that your return for order {order} has been received at our warehouse. Refunds are normally processed within 5 business days of receipt, and your bank may take a further 3-5 days to show the funds. I've flagged your return as a priority."
        + _SIGN_EN,
        "Hello {first},\n\nThank you for your patience. I've looked into this and issued the refund to your original payment method today. You should see it within 3-5 business days, depending on your bank."
        + _SIGN_EN,
    ],
    "return_howto": [
        "Hi {first},\n\nThank you for your message. You can start a return or an exchange from Orders > Return items in your account, or with the QR code in your confirmation email. I've also sent a prepaid return label to the email address on your account."
        + _SIGN_EN,
        "Hello {first},\n\nThanks for contacting us. I've set up the return for you and emailed a prepaid label. As soon as the parcel is scanned by the courier we'll send out your replacement, so you don't have to wait for it to reach our warehouse."
        + _SIGN_EN,
    ],
    "return_policy": [
        "Hi {first},\n\nThank you for explaining the situation. Although this is outside our standard returns policy, I've made a one-time exception and approved your request. You'll receive an email with the next steps shortly."
        + _SIGN_EN,
        "Hello {first},\n\nThanks for getting in touch, and I'm sorry this wasn't clear when you ordered. I've refunded the difference to your original payment method and passed your feedback on to our web team so the policy is shown more clearly."
        + _SIGN_EN,
    ],
    "tech": [
        "Hi {first},\n\nThank you for reporting this, and sorry for the frustration. Our technical team is aware of the issue and is working on a fix. In the meantime, clearing your browser cache or trying a different browser may help. I've added your details so we can let you know when it's resolved."
        + _SIGN_EN,
        "Hello {first},\n\nThanks for letting us know. Could you tell us which device and app version you're using (Settings > About in the app)? A screenshot of the error would also help our developers investigate."
        + _SIGN_EN,
    ],
    "account": [
        "Hi {first},\n\nI've unlocked your account and sent a password reset link to the email address we have on file. The link is valid for 24 hours. For your security, we never ask for your password by email or chat."
        + _SIGN_EN,
        "Hello {first},\n\nThank you for contacting us. I've updated your account as requested, and a confirmation has been sent to the email address on file. Your order history will show in the account within a few minutes."
        + _SIGN_EN,
    ],
    "security": [
        "Hello {first},\n\nThank you for contacting us so quickly. For your security, I've placed a temporary hold on the account and cancelled the order that you did not place; no payment will be taken. Please reset your password using the link we've just sent you."
        + _SIGN_EN,
    ],
    "double_charge": [
        "Hi {first},\n\nI'm sorry for the confusion with your payment. I've checked our records and can see the duplicate transaction. I've requested a reversal of the second charge; it can take 3-5 business days to be released by your bank."
        + _SIGN_EN,
        "Hello {first},\n\nThank you for letting us know. Only one order was created, so the second charge will be refunded in full. I've submitted the refund today; please allow up to 5 business days for your bank to process it."
        + _SIGN_EN,
    ],
    "membership": [
        "Hi {first},\n\nThanks for reaching out. I've cancelled your membership with immediate effect and refunded the most recent fee. You'll receive a confirmation email shortly."
        + _SIGN_EN,
    ],
    "billing_info": [
        "Hello {first},\n\nThank you for your message. I've attached an itemised invoice for your order. The difference you noticed is the shipping fee and sales tax, which are added at the final step of checkout."
        + _SIGN_EN,
        "Hi {first},\n\nThanks for getting in touch. I've checked your payment and corrected it on our side; the adjustment will appear on your statement within 3-5 business days. A corrected receipt is attached."
        + _SIGN_EN,
    ],
    "payment": [
        "Hello {first},\n\nThank you for contacting us. We are currently experiencing an issue with payments on our new checkout and our team is working urgently to resolve it. Failed payment attempts that show as pending on your statement are authorisation holds and will be released automatically by your bank. We apologise for the inconvenience."
        + _SIGN_EN,
        "Hi {first},\n\nI'm very sorry about this. I can confirm there is a known issue with our checkout since the website update, and I've passed your case to our payments team. If you have been charged without receiving an order confirmation, the amount will be refunded in full."
        + _SIGN_EN,
    ],
    "quality": [
        "Hi {first},\n\nThank you for your feedback, and I'm sorry the item didn't meet your expectations. I've shared your comments with our product quality team. As the item is within our 30-day return window, you're welcome to return it free of charge for a full refund."
        + _SIGN_EN,
        "Hello {first},\n\nI'm sorry to hear this. That's not the standard we expect from our products. I've logged the issue with our quality team and arranged a full refund; there's no need to send the item back."
        + _SIGN_EN,
    ],
    "sizing": [
        "Hello {first},\n\nThanks for your question! Based on what you've told us, we'd recommend your usual size. You'll find detailed garment measurements under the \"Size & Fit\" tab on each product page, and exchanges for a different size are free."
        + _SIGN_EN,
        "Hi {first},\n\nThank you for getting in touch. We don't currently offer this style in another fit, but I've passed your request on to our buying team. You can return the item free of charge through your account, and I've added a note to prioritise your refund."
        + _SIGN_EN,
    ],
    "pricing": [
        "Hi {first},\n\nThanks for getting in touch. As a one-off courtesy, I've refunded the difference to your original payment method. Please note that our price adjustment policy applies within 7 days of purchase."
        + _SIGN_EN,
        "Hello {first},\n\nThank you for letting us know. I've checked the promotion and applied it manually to your account. You'll see the adjustment within 3-5 business days."
        + _SIGN_EN,
    ],
    "privacy": [
        "Hi {first},\n\nThank you for your request. We've removed your email address from all of our marketing lists; please allow up to 48 hours for this to take effect. If you'd also like us to delete your account and personal data, just reply to confirm and we'll complete it within 30 days.\n\nKind regards,\n{agent}\nPrivacy Team, Hoshizora Closet",
        "Hello {first},\n\nWe have received your request and verified your identity. Your account and associated personal data will be deleted within 30 days. We do not sell or share customers' contact details with other brands; order records that we are legally required to keep for tax purposes are retained in restricted storage.\n\nKind regards,\n{agent}\nPrivacy Team, Hoshizora Closet",
    ],
    "general": [
        "Hi {first},\n\nThank you for contacting Hoshizora Closet. I've looked into your request and made the necessary changes. Please let us know if there's anything else we can help you with."
        + _SIGN_EN,
    ],
    "restock": [
        "Hi {first},\n\nThanks for your interest! We don't have a confirmed restock date yet, but if you tap \"Notify me\" on the product page we'll email you as soon as your size is back."
        + _SIGN_EN,
    ],
    "compliment": [
        "Hello {first},\n\nThank you so much for your kind words! I've passed your message on to the team; it really made our day.\n\nBest wishes,\n{agent}\nHoshizora Closet Customer Care",
    ],
}
AGENT_EN_FOLLOWUP = [
    "Hi {first},\n\nThank you for your patience. I've escalated your case to our team lead, who will contact you within 24 hours. I'm sorry this is taking longer than it should."
    + _SIGN_EN,
    "Hi {first},\n\nThanks for the update. I'm happy to confirm this has now been resolved on our side, and you'll receive a confirmation email shortly. If there's anything else, simply reply to this email."
    + _SIGN_EN,
    "Hi {first},\n\nI completely understand your frustration. I've added a note to your account and sent you a 15% discount code to say sorry. Our team will update you by email as soon as we have news."
    + _SIGN_EN,
]
AGENT_EN_REFUND = (
    "Hello {first},\n\nThank you for getting back to us. I've issued a full refund for order {order} today; please allow 3-5 business days for it to show on your statement."
    + _SIGN_EN
)
CUSTOMER_EN_FOLLOWUP = [
    "It's been 5 days and still nothing. Can someone please actually look at this?",
    "Ok thanks, I'll wait.",
    "That doesn't really answer my question. I asked why this happened, not when it will be fixed.",
    "Any update on this?",
    "Hi, I got an email saying my ticket was solved but nothing has changed.",
    "This is the third time I'm writing about this. Please escalate.",
    "Sorry, I forgot the order number: {order}.",
    "Can someone call me instead? {phone}",
]
CUSTOMER_EN_FOLLOWUP_BY_GROUP = {
    "damaged": [
        "Thanks. Photos attached.",
        "I've sent the photos as requested. Please let me know what happens next.",
    ],
    "tech": [
        "I already tried that, it didn't help.",
        "Just checked again and it's still the same. Screenshot attached.",
    ],
    "refund": [
        "The refund still isn't showing on my statement.",
        "Thanks for the quick reply! Can I use the same label for a second item?",
    ],
    "double_charge": ["The second charge is still on my statement."],
    "payment": [
        "I tried again this morning and got the same error.",
        "So is my card going to be charged or not?",
    ],
}
CUSTOMER_EN_THANKS = [
    "Received it today, thank you for your help!",
    "Perfect, thanks so much.",
    "Ok, all sorted. Thanks.",
    "Thanks {agent}, appreciate it.",
    "thank you!!",
    "Great, that worked. Thanks!",
]

AGENT_JA = {
    "delivery_investigate": [
        "{last}様\n\nいつもほしぞらクローゼットをご利用いただき、誠にありがとうございます。\nこのたびはご注文商品のお届けが遅れており、大変ご迷惑をおかけしております。ただいま配送業者に状況を確認しておりますので、判明し次第ご連絡いたします。\n\n今後ともよろしくお願い申し上げます。"
        + _SIGN_JA,
        "{last}様\n\nお問い合わせいただきありがとうございます。\n配送業者に確認したところ、現在配送センターで調査中とのことです。お届けが遅れており、誠に申し訳ございません。"
        + _SIGN_JA,
    ],
    "delivery_change": [
        "{last}様\n\nお問い合わせいただきありがとうございます。\nご依頼の件、配送業者へ連絡し、お届け方法を変更いたしました。ご不便をおかけし申し訳ございません。"
        + _SIGN_JA,
        "{last}様\n\nこのたびはご希望に沿わない形でのお届けとなり、誠に申し訳ございません。\n配送業者に申し伝えるとともに、今後のご注文に反映されるよう設定いたしました。"
        + _SIGN_JA,
    ],
    "damaged": [
        "{last}様\n\nこのたびは商品に不備があり、大変申し訳ございません。\n代わりの商品を本日手配いたしましたので、１～２営業日以内に発送いたします。お手元の商品はご返送いただく必要はございません。"
        + _SIGN_JA,
        "{last}様\n\nご連絡いただきありがとうございます。ご迷惑をおかけし申し訳ございません。\nお手数ですが、商品と外箱の状態がわかるお写真をお送りいただけますでしょうか。確認後、交換または返金の手続きを進めさせていただきます。"
        + _SIGN_JA,
    ],
    "refund": [
        "{last}様\n\nお問い合わせいただきありがとうございます。\n返品商品は弊社倉庫に到着しております。返金手続きは到着から５営業日以内に行っており、カード会社によって反映までさらに数日かかる場合がございます。"
        + _SIGN_JA,
        "{last}様\n\nお待たせしており申し訳ございません。\n本日、ご注文時のお支払い方法へ返金の手続きを完了いたしました。反映までしばらくお待ちくださいませ。"
        + _SIGN_JA,
    ],
    "return_howto": [
        "{last}様\n\nお問い合わせありがとうございます。\n返品・交換のお手続きは、マイページの「注文履歴」＞「返品・交換を申し込む」から行っていただけます。サイズ交換の際の送料は無料です。"
        + _SIGN_JA,
    ],
    "return_policy": [
        "{last}様\n\nご事情をお知らせいただきありがとうございます。\n通常はお受けしていないお手続きですが、今回は特別に承ります。手続きのご案内をメールでお送りいたしましたので、ご確認ください。"
        + _SIGN_JA,
        "{last}様\n\nご注文時にわかりにくい表示となっており、申し訳ございません。\n差額分を返金いたしました。いただいたご意見は、表示の改善に役立てさせていただきます。"
        + _SIGN_JA,
    ],
    "tech": [
        "{last}様\n\nご不便をおかけし申し訳ございません。\n現在、担当部署にて不具合の調査を行っております。お手数ですが、ご利用の端末とアプリのバージョンをお知らせいただけますでしょうか。"
        + _SIGN_JA,
        "{last}様\n\nご連絡ありがとうございます。\nブラウザのキャッシュを削除のうえ、再度お試しいただけますでしょうか。改善しない場合は、お手数ですが画面のスクリーンショットをお送りください。"
        + _SIGN_JA,
    ],
    "double_charge": [
        "{last}様\n\nこのたびはご迷惑をおかけし申し訳ございません。\n確認したところ、同一のご請求が２件計上されておりました。１件分の取り消し手続きを行いましたので、カード会社からの反映までしばらくお待ちください。"
        + _SIGN_JA,
    ],
    "membership": [
        "{last}様\n\nご連絡いただきありがとうございます。\n確認したところ、解約のお手続きが完了しておりませんでした。本日付で解約し、今月分の会費を返金いたしました。大変失礼いたしました。"
        + _SIGN_JA,
    ],
    "billing_info": [
        "{last}様\n\nお問い合わせいただきありがとうございます。\nご依頼の書類・ご案内を本メールにてお送りいたしました。ご確認くださいますようお願い申し上げます。"
        + _SIGN_JA,
    ],
    "payment": [
        "{last}様\n\nこのたびはご不便をおかけし、誠に申し訳ございません。\n現在、サイトリニューアル後の決済処理において一部のお客さまでエラーが発生しており、復旧に向けて対応を進めております。エラー時のご請求は仮売上のため、カード会社にて自動的に取り消されます。"
        + _SIGN_JA,
        "{last}様\n\nご連絡ありがとうございます。ご迷惑をおかけし申し訳ございません。\n決済エラーの件は担当部署に共有いたしました。ご注文が作成されていないにもかかわらずご請求が発生している場合は、全額返金いたします。"
        + _SIGN_JA,
    ],
    "quality": [
        "{last}様\n\nこのたびはご期待に沿えず申し訳ございません。\nいただいたご意見は商品担当部署に共有いたします。お届けから３０日以内でしたら、送料無料で返品・交換を承ります。"
        + _SIGN_JA,
    ],
    "sizing": [
        "{last}様\n\nお問い合わせありがとうございます。\nお知らせいただいた内容から、Ｍサイズをおすすめいたします。各商品ページの「サイズ・寸法」に実寸を掲載しておりますので、あわせてご確認ください。"
        + _SIGN_JA,
        "{last}様\n\nお問い合わせありがとうございます。\nあいにく現在こちらの商品に幅広のモデルはございません。お手数ですが、マイページから返品をお申し込みください。返送料は無料です。"
        + _SIGN_JA,
    ],
    "pricing": [
        "{last}様\n\nお問い合わせいただきありがとうございます。\n今回に限り、差額分をポイントにてご返金いたしました。価格変更による差額のご返金は、ご購入から７日以内が対象となります。"
        + _SIGN_JA,
    ],
    "privacy": [
        "{last}様\n\nご連絡いただきありがとうございます。\nご登録のメールアドレスをすべての配信リストから削除いたしました。反映まで最大４８時間かかる場合がございます。退会および個人情報の削除をご希望の場合は、本メールにご返信ください。\n\nほしぞらクローゼット 個人情報保護窓口 {agent}",
    ],
    "privacy_incident": [
        "{last}様\n\nこのたびはご迷惑をおかけし、誠に申し訳ございません。\nご指摘の件は重大な問題と受け止め、社内で調査を行っております。お手数ですが、お手元の荷物は着払いにてご返送いただけますでしょうか。\n\nほしぞらクローゼット 個人情報保護窓口 {agent}",
    ],
    "support": [
        "{last}様\n\nご返信が遅くなり、大変申し訳ございません。\n現在お問い合わせが集中しており、ご回答までにお時間をいただいております。本件は優先して確認し、本日中にご連絡いたします。"
        + _SIGN_JA,
    ],
    "restock": [
        "{last}様\n\nお問い合わせありがとうございます。\n現時点で再入荷の予定は未定ですが、商品ページの「再入荷のお知らせ」にご登録いただくと、入荷時にメールでお知らせいたします。"
        + _SIGN_JA,
    ],
    "general": [
        "{last}様\n\nお問い合わせいただきありがとうございます。\nご依頼の件、対応を完了いたしました。ほかにご不明な点がございましたら、お気軽にお問い合わせください。"
        + _SIGN_JA,
    ],
    "compliment": [
        "{last}様\n\nご丁寧にご連絡いただきありがとうございます。いただいたお言葉は担当者にも共有いたします。\n今後ともほしぞらクローゼットをよろしくお願いいたします。"
        + _SIGN_JA,
    ],
}
AGENT_JA_FOLLOWUP = [
    "{last}様\n\nお待たせしており大変申し訳ございません。\n本件は責任者へ引き継ぎ、２４時間以内に改めてご連絡いたします。"
    + _SIGN_JA,
    "{last}様\n\nご連絡ありがとうございます。\n本日、対応が完了いたしました。確認のメールをお送りしておりますので、ご確認ください。"
    + _SIGN_JA,
    "{last}様\n\nご不便をおかけし申し訳ございません。\nお詫びとして、次回ご利用いただける１０％オフクーポンをお送りいたしました。引き続き状況がわかり次第ご連絡いたします。"
    + _SIGN_JA,
]
AGENT_JA_REFUND = (
    "{last}様\n\nご連絡ありがとうございます。\n本日、注文番号{order}について全額返金の手続きを行いました。カード会社からの反映まで数日お待ちください。"
    + _SIGN_JA
)
CUSTOMER_JA_FOLLOWUP = [
    "その後いかがでしょうか。まだ解決していません。",
    "承知しました。よろしくお願いいたします。",
    "返信ありがとうございます。ただ、質問への回答になっていないように思います。",
    "５日たちましたが、まだ何の連絡もありません。",
    "お電話でご連絡いただけますか。{phone}（日中ならつながります）",
    "注文番号をお伝えし忘れておりました。{order} です。",
]
CUSTOMER_JA_FOLLOWUP_BY_GROUP = {
    "damaged": ["ご連絡ありがとうございます。写真を添付いたします。"],
    "tech": [
        "言われたとおりにキャッシュを削除しましたが、状況は変わりません。",
        "iPhone 13、アプリのバージョンは５．０．０です。",
    ],
    "refund": ["本日時点でも、まだカード明細に返金が反映されていません。"],
    "payment": ["今朝もう一度試しましたが、同じエラーが出ました。"],
}
CUSTOMER_JA_THANKS = [
    "本日無事に受け取りました。ありがとうございました。",
    "返金を確認しました。ご対応ありがとうございました。",
    "ありがとうございます、解決しました。",
    "迅速なご対応に感謝いたします。",
    "承知しました。ありがとうございました。",
]
# customer messages that only make sense after days of waiting
_WAITING = re.compile(r"days|third time|still|Any update|another week|日たち|その後|まだ|本日時点")
REFUND_GROUPS = {
    "refund",
    "damaged",
    "double_charge",
    "payment",
    "return_policy",
    "quality",
    "delivery_investigate",
}


def _agent_group(tags: list[str], lang: str) -> str:
    """Which canned first reply an agent picks, from the ticket's tags."""
    t = set(tags)
    primary = tags[0]
    if "compliment" in t:
        return "compliment"
    if "restock" in t:
        return "restock"
    if "fraud" in t:
        return "security"
    if "payment_error" in t:
        return "payment"
    if "double_charge" in t:
        return "double_charge"
    if "membership" in t:
        return "membership"
    if primary == "billing":
        return "billing_info"
    if primary == "damaged":
        return "damaged"
    if primary == "delivery":
        investigate = {
            "late_delivery",
            "missing_parcel",
            "tracking",
            "split_shipment",
            "international",
        }
        return "delivery_investigate" if t & investigate else "delivery_change"
    if primary == "returns":
        if t & {"store_credit", "points", "fees", "sale_item", "return_window"}:
            return "return_policy"
        return "refund" if "refund" in t else "return_howto"
    if primary in ("website", "app"):
        return "tech"
    if primary == "account":
        return "account" if lang == "en" else "tech"
    if primary == "privacy":
        return "privacy_incident" if "wrong_recipient" in t else "privacy"
    if primary in ("pricing", "promo"):
        return "pricing"
    if primary in ("quality", "sizing", "support"):
        return primary
    return "general"


EN_FIRST = [
    "Maria",
    "Jessica",
    "Emily",
    "Sarah",
    "Ashley",
    "Laura",
    "Rachel",
    "Megan",
    "Olivia",
    "Hannah",
    "Chloe",
    "Grace",
    "Priya",
    "Aisha",
    "Sofia",
    "Claire",
    "Nicole",
    "Amanda",
    "Daniel",
    "Michael",
    "James",
    "Kevin",
    "Tom",
    "Lauren",
    "Katie",
    "Diana",
    "Rebecca",
    "Nina",
    "Julia",
    "Monica",
]
EN_LAST = [
    "Gonzalez",
    "Smith",
    "Johnson",
    "Nguyen",
    "Patel",
    "Brown",
    "Miller",
    "Davis",
    "Wilson",
    "Clarke",
    "Martinez",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "White",
    "Harris",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Hill",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
]
EN_AGENTS = ["Sam", "Priya", "Jordan", "Alex", "Megan", "Carlos", "Hannah", "Tom"]
EN_ADDRESSES = [
    "1420 Maple Ave, Apt 3B, Springfield, IL 62704",
    "88 Harbor View Rd, Portland, ME 04101",
    "2207 W Elm St, Unit 12, Austin, TX 78703",
    "415 Cedar Lane, Boulder, CO 80302",
    "73 Birchwood Dr, Columbus, OH 43215",
    "9 Orchard Court, Sacramento, CA 95814",
]
JA_LAST = [
    ("佐藤", "sato"),
    ("鈴木", "suzuki"),
    ("高橋", "takahashi"),
    ("田中", "tanaka"),
    ("伊藤", "ito"),
    ("渡辺", "watanabe"),
    ("山本", "yamamoto"),
    ("中村", "nakamura"),
    ("小林", "kobayashi"),
    ("加藤", "kato"),
    ("吉田", "yoshida"),
    ("佐々木", "sasaki"),
    ("松本", "matsumoto"),
    ("井上", "inoue"),
    ("木村", "kimura"),
    ("清水", "shimizu"),
    ("山崎", "yamazaki"),
    ("森", "mori"),
]
JA_FIRST = [
    ("美咲", "misaki"),
    ("陽菜", "hina"),
    ("結衣", "yui"),
    ("さくら", "sakura"),
    ("彩", "aya"),
    ("真由美", "mayumi"),
    ("恵子", "keiko"),
    ("由美", "yumi"),
    ("直子", "naoko"),
    ("健太", "kenta"),
    ("大輔", "daisuke"),
    ("翔太", "shota"),
    ("裕子", "yuko"),
    ("明美", "akemi"),
    ("千尋", "chihiro"),
    ("舞", "mai"),
    ("優子", "yuko"),
    ("香織", "kaori"),
]
JA_AGENTS = ["佐野", "小川", "石井", "岡田"]
JA_PHONES = [
    "090-1234-5678",
    "080-1111-2222",
    "070-1234-0000",
    "03-1234-5678",
    "090-9876-5432",
    "080-3333-4444",
]
EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]


def _parse_tickets(block: str) -> list[dict]:
    scenarios = []
    for chunk in block.strip().split("=== ")[1:]:
        head, *body = chunk.strip("\n").split("\n")
        tags, subject, flags, channel = [part.strip() for part in head.split("|")]
        opening = [line for line in body if not line.startswith(">> ")]
        follow = [line[3:] for line in body if line.startswith(">> ")]
        scenarios.append(
            {
                "tags": tags.split(","),
                "subject": subject,
                "flags": flags,
                "channel": channel,
                "body": "\n".join(opening).replace("\\n", "\n"),
                "follow": [f.replace("\\n", "\n") for f in follow],
            }
        )
    return scenarios


def build_tickets(out: Path) -> dict:
    """~120 tickets (en + ja) as one JSON array; returns the tickets whose messages carry PII."""
    rng = random.Random(202611154)
    tickets: list[dict[str, Any]] = []
    for lang, block in (("en", TICKETS_EN), ("ja", TICKETS_JA)):
        for sc in _parse_tickets(block):
            if lang == "en":
                first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
                name = f"{first} {last}"
                email = (
                    rng.choice(
                        [
                            f"{first}.{last}@{{d}}",
                            f"{first[0]}{last}{rng.randrange(10, 99)}@{{d}}",
                            f"{first}{last[0]}@{{d}}",
                        ]
                    )
                    .lower()
                    .replace("{d}", rng.choice(EMAIL_DOMAINS))
                )
                phone = f"({rng.choice(['503', '312', '617', '512', '206', '415'])}) 555-01{rng.randrange(100):02d}"
                person = {"first": first, "last": last}
                agent = rng.choice(EN_AGENTS)
            else:
                (last, last_r), (first, first_r) = rng.choice(JA_LAST), rng.choice(JA_FIRST)
                name = f"{last} {first}"
                email = rng.choice(
                    [
                        f"{first_r}.{last_r}@{{d}}",
                        f"{last_r}{first_r[0]}{rng.randrange(70, 99)}@{{d}}",
                        f"{first_r}_{rng.randrange(100, 999)}@{{d}}",
                    ]
                ).replace("{d}", rng.choice(EMAIL_DOMAINS))
                phone = rng.choice(JA_PHONES)
                person = {"first": first, "last": last}
                agent = rng.choice(JA_AGENTS)
            order = _order_no(rng)
            values = {
                "order": order,
                "order_url": ORDER_URL.format(order),
                "phone": phone,
                "email": email,
                "name": name,
                "first": person["first"],
                "last": person["last"],
                "agent": agent,
                "addr": rng.choice(EN_ADDRESSES),
            }

            def fmt(text: str, values: dict[str, str] = values) -> str:
                for key, value in values.items():
                    text = text.replace("{" + key + "}", value)
                return text

            flags = sc["flags"]
            day = _day(rng, flags)
            if lang == "en":
                hour, minute, second = _clock(rng, 14, 30)  # 07:00-23:00 Pacific in UTC hours
            else:
                hour, minute, second = _clock(rng, 0, 14)  # 09:00-23:00 JST in UTC hours
            created = datetime.combine(
                WINDOW_START + timedelta(days=day), datetime.min.time(), tzinfo=UTC
            ) + timedelta(hours=hour, minutes=minute, seconds=second)
            created = min(created, datetime(2026, 11, 15, 23, 0, tzinfo=UTC))

            group = _agent_group(sc["tags"], lang)
            agents = AGENT_EN if lang == "en" else AGENT_JA
            agent_first = agents[group]
            agent_next = list(AGENT_EN_FOLLOWUP if lang == "en" else AGENT_JA_FOLLOWUP)
            if group in REFUND_GROUPS:
                agent_next.append(AGENT_EN_REFUND if lang == "en" else AGENT_JA_REFUND)
            by_group = (
                CUSTOMER_EN_FOLLOWUP_BY_GROUP if lang == "en" else CUSTOMER_JA_FOLLOWUP_BY_GROUP
            )
            cust_next = (
                list(CUSTOMER_EN_FOLLOWUP if lang == "en" else CUSTOMER_JA_FOLLOWUP)
                + by_group.get(group, []) * 3
            )
            cust_thanks = CUSTOMER_EN_THANKS if lang == "en" else CUSTOMER_JA_THANKS

            n_messages = rng.choices([2, 3, 4, 5], [30, 30, 22, 18])[0]
            if sc["follow"] and n_messages == 2:
                n_messages = 3
            plan = ["end-user", "agent", "end-user", "agent", "end-user"][:n_messages]
            if group == "sizing":  # a question gets advice, a problem gets the returns answer
                agent_first = [
                    agents["sizing"][1 if {"exchange", "mislabeled"} & set(sc["tags"]) else 0]
                ]
            if sc["channel"] == "chat":  # nobody writes "5 days later" in a live chat
                cust_next = [c for c in cust_next if not _WAITING.search(c)] or cust_thanks
            messages = []
            when = created
            for i, role in enumerate(plan):
                if i == 0:
                    body = sc["body"]
                elif role == "agent":
                    body = rng.choice(agent_first) if i == 1 else rng.choice(agent_next)
                elif i == 2 and sc["follow"]:
                    body = sc["follow"][0]
                elif i == 4 or (n_messages == 3 and rng.random() < 0.5):
                    body = rng.choice(cust_thanks)
                else:
                    body = rng.choice(cust_next)
                if i > 0:
                    if sc["channel"] == "chat":
                        when += timedelta(minutes=rng.randrange(2, 25))
                    else:
                        when += timedelta(hours=rng.triangular(0.5, 60, 6))
                        if role == "end-user" and _WAITING.search(body):
                            when += timedelta(hours=rng.triangular(30, 120, 60))
                messages.append(
                    {
                        "author_role": role,
                        "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "body": fmt(body),
                    }
                )
            # a thread cannot reach past the export: the export ran on 2026-11-16
            cutoff = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)
            messages = [
                m for m in messages if m["created_at"] < cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")
            ] or messages[:1]
            if len(messages) < 2:
                messages.append(
                    {
                        "author_role": "agent",
                        "created_at": (created + timedelta(minutes=35)).strftime(
                            "%Y-%m-%dT%H:%M:%SZ"
                        ),
                        "body": fmt(rng.choice(agent_first)),
                    }
                )
            last_role = messages[-1]["author_role"]
            thanked = messages[-1]["body"] in {fmt(t) for t in cust_thanks}
            recent = day >= WINDOW_DAYS - 14
            if last_role == "agent":
                status = (
                    rng.choice(["pending", "solved"])
                    if recent
                    else rng.choice(["solved", "solved", "closed"])
                )
            elif thanked:
                status = "solved" if recent else rng.choice(["solved", "closed"])
            else:
                status = "open"
            priority = "normal"
            if {"double_charge", "payment_error", "fraud", "missing_parcel"} & set(sc["tags"]):
                priority = "high" if "fraud" not in sc["tags"] else "urgent"
            elif {"feedback", "product_question", "sizing"} & set(sc["tags"]):
                priority = "low"
            tickets.append(
                {
                    "created": created,
                    "lang": lang,
                    "record": {
                        "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "subject": sc["subject"],
                        "status": status,
                        "priority": priority,
                        "tags": sc["tags"] + ([] if lang == "en" else ["ja"]),
                        "via": {"channel": sc["channel"]},
                        "requester": {"name": name, "email": email},
                        "comments": messages,
                    },
                }
            )
    tickets.sort(key=lambda t: t["created"])
    next_id = 48213
    records = []
    pii: dict[str, list] = {}
    pii_patterns = {
        "order_url": r"https://shop\.example\.com/orders/\d+",
        "phone": r"\(\d{3}\) 555-01\d\d|0\d0?-\d{4}-\d{4}",
        "email": r"[\w.]+@example\.(?:com|net|org)",
        "address": r"\d+ [A-Z][a-z]+ (?:Ave|Rd|St|Lane|Dr|Court)|〒\d{3}-\d{4}",
        "name_in_text": r"様宛て|\n\n[A-Z][a-z]+ [A-Z][a-z]+(?:\n|,|$)",
    }
    for t in tickets:
        rec = {"id": next_id, **t["record"]}
        next_id += rng.randrange(3, 45)  # other tickets (spam, internal) are not in the export
        records.append(rec)
        customer_text = "\n".join(
            m["body"] for m in rec["comments"] if m["author_role"] == "end-user"
        )
        for kind, pattern in pii_patterns.items():
            if re.search(pattern, customer_text) or (
                kind == "name_in_text" and rec["requester"]["name"] in customer_text
            ):
                pii.setdefault(kind, []).append(rec["id"])
    (out / "support_tickets.json").write_text(
        json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return pii


# --------------------------------------------------------------------------------------
# verification and command line
# --------------------------------------------------------------------------------------

CHANNELS = {
    "womens_clothing_reviews.csv": "review",
    "app_reviews_google_play.csv": "app_store",
    "cfpb_complaints.csv": "support",
    "survey_nps_export.csv": "survey",
    "survey_csat_ja_export.csv": "survey",
    "social_posts_ja.jsonl": "social",
    "support_tickets.json": "support",
}


def verify(out: Path) -> list[list[str]]:
    """Load every file as the pipeline will, check the planted defects; return a summary table."""
    import pandas as pd

    table = []
    problems = []

    def check(cond: object, message: str) -> None:
        if not cond:
            problems.append(message)

    p = out / "womens_clothing_reviews.csv"
    if p.exists():
        df = pd.read_csv(p, encoding="utf-8")
        check(len(df) == 2000, "womens: 2000 rows")
        check(df["Review Text"].isna().sum() > 0, "womens: some rows without Review Text")
        check(
            df["review_date"].between(WINDOW_START.isoformat(), WINDOW_END.isoformat()).all(),
            "womens: dates in window",
        )
        table.append(
            [
                p.name,
                str(len(df)),
                "utf-8",
                CHANNELS[p.name],
                f"{df['review_date'].min()} .. {df['review_date'].max()}",
                f"{df['Review Text'].isna().sum()} rows without Review Text (real)",
            ]
        )
    p = out / "app_reviews_google_play.csv"
    if p.exists():
        df = pd.read_csv(p, encoding="utf-16", dtype=str, keep_default_na=False)
        check(len(df) == 1584, "app reviews: 1584 rows")
        check(df["Review Id"].is_unique and df["Review Link"].is_unique, "app reviews: unique ids")
        garbled = df["Review Text"].str.contains(r"Ã|Â|â€|\x89", regex=True).sum()
        mangled = df["App Version Name"].str.fullmatch(r"\d\d/\d\d/\d\d").sum()
        table.append(
            [
                p.name,
                str(len(df)),
                "utf-8",
                CHANNELS[p.name],
                f"{df['Review Submit Date and Time'].min()[:10]} .. {df['Review Submit Date and Time'].max()[:10]}",
                f"real mojibake in ~{garbled} texts; {mangled} Excel-mangled versions (03/08/04)",
            ]
        )
    p = out / "cfpb_complaints.csv"
    if p.exists():
        df = pd.read_csv(p, encoding="utf-8", dtype=str, keep_default_na=False)
        check(
            len(df) == 101 and (df["Consumer complaint narrative"].str.strip() != "").all(),
            "cfpb: 101 narratives",
        )
        table.append(
            [
                p.name,
                str(len(df)),
                "utf-8",
                CHANNELS[p.name],
                f"{df['Date received'].min()} .. {df['Date received'].max()}",
                "XXXX masking in narratives (real)",
            ]
        )

    p = out / "survey_nps_export.csv"
    df = pd.read_csv(p, encoding="utf-8", dtype={"Response ID": str})
    score = df["How likely are you to recommend us to a friend or colleague?"]
    text = df["What is the main reason for your score?"]
    at = pd.to_datetime(df["Submitted At"], utc=True)
    pii = text.fillna("").str.contains(
        r"@example\.com|555-01\d\d|shop\.example\.com/orders/", regex=True
    )
    check(text.isna().sum() == 3, "nps: 3 empty comments")
    check((score > 10).sum() == 1, "nps: 1 impossible score")
    check(
        df.duplicated().sum() == 1 and df["Response ID"].duplicated().sum() == 1,
        "nps: 1 exact duplicate row",
    )
    check(pii.sum() == 2, "nps: 2 comments with PII")
    check(text.dropna().nunique() >= 150, "nps: >= 150 distinct comments")
    table.append(
        [
            p.name,
            str(len(df)),
            "utf-8",
            CHANNELS[p.name],
            f"{at.min().tz_convert('America/Los_Angeles').date()} .. {at.max().tz_convert('America/Los_Angeles').date()}",
            "3 empty comments, 1 score 11, 1 duplicate row, 2 PII comments, offset -07:00 -> -08:00 on 11-01",
        ]
    )

    p = out / "survey_csat_ja_export.csv"
    raw = p.read_bytes()
    try:
        raw.decode("shift_jis")
        sjis_fails = False
    except UnicodeDecodeError:
        sjis_fails = True
    check(sjis_fails, "csat: contains CP932-only characters (strict Shift_JIS must fail)")
    try:
        raw.decode("utf-8")
        check(False, "csat: must not be valid UTF-8")
    except UnicodeDecodeError:
        pass
    df = pd.read_csv(p, encoding="cp932")
    when = pd.to_datetime(df["回答日時"], format="%Y/%m/%d %H:%M")
    check(list(df.columns) == CSAT_COLUMNS, "csat: columns")
    check(df["満足度"].between(1, 5).all(), "csat: scores 1-5")
    check(
        when.min() >= pd.Timestamp(WINDOW_START)
        and when.max() < pd.Timestamp(WINDOW_END + timedelta(days=1)),
        "csat: in window",
    )
    table.append(
        [
            p.name,
            str(len(df)),
            "cp932, CRLF",
            CHANNELS[p.name],
            f"{when.min().date()} .. {when.max().date()} (JST)",
            f"{df['ご意見・ご感想'].isna().sum()} empty comments, 4 PII, ①/half-width kana/full-width, multi-line cells",
        ]
    )

    p = out / "social_posts_ja.jsonl"
    lines = p.read_text(encoding="utf-8").splitlines()
    records, bad = [], []
    for n, line in enumerate(lines, start=1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            bad.append(n)
    check(len(bad) == 1, "social: exactly 1 malformed line")
    check(sum(1 for r in records if r["text"] == "") == 1, "social: 1 empty text")
    check(len({r["id"] for r in records}) == len(records), "social: unique ids")
    created = pd.to_datetime(pd.Series([r["created_at"] for r in records]), utc=True)
    is_burst = pd.Series(["決済" in r["text"] or "payment" in r["text"].lower() for r in records])
    last2 = created >= pd.Timestamp(datetime(2026, 11, 2), tz="UTC")
    langs = pd.Series([r["lang"] for r in records]).value_counts().to_dict()
    check(
        int((is_burst & ~last2).sum()) <= 2 and int((is_burst & last2).sum()) >= 30,
        "social: payment-error burst in the last 2 weeks",
    )
    table.append(
        [
            p.name,
            f"{len(lines)} lines ({langs})",
            "utf-8",
            CHANNELS[p.name],
            f"{created.min().date()} .. {created.max().date()} (UTC)",
            f"1 truncated line (#{bad[0] if bad else '?'}), 1 empty text, 2 near-dup reposts, 3 shop-account posts, "
            f"決済エラー burst: {int((is_burst & last2).sum())} posts in the last 2 weeks vs {int((is_burst & ~last2).sum())} before",
        ]
    )

    p = out / "support_tickets.json"
    tickets = json.loads(p.read_text(encoding="utf-8"))
    ja = sum(1 for t in tickets if "ja" in t["tags"])
    check(all(2 <= len(t["comments"]) <= 5 for t in tickets), "tickets: 2-5 messages")
    check(
        all(t["comments"][0]["author_role"] == "end-user" for t in tickets),
        "tickets: customer writes first",
    )
    tc = pd.to_datetime(pd.Series([t["created_at"] for t in tickets]), utc=True)
    table.append(
        [
            p.name,
            f"{len(tickets)} ({len(tickets) - ja} en, {ja} ja)",
            "utf-8",
            CHANNELS[p.name],
            f"{tc.min().date()} .. {tc.max().date()} (UTC)",
            "invented PII in customers' messages (see README)",
        ]
    )

    size = sum(f.stat().st_size for f in out.iterdir() if f.is_file())
    check(size < 4 * 1024 * 1024, f"data/samples is {size} bytes, over 4 MB")
    if problems:
        raise SystemExit("verification failed:\n  " + "\n  ".join(problems))
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["real", "written"], help="build only one kind of file")
    parser.add_argument(
        "--shared-data",
        type=Path,
        default=Path(os.environ.get("VOC_SHARED_DATA", DEFAULT_SHARED)),
        help="folder with the real datasets (default: ../shared/data beside the checkout)",
    )
    parser.add_argument(
        "--out", type=Path, default=HERE, help="output folder (default: data/samples)"
    )
    parser.add_argument(
        "--verify", action="store_true", help="only load and check the files, print a summary"
    )
    parser.add_argument(
        "--defects", action="store_true", help="print where the planted defects are (JSON)"
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    if not args.verify:
        if args.only in (None, "real"):
            if not args.shared_data.is_dir():
                msg = f"skipping files 1-3: {args.shared_data} not found (it sits beside the checkout in CI)"
                if args.only == "real":
                    raise SystemExit(msg)
                print(msg, file=sys.stderr)
            else:
                build_womens_clothing(args.shared_data, out)
                build_app_reviews(args.shared_data, out)
                build_cfpb(args.shared_data, out)
        if args.only in (None, "written"):
            defects = {
                "survey_nps_export.csv": build_nps(out),
                "survey_csat_ja_export.csv": build_csat_ja(out),
                "social_posts_ja.jsonl": build_social(out),
                "support_tickets.json": build_tickets(out),
            }
            if args.defects:
                print(json.dumps(defects, ensure_ascii=False, indent=1))

    table = verify(out)
    header = ["file", "rows", "encoding", "channel", "date range", "planted / known defects"]
    widths = [max(len(str(row[i])) for row in [header, *table]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *table]:
        print(" | ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
