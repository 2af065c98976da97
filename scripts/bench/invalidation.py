#!/usr/bin/env python
"""How much of the page cache one publish leaves standing, on the large dataset, in-process.

    .venv/bin/python scripts/bench/invalidation.py --pages 400 --out var/bench/invalidation.json

With the anonymous page cache on, in the configured cache (Redis in the benchmark): caches the
detail pages of --pages published items (news, publications, events and indicators, a quarter
each, drawn with a fixed seed) and the pages where a new news item appears (home, the news
list, its topic's and its country's listing, a search for a word of its title); publishes one
news item (``portal.services.publish`` of a new draft with the topic and country of one of the
dataset's news, as an editor would); then asks for every page again. Reports the share of the
other items' pages that are still hits (the issue's target: at least 95%), which of them missed
(those whose related news it joins) and whether each listing shows it; and whether the lists of
other types (the library, the events list, the observatories) and another topic's news listing,
cached before, are still hits (list pages declare the types they list). The publish stays in
the database: run it on the benchmark's throwaway copy, after the other steps.
"""

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from boot import boot

TARGET = 0.95
TITLE = "Benchmark: ministers sign the maritime cabotage protocol"


def detail_pages(count: int) -> list[tuple[str, str]]:
    from events.models import Event
    from observatory.models import Indicator, Publication
    from portal.models import News

    rng = random.Random(20261201)
    reads = {
        "news": News.objects.published(),
        "publication": Publication.objects.published(),
        "event": Event.objects.published(),
        "indicator": Indicator.objects.public().select_related("observatory"),
    }
    pages = []
    for kind, queryset in reads.items():
        ids = list(queryset.order_by().values_list("pk", flat=True)[:20000])
        chosen = rng.sample(ids, min(len(ids), count // len(reads)))
        pages += [(kind, item.get_absolute_url()) for item in queryset.filter(pk__in=chosen)]
    return pages


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    boot()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from portal import services
    from portal.models import News, Topic
    from portal.roles import EDITORS

    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(ANONYMOUS_PAGE_CACHE=True, ALLOWED_HOSTS=hosts):
        client = Client()
        pages = detail_pages(args.pages)
        model = News.objects.published().filter(topics__isnull=False, countries__isnull=False).first()
        topic, country = model.topics.first(), model.countries.first()
        other_topic = Topic.objects.exclude(pk=topic.pk).order_by("pk").first()
        news_list = reverse("portal:news_list")
        listings = {
            "home": reverse("portal:home"),
            "news list": news_list,
            "topic listing": f"{news_list}?topic={topic.slug}",
            "country listing": f"{news_list}?country={country.code}",
            "search": f"{reverse('portal:search')}?q=cabotage",
        }
        others_lists = {
            "library": reverse("observatory:publication_list"),
            "events list": reverse("events:event_list"),
            "observatories": reverse("observatory:observatory_list"),
            "another topic's news": f"{news_list}?topic={other_topic.slug}",
        }
        urls = [url for _kind, url in pages] + list(listings.values()) + list(others_lists.values())
        for url in urls:
            client.get(url)
        cached = {url for url in urls if client.get(url).get("X-Cache") == "hit"}
        editor = get_user_model().objects.filter(groups__name=EDITORS, is_active=True).first()
        draft = News.objects.create(
            title=TITLE,
            slug="benchmark-maritime-cabotage-protocol",
            lead="The four member countries open coastal shipping to one another's fleets.",
            body="<p>Signed at the ministerial meeting.</p>",
            author=editor,
        )
        draft.topics.add(topic)
        draft.countries.add(country)
        services.publish(item=draft, actor=editor)
        others = [(kind, url) for kind, url in pages if url in cached]
        missed = [(kind, url) for kind, url in others if client.get(url).get("X-Cache") != "hit"]
        kept = {label: client.get(url).get("X-Cache") == "hit" for label, url in others_lists.items() if url in cached}
        shown = {label: TITLE in client.get(url).content.decode() for label, url in listings.items()}
    ratio = 1 - len(missed) / len(others) if others else 0.0
    by_kind = {kind: sum(1 for k, _url in others if k == kind) for kind, _url in pages}
    missed_by_kind = {kind: sum(1 for k, _url in missed if k == kind) for kind in by_kind}
    result = {
        "pages": len(others),
        "still_hits": len(others) - len(missed),
        "hit_ratio": round(ratio, 4),
        "pages_by_kind": by_kind,
        "missed_by_kind": missed_by_kind,
        "missed": [url for _kind, url in missed],
        "shown_at_once": shown,
        "other_lists_still_hits": kept,
        "target": TARGET,
        "ok": ratio >= TARGET and all(shown.values()),
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"After one publish: {result['still_hits']} of {result['pages']} other detail pages still hits "
        f"({ratio:.1%}, target ≥ {TARGET:.0%}); shown at once on: "
        + ", ".join(f"{label} {'✓' if ok else '✗'}" for label, ok in shown.items())
        + "; other lists still hits: "
        + ", ".join(f"{label} {'✓' if ok else '✗'}" for label, ok in kept.items())
    )


if __name__ == "__main__":
    main()
