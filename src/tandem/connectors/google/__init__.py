"""connectors/google: the Google Calendar API v3 as Tandem's `CalendarPort`.

    GoogleCalendar       the port (adapter.py), one instance for all users of an organisation
    GoogleSettings       the admin's key file, its password and the account email (CAL-2)
    Endpoints            where Google is (the emulator's addresses in tests and the demo)
    RetryPolicy          backoff with full jitter; the sleep and randomness are injectable
    load_key             a P12 (+ password) or JSON key -> ServiceAccountKey, or ConfigurationError
    diagnose             `await diagnose.test_connection(settings, user_email) -> list[Check]`

Modules: credentials (key files), tokens (delegated access tokens), client (calls,
quotaUser, retries, batches), batch (multipart format), events / recurrence (JSON <->
CalendarEvent), series (cancelled occurrences folded into their series), errors (the one
place where failures become `tandem.domain.errors`).
"""

from typing import TYPE_CHECKING

from tandem import lazy

if TYPE_CHECKING:
    from tandem.connectors.google.adapter import GoogleCalendar, default_http_client
    from tandem.connectors.google.credentials import ServiceAccountKey, load_json_key, load_key, load_p12_key
    from tandem.connectors.google.retry import RetryPolicy
    from tandem.connectors.google.settings import GOOGLE_API_ROOT, GOOGLE_TOKEN_URI, Endpoints, GoogleSettings
else:  # imported when first used (`tandem.lazy`): the settings without httpx and google-auth
    __getattr__ = lazy.exports(
        __name__,
        {
            "Endpoints": "settings",
            "GOOGLE_API_ROOT": "settings",
            "GOOGLE_TOKEN_URI": "settings",
            "GoogleCalendar": "adapter",
            "GoogleSettings": "settings",
            "RetryPolicy": "retry",
            "ServiceAccountKey": "credentials",
            "default_http_client": "adapter",
            "load_json_key": "credentials",
            "load_key": "credentials",
            "load_p12_key": "credentials",
        },
    )

__all__ = [
    "GOOGLE_API_ROOT",
    "GOOGLE_TOKEN_URI",
    "Endpoints",
    "GoogleCalendar",
    "GoogleSettings",
    "RetryPolicy",
    "ServiceAccountKey",
    "default_http_client",
    "load_json_key",
    "load_key",
    "load_p12_key",
]
