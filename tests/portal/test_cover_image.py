"""One cover image for every type that has one (portal.models.CoverImage): the same fields,
constraint and text-alternative rule on news, events and publications, and one form check."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from PIL import Image

from events.models import Event
from observatory.models import Publication
from portal.models import CoverImage, News
from tests.events.factories import PublishedEventFactory
from tests.events.test_admin import _change_data
from tests.factories import CountryFactory, PublishedNewsFactory
from tests.observatory.factories import PublishedPublicationFactory

pytestmark = pytest.mark.django_db

FACTORIES = {News: PublishedNewsFactory, Event: PublishedEventFactory, Publication: PublishedPublicationFactory}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def members(db):
    return [CountryFactory(code=code) for code in ("CL", "CO", "MX", "PE")]


def png(name="cover.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.mark.parametrize("model", list(FACTORIES), ids=lambda model: model.__name__)
def test_every_type_has_the_same_cover_fields_and_rule(model, members):
    assert issubclass(model, CoverImage)
    item = FACTORIES[model]()
    item.cover_image = "covers/a-photo.png"
    item.cover_alt_en, item.cover_alt_es = "", "Una foto del foro"
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    # The main language's text alternative is required (the Spanish page falls back to it).
    assert refused.value.message_dict["cover_alt_en"] == ["Describe the cover image: a text alternative is required."]
    item.cover_alt_en = "The forum's opening panel"
    item.full_clean()


@pytest.mark.parametrize("model", list(FACTORIES), ids=lambda model: model.__name__)
def test_the_database_refuses_an_image_without_a_text_alternative(model, members):
    item = FACTORIES[model]()
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=item.pk).update(cover_image="covers/a-photo.png", cover_alt="")


def test_an_event_image_without_a_text_alternative_is_a_message_on_the_form(editor_client, members):
    event = PublishedEventFactory()
    data = _change_data(editor_client, event, cover_image=png())
    response = editor_client.post(reverse("admin:events_event_change", args=[event.pk]), data)
    assert response.status_code == 200  # not an error page
    assert response.context["adminform"].form.errors["cover_alt_en"] == [
        "Describe the cover image: a text alternative is required."
    ]
    data = _change_data(editor_client, event, cover_image=png(), cover_alt_en="The forum's opening panel")
    assert editor_client.post(reverse("admin:events_event_change", args=[event.pk]), data).status_code == 302
    event.refresh_from_db()
    assert event.cover_image.name.startswith(f"events/{event.updated_at:%Y}/")
