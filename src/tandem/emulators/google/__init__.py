"""emulators/google."""
