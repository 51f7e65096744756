"""Notifications shown to a vehicle's owner, and service records of visits to a dealer."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from fleetlink.domain.state import Severity


class NotificationType(StrEnum):
    """What a notification is about."""

    ALERT = "alert"
    MESSAGE = "message"
    RECALL = "recall"
    MAINTENANCE = "maintenance"
    SERVICE = "service"


@dataclass(frozen=True, slots=True)
class Notification:
    """A message to the owner about one vehicle."""

    id: str
    vehicle_id: int
    type: NotificationType
    severity: Severity
    title: str
    message: str
    created_at: datetime
    is_read: bool = False


@dataclass(frozen=True, slots=True)
class NotificationPage:
    """Notifications to show, with true counts over the whole vehicle."""

    notifications: tuple[Notification, ...]
    total: int
    unread_count: int


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """A visit to a dealer or workshop."""

    id: str
    vehicle_id: int
    category: str
    description: str
    service_date: date
    odometer_km: float | None = None
    dealer_code: str | None = None
    dealer_name: str | None = None
