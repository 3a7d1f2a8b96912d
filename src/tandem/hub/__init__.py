"""The PSA hub: ORM models, services (the business rules) and the Severa-shaped REST API."""
