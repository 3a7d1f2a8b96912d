"""The Google Calendar API v3 emulator, tested for fidelity over real HTTP."""
