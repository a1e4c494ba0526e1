"""The demo RTO: plain data that `flask seed-demo` loads and the Canvas simulator's
demo seed mirrors (course section SIS id "121", modules named after its units and tasks).

Unit codes and titles are real national units from training.gov.au.
"""

from datetime import date

PROGRAMS = {
    "BSB41419": "Certificate IV in Work Health and Safety",
    "BSB40120": "Certificate IV in Business",
}

UNITS = [
    ("BSBWHS411", "Implement and monitor WHS policies, procedures and programs"),
    ("BSBWHS412", "Assist with workplace compliance with WHS laws"),
    ("BSBWHS413", "Contribute to implementation and maintenance of WHS consultation and participation processes"),
    ("BSBWHS414", "Contribute to WHS risk management"),
    ("BSBWHS415", "Contribute to implementing WHS management systems"),
    ("BSBWHS416", "Contribute to workplace incident response"),
    ("BSBCRT411", "Apply critical thinking to work practices"),
    ("BSBOPS404", "Implement customer service strategies"),
    ("BSBPEF402", "Develop personal work priorities"),
    ("BSBSUS411", "Implement and monitor environmentally sustainable work practices"),
    ("BSBTWK401", "Build and maintain business relationships"),
    ("BSBXCM401", "Apply communication strategies in the workplace"),
]

WHS_UNITS = ["BSBWHS411", "BSBWHS412", "BSBWHS413", "BSBWHS414", "BSBWHS415", "BSBWHS416"]
BUSINESS_UNITS = ["BSBCRT411", "BSBOPS404", "BSBPEF402", "BSBSUS411", "BSBTWK401", "BSBXCM401"]

# Each task: (name, units it starts, units it completes). A task that completes
# two units is how one Canvas module reaches several units.
WHS_TASKS = [
    ("Assessment 1 - WHS policies and compliance", ["BSBWHS411", "BSBWHS412"], ["BSBWHS411", "BSBWHS412"]),
    ("Assessment 2 - Consultation and participation", ["BSBWHS413"], ["BSBWHS413"]),
    ("Assessment 3 - Risk management project", ["BSBWHS414", "BSBWHS415"], ["BSBWHS414"]),
    ("Assessment 4 - Incident response and WHS systems", ["BSBWHS416"], ["BSBWHS415", "BSBWHS416"]),
]
BUSINESS_TASKS = [
    ("Assessment 1 - Written questions", ["BSBCRT411", "BSBPEF402"], ["BSBPEF402"]),
    ("Assessment 2 - Customer service project", ["BSBOPS404"], ["BSBOPS404", "BSBCRT411"]),
    ("Assessment 3 - Workplace portfolio", ["BSBSUS411", "BSBTWK401", "BSBXCM401"],
     ["BSBSUS411", "BSBTWK401", "BSBXCM401"]),
]

# (id, name, program code, start, end, status name, units, tasks)
OCCURRENCES = [
    (119, "WHS Cert IV - Sydney - 2026 Term 1", "BSB41419", date(2026, 2, 2), date(2026, 11, 27),
     "Finished", WHS_UNITS, WHS_TASKS),
    (120, "Business Cert IV - Parramatta - 2026 Semester 2", "BSB40120", date(2026, 7, 13), date(2027, 6, 25),
     "In progress", BUSINESS_UNITS, BUSINESS_TASKS),
    (121, "WHS Cert IV - Online - 2026 Term 4", "BSB41419", date(2026, 10, 5), date(2027, 9, 24),
     "In progress", WHS_UNITS, WHS_TASKS),
]

_FIRST = ["Olivia", "Liam", "Charlotte", "Noah", "Amelia", "Jack", "Isla", "William", "Mia", "Oliver",
          "Ava", "Henry", "Grace", "Thomas", "Chloe", "Lucas", "Zoe", "James", "Ruby", "Ethan",
          "Sophie", "Leo", "Harper", "Mason", "Ella", "Archie", "Matilda", "Hunter", "Evie", "Cooper",
          "Willow", "Harrison", "Sienna", "Lachlan", "Layla", "Riley", "Frankie", "Hamish", "Aaliyah", "Kai"]
_LAST = ["Nguyen", "Smith", "Wilson", "Brown", "Tran", "Taylor", "Kelly", "Singh", "Martin", "Anderson",
         "Walker", "White", "Harris", "Lee", "Ryan", "Thompson", "Robinson", "Campbell", "Chen", "Murphy",
         "O'Brien", "Patel", "Jones", "King", "Wright", "Clarke", "Scott", "Young", "Mitchell", "Hall",
         "Baker", "Turner", "Edwards", "Evans", "Ali", "Hughes", "Green", "Cooper", "Morris", "Rossi"]


def clients() -> list[dict]:
    """About forty students with unique client codes C0001... and believable details."""
    rows = []
    for i, (first, last) in enumerate(zip(_FIRST, _LAST), start=1):
        handle = f"{first}.{last}".lower().replace("'", "")
        rows.append({
            "code": f"C{i:04d}",
            "first_name": first,
            "last_name": last,
            "email": f"{handle}@student.example.edu.au",
            "date_of_birth": date(1975 + (i * 7) % 30, 1 + i % 12, 1 + (i * 3) % 28),
        })
    return rows


# Which clients are enrolled where (by client number 1..40), and how.
ENROLMENTS = {
    119: range(1, 13),
    120: range(11, 27),
    121: range(25, 41),
}

STAFF = [
    # (username, display name, role)
    ("admin", "Alex Admin", "Administrator"),
    ("trainer", "Terry Trainer", "Trainer"),
    ("viewer", "Robin Readonly", "Read only"),
]
