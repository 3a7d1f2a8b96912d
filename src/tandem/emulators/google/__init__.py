"""A Google Calendar API v3 emulator (with its OAuth token endpoint) for tests, benchmarks
and the demo. It models Google, not Tandem: nothing here imports Tandem's own code.

    GoogleEmulator    the emulated domain: users, service accounts, calendars, controls
    EmulatorServer    serves it on 127.0.0.1 in a background thread
    FaultRule         injected failures (shares of 500/503/429, slow answers)
    ServiceAccount    an account and its key (writes key.p12 / key.json)
    Notification      one email Google would have sent
"""

from tandem.emulators.google.accounts import ServiceAccount
from tandem.emulators.google.limits import FaultRule
from tandem.emulators.google.server import EmulatorServer
from tandem.emulators.google.sharing import Notification
from tandem.emulators.google.state import CALENDAR_SCOPE, GoogleEmulator

__all__ = ["CALENDAR_SCOPE", "EmulatorServer", "FaultRule", "GoogleEmulator", "Notification", "ServiceAccount"]
