from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = _("Organisations")

    def ready(self):
        from accounts.registry import PersonalData, register
        from organisations import emails, services
        from organisations.roles import ORGANISATIONS_GRANTS
        from portal import registry
        from portal.roles import register_grants

        register_grants("organisations", ORGANISATIONS_GRANTS)
        registry.register_sweep(registry.Sweep("organisation-invitations", emails.send_owed_invitations, order=60))
        register(
            PersonalData(
                key="organisations",
                label=_("My organisations"),
                export=services.export_memberships,
                erase=services.erase_memberships,
                section_template="organisations/includes/my_organisations.html",
                section_context=services.my_organisations_section,
                order=40,
            )
        )
