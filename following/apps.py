from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowingConfig(AppConfig):
    name = "following"
    verbose_name = _("Following and digests")

    def ready(self):
        from accounts import registry as accounts_registry
        from following import registry, schedule, sections, services
        from following.templatetags.following import render_follow_button
        from portal import registry as portal_registry

        for followable in sections.FOLLOWABLES:
            registry.register_followable(followable)
        registry.register_digest_section(sections.NEWS)
        accounts_registry.on_news_opt_in(services.news_opt_in_changed)
        accounts_registry.register(
            accounts_registry.PersonalData(
                key="following",
                label=_("What I follow"),
                export=services.export,
                erase=services.erase,
                section_template="following/includes/my_following.html",
                section_context=lambda user: {
                    "follows": services.my_follows(user),
                    "subscriber": services.Subscriber.objects.filter(user=user).first(),
                },
                order=15,
            )
        )
        portal_registry.register_object_action("following", render_follow_button)
        portal_registry.register_sweep(portal_registry.Sweep("digests", schedule.start_due_runs, order=80))
