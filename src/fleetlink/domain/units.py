"""Unit conversions. Inside fleetlink everything is SI; façades convert at their edge."""

KM_PER_MILE = 1.609344


def km_to_miles(km: float) -> float:
    """Convert kilometres to statute miles."""
    return km / KM_PER_MILE


def miles_to_km(miles: float) -> float:
    """Convert statute miles to kilometres."""
    return miles * KM_PER_MILE


def kmh_to_mph(kmh: float) -> float:
    """Convert km/h to mph."""
    return kmh / KM_PER_MILE


def celsius_to_fahrenheit(celsius: float) -> float:
    """Convert °C to °F."""
    return celsius * 9.0 / 5.0 + 32.0


def fahrenheit_to_celsius(fahrenheit: float) -> float:
    """Convert °F to °C."""
    return (fahrenheit - 32.0) * 5.0 / 9.0
