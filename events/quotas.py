"""The seat counting rule with quotas (docs/events.md, "Quotas"). Reads only: the moves that
take a seat (events.services.registration) call ``SeatPlan`` under the event's row lock.

For the seats of one mode (a hybrid event's room or online seats; any other event's seats):

- a quota reserves ``share``% of the seats, rounded down; while it is *open* (kept, or before
  its release time) its reserved seats that are not taken go only to participants who match it;
- a matching participant takes a reserved seat first, from the open quota they match with the
  most free reserved seats (once, in one quota), else an unreserved seat;
- anyone takes an unreserved seat: the seats minus those taken minus the open quotas' free
  reserved seats;
- after its release time a "released" quota is no longer open: its free seats are unreserved.
"""

from dataclasses import dataclass, field

from django.db.models import Count

from accounts.models import Profile
from events.models import Event, Registration, SeatQuota
from organisations.models import Membership, SizeClass

MSME_SIZES = (SizeClass.MICRO, SizeClass.SMALL, SizeClass.MEDIUM)


@dataclass(frozen=True)
class Traits:
    """What quotas read of a participant: their profile, and their active organisations."""

    sector: str = ""
    country: str = ""
    is_msme: bool = False
    is_led_by_women: bool = False

    def match(self, quota: SeatQuota) -> bool:
        match quota.category:
            case SeatQuota.Category.MSME:
                return self.is_msme
            case SeatQuota.Category.LED_BY_WOMEN:
                return self.is_led_by_women
            case SeatQuota.Category.SECTOR:
                return self.sector == quota.sector
            case SeatQuota.Category.COUNTRY:
                return self.country == str(quota.country)
        return False


def traits_of(user_ids) -> dict[int, Traits]:
    """The traits of these people, in two queries (profiles; organisations of active members)."""
    user_ids = list(user_ids)
    profiles = dict(
        (user_id, (sector, str(country)))
        for user_id, sector, country in Profile.objects.filter(user_id__in=user_ids).values_list(
            "user_id", "sector", "country"
        )
    )
    msme, led_by_women = set(), set()
    memberships = Membership.objects.active().filter(person_id__in=user_ids)
    for person_id, size, is_led_by_women in memberships.values_list(
        "person_id", "organisation__size_class", "organisation__is_led_by_women"
    ):
        if size in MSME_SIZES:
            msme.add(person_id)
        if is_led_by_women:
            led_by_women.add(person_id)
    return {
        user_id: Traits(
            sector=profiles.get(user_id, ("", ""))[0],
            country=profiles.get(user_id, ("", ""))[1],
            is_msme=user_id in msme,
            is_led_by_women=user_id in led_by_women,
        )
        for user_id in user_ids
    }


def quotas_for(event: Event, mode: str, quotas=None) -> list[SeatQuota]:
    """The quotas that apply to the seats of ``mode`` (a quota without a mode applies to each)."""
    quotas = list(event.quotas.all()) if quotas is None else quotas
    if not event.is_hybrid:
        return quotas
    return [quota for quota in quotas if quota.mode in ("", mode)]


@dataclass(frozen=True)
class Offer:
    """The seat a participant would get: ``has_seat``, from ``quota`` (None: unreserved); when
    there is none, ``reserved_only`` says that seats are left but all are reserved for others."""

    has_seat: bool
    quota: SeatQuota | None = None
    reserved_only: bool = False
    reserved_for: tuple[str, ...] = ()


@dataclass
class QuotaUse:
    quota: SeatQuota
    reserved: int | None  # None: the seats are unlimited, nothing is reserved
    taken: int
    is_open: bool

    @property
    def free(self) -> int | None:
        if self.reserved is None:
            return None
        return max(self.reserved - self.taken, 0) if self.is_open else 0


@dataclass
class SeatPlan:
    """The seats of one mode of an event, as the counting rule sees them at ``now``; ``take``
    keeps it up to date while a move assigns several seats (the waiting list)."""

    seats: int | None
    taken: int
    uses: list[QuotaUse] = field(default_factory=list)

    @classmethod
    def of(cls, event: Event, mode: str, *, now, quotas=None) -> "SeatPlan":
        """Two queries: the quotas (unless given) and the seats taken per quota."""
        mode = mode if event.is_hybrid else ""
        seated = Registration.objects.filter(event=event, status__in=Registration.SEATED)
        if event.is_hybrid:
            seated = seated.filter(mode=mode)
        counts = seated.order_by().values_list("quota").annotate(count=Count("pk")).values_list("quota", "count")
        per_quota = dict(counts)
        seats = event.seats_for(mode)
        uses = [
            QuotaUse(
                quota=quota,
                reserved=None if seats is None else seats * quota.share // 100,
                taken=per_quota.get(quota.pk, 0),
                is_open=quota.is_open(now),
            )
            for quota in quotas_for(event, mode, quotas)
        ]
        return cls(seats=seats, taken=sum(per_quota.values()), uses=uses)

    @property
    def free(self) -> int | None:
        return None if self.seats is None else max(self.seats - self.taken, 0)

    @property
    def unreserved_free(self) -> int | None:
        if self.seats is None:
            return None
        return max(self.seats - self.taken - sum(use.free for use in self.uses), 0)

    def offer(self, traits: Traits) -> Offer:
        if self.seats is None:
            return Offer(has_seat=True)
        matching = [use for use in self.uses if use.free and traits.match(use.quota)]
        if matching:
            best = max(matching, key=lambda use: (use.free, -use.quota.pk))
            return Offer(has_seat=True, quota=best.quota)
        if self.unreserved_free:
            return Offer(has_seat=True)
        if self.free:
            held = tuple(use.quota.label for use in self.uses if use.free)
            return Offer(has_seat=False, reserved_only=True, reserved_for=held)
        return Offer(has_seat=False)

    def take(self, offer: Offer) -> None:
        self.taken += 1
        for use in self.uses:
            if offer.quota is not None and use.quota.pk == offer.quota.pk:
                use.taken += 1
