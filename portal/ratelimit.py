"""Allowances per person or per address: "at most N in this window", kept in the cache.

Every limit of the portal's own (comments, reports, newsletter sign-ups) goes through
``take_allowance``; allauth and the API keep their own. A fixed window in the cache, shared
between app servers when REDIS_URL is set (each process's own memory otherwise).
"""

import hashlib
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """``"5/h"``, ``"20/10m"`` → Rate(5, 3600), Rate(20, 600)."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", text or "")
        if not match:
            raise ValueError(f"Not a rate: {text!r} (expected e.g. 5/h or 20/10m).")
        amount, count, unit = match.groups()
        return cls(int(amount), int(count or 1) * _PERIODS[unit])


def take_allowance(*, scope: str, key: str, rate: str) -> bool:
    """Use one unit of ``rate`` for ``key`` in ``scope``; False when none is left in the current window."""
    limit = Rate.parse(rate)
    window = int(timezone.now().timestamp()) // limit.seconds
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"portal:rate:{scope}:{digest}:{window}"
    cache.add(cache_key, 0, timeout=limit.seconds + 5)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=limit.seconds + 5)
        used = 1
    return used <= limit.amount
