"""Word pools for the demo database. Every pool holds distinct words, so every name
built from them is distinct too (case and spacing included): a demo that plants
"equal names on different numbers" must not also grow some by accident."""

from __future__ import annotations

# fmt: off

COMPANY_WORDS = (
    "Aalto", "Borea", "Celsius", "Delta", "Eira", "Fjord", "Graniitti", "Halla", "Ilmari", "Jokiranta",
    "Kallio", "Lumi", "Meri", "Nordkap", "Otava", "Pohjola", "Revontuli", "Saimaa", "Tapio", "Ukko",
    "Vaski", "Wilho", "Ahjo", "Birka", "Carelia", "Dovre", "Eskola", "Folke", "Gotland", "Hiidenkivi",
    "Kaleva", "Lappi", "Mustikka", "Nuuksio", "Oras", "Puolukka", "Rauta", "Sisu", "Tuuli", "Utsjoki",
    "Valkea", "Ylva", "Aava", "Bjork", "Kuura", "Lehto", "Mantere", "Niemi", "Ranta", "Salo",
    "Tammi", "Vuori", "Koivu", "Kuusi", "Paju", "Pihlaja", "Vaahtera", "Haapa", "Leppa", "Kataja",
)
COMPANY_KINDS = (
    "Consulting", "Logistics", "Systems", "Foods", "Energy", "Design", "Build", "Analytics",
    "Media", "Health", "Textiles", "Marine", "Robotics", "Timber", "Finance", "Partners",
    "Labs", "Retail", "Metals", "Software", "Travel", "Print", "Water", "Care",
    "Optics", "Audio", "Garden", "Pharma", "Mining", "Studios", "Security", "Capital",
    "Motors", "Paper", "Glass", "Ventures", "Dairy", "Solar", "Freight", "Learning",
)
LEGAL_FORMS = ("Oy", "Ab", "AS", "AG", "Ltd", "GmbH", "Oyj", "ApS")

FIRST_NAMES = (
    "Aino", "Eino", "Helmi", "Onni", "Sofia", "Leo", "Ilona", "Elias", "Venla", "Oliver",
    "Lilja", "Väinö", "Emma", "Toivo", "Aada", "Eetu", "Kerttu", "Lauri", "Ella", "Mikael",
    "Saga", "Anton", "Iida", "Juho", "Enni", "Matias", "Pihla", "Joona", "Siiri", "Niilo",
    "Anna Maria", "Karl", "Ingrid", "Sven", "Freja", "Nils", "Astrid", "Olav", "Maja", "Erik",
    "Liv", "Henrik", "Tuva", "Magnus", "Elsa", "Oskar", "Selma", "Gustav", "Alva", "Hugo",
    "Linnea", "Axel", "Wilma", "Emil", "Tilda", "Viktor", "Greta", "Arvid", "Ebba", "Otto",
)
LAST_NAMES = (
    "Virtanen", "Korhonen", "Nieminen", "Mäkinen", "Hämäläinen", "Laine", "Heikkinen", "Koskinen",
    "Järvinen", "Lehtonen", "Saarinen", "Salminen", "Heinonen", "Niemi", "Heikkilä", "Kinnunen",
    "Salonen", "Turunen", "Salo", "Laitinen", "Tuominen", "Rantanen", "Karjalainen", "Jokinen",
    "Mattila", "Savolainen", "Lahtinen", "Ahonen", "Lindqvist", "Andersson", "Johansson", "Karlsson",
    "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson", "Pettersson",
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "van Dijk", "Berg", "Haugen", "Hagen", "Bakken", "Dahl", "Lund", "Moen",
    "Strand", "Eide",
)

DEPARTMENT_FUNCTIONS = (
    "Sales", "Consulting", "Finance", "People", "Development", "Support", "Marketing", "Operations",
    "Design", "Legal", "Data", "Cloud", "Security", "Training", "Projects", "Procurement",
)
CITIES = (
    "Helsinki", "Espoo", "Tampere", "Turku", "Oulu", "Jyväskylä", "Kuopio", "Lahti", "Vaasa", "Pori",
    "Stockholm", "Göteborg", "Malmö", "Oslo", "Bergen", "Trondheim", "Copenhagen", "Aarhus", "Tallinn", "Riga",
)

PRODUCT_GRADES = (
    "Basic", "Standard", "Premium", "Enterprise", "Starter", "Advanced", "Express", "Extended",
    "Annual", "Monthly", "Onsite", "Remote", "Priority", "Flex", "Team", "Campus",
)
PRODUCT_ITEMS = (
    "Support Hours", "Licence", "Workshop", "Training Day", "Audit", "Maintenance", "Hosting",
    "Backup Service", "Health Check", "Migration", "Integration", "Report Pack", "Design Sprint",
    "Security Review", "Data Cleanup", "Onboarding", "Helpdesk", "Travel Day", "Kilometre Allowance",
    "Per Diem", "Hardware Kit", "Cloud Credits", "API Access", "Dashboard", "Mentoring",
)

PROJECT_TOPICS = (
    "ERP rollout", "CRM upgrade", "Web shop", "Data lake", "BI reports", "Cloud move", "Mobile app",
    "Intranet", "Audit", "Security", "Payroll", "Onboarding", "Warehouse", "Portal", "Chatbot",
    "Migration", "Pricing", "Analytics", "Helpdesk", "Training", "Rebrand", "API layer", "Archive",
    "Forecasts", "Billing",
)

# fmt: on
