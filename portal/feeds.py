from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from portal.models import News


class LatestNewsFeed(Feed):
    """Atom feed of the latest published news (never drafts or scheduled items)."""

    feed_type = Atom1Feed
    title = _("Pacific Alliance — News")
    subtitle = _("The latest news of the Pacific Alliance: Chile, Colombia, Mexico and Peru.")
    link = reverse_lazy("portal:news_list")

    def items(self):
        return News.objects.for_listing()[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.lead

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [topic.name for topic in item.topics.all()]

    def feed_url(self):
        return settings.SITE_URL + str(reverse_lazy("portal:news_feed"))
