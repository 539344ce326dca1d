#!/usr/bin/env python3
"""Generate the bundled demo tickets for Issue Miner.

Writes, next to this script:
  sample_tickets.jsonl         Zendesk-like tickets, one JSON object per line
  sample_tickets.labels.jsonl  ground truth: product issues per ticket

Everything here is synthetic and was written for this project: customers,
people, phone numbers (555-01xx), SSNs (000-xx-xxxx / 0xx-00-xxxx), bank
numbers (test routing 110000000) and card numbers (4111 1111 1111 1111).

Deterministic: stdlib only, a single random.Random(42); re-running it
reproduces both files byte for byte.

Usage:
  python3 generate_sample_tickets.py           # (re)write the two files
  python3 generate_sample_tickets.py --check   # validate the files, print stats
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
import random

SEED = 42
HERE = Path(__file__).resolve().parent
TICKETS_PATH = HERE / "sample_tickets.jsonl"
LABELS_PATH = HERE / "sample_tickets.labels.jsonl"

START = dt.date(2026, 10, 24)          # day index 0 (a Saturday)
N_DAYS = 30                             # .. 2026-11-22 (day index 29)
SNAPSHOT = dt.datetime(2026, 11, 23, 0, 0)   # export time (UTC, naive)
WINDOW_END = dt.datetime(2026, 11, 22, 23, 59)
LAST7_FROM = 23                         # 2026-11-16
FIRST14_TO = 13                         # 2026-11-06

N_TICKETS = 600
N_NO_ISSUE = 72      # 12 %
N_TWO_ISSUE = 72     # 12 %
FIRST_TICKET_ID = 40001
FIRST_COMMENT_ID = 7000001

PRODUCT = "Clockwell"

# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------

FEMALE_NAMES = [
    "Dana", "Priya", "Latoya", "Rosa", "Angela", "Megan", "Karen", "Yolanda", "Nicole", "Amy", "Heather", "Jennifer",
    "Stephanie", "Melissa", "Lisa", "Tanya", "Maria", "Erin", "Rachel", "Brenda", "Ashley", "Monica", "Sarah", "Gloria",
    "Kimberly", "Patrice", "Lauren", "Denise", "Holly", "Renee", "Shanice", "Courtney", "Beth", "Crystal", "Tiffany",
    "Mei", "Alejandra", "Keisha", "Jasmine", "Wendy", "Ana", "Bianca", "Imani", "Guadalupe", "Sonia",
]
MALE_NAMES = [
    "Marcus", "Kevin", "Brian", "Tom", "Jamal", "Luis", "Derek", "Steve", "Hector", "Tyrone", "Omar", "Carlos", "Raj",
    "Andre", "Victor", "Greg", "Josh", "Khalid", "Manuel", "Chris", "Darnell", "Ivan", "Trevor", "Wei", "Jorge", "Ryan",
    "Samuel", "Tuan", "Francisco", "Eric", "Paul", "Mohammed", "Diego", "Aaron", "Nate", "Curtis", "Dustin", "Frank",
    "Hyun", "Travis", "Jeff", "Scott", "Pete", "Cody", "Walter",
]
FIRST_NAMES = FEMALE_NAMES + MALE_NAMES
LAST_NAMES = [
    "Ruiz", "Johnson", "Patel", "Nguyen", "Williams", "O'Connor", "Garcia", "Kowalski", "Brooks", "Chen",
    "Hernandez", "Murphy", "Washington", "Schmidt", "Lopez", "Kim", "Jackson", "Russo", "Martinez", "Baker",
    "Okafor", "Reyes", "Thompson", "Singh", "Castillo", "Walsh", "Davis", "Ramirez", "Foster", "Tran",
    "Morales", "Bennett", "Clark", "Alvarez", "Hughes", "Park", "Sullivan", "Flores", "Coleman", "Ortiz",
    "Fischer", "Robinson", "Delgado", "Price", "Novak", "Jenkins", "Vargas", "Hoang", "Stewart", "Mendoza",
    "Carter", "Dubois", "Gutierrez", "Shah", "Phillips", "Romero", "Bishop", "Yamamoto", "Greene", "Santos",
    "Howard", "Ibrahim", "Lindqvist", "Perez", "Mitchell", "Abernathy", "Torres", "Wright", "Le", "Moreno",
]
ADMIN_TITLES = [
    "Payroll Manager", "HR Manager", "HR Generalist", "Payroll Specialist", "Office Manager",
    "Operations Manager", "Controller", "Owner", "General Manager", "Director of Operations",
    "HR Coordinator", "Payroll & Benefits Administrator", "Accounting Manager", "IT Manager",
    "VP of People", "Bookkeeper", "Regional Manager", "Payroll Administrator",
]
AGENTS = [
    (400101, "Priya Natarajan"), (400102, "Marcus Bell"), (400103, "Jenna Okafor"),
    (400104, "Luis Romero"), (400105, "Hannah Cho"), (400106, "Devon Price"),
    (400107, "Sam Whitaker"), (400108, "Alicia Moreno"),
]
PERSONAL_DOMAINS = ["gmail.com", "gmail.com", "gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com"]

AREA_CODES = {
    "AZ": ["602", "480"], "CO": ["303", "720"], "CA": ["213", "415", "559", "916", "619", "408", "510", "909", "209"],
    "IL": ["312", "773"], "OH": ["614", "937"], "PA": ["610", "215"], "TX": ["512", "214", "713"],
    "NY": ["212", "718"], "TN": ["615"], "WA": ["206", "253"], "MO": ["816", "314"], "NJ": ["201", "973"],
    "GA": ["404", "770"], "NE": ["402"], "NC": ["704", "919"], "LA": ["504"], "FL": ["813", "305"],
    "MA": ["617", "508"], "MI": ["313", "616"], "WI": ["414"], "MS": ["601"], "CT": ["203"],
    "VA": ["703"], "NV": ["702"], "UT": ["801"], "ME": ["207"], "KS": ["316", "913"], "AR": ["501"],
    "VT": ["802"], "MN": ["612"], "IA": ["515"], "OR": ["503"], "SC": ["843"], "DE": ["302"],
    "RI": ["401"], "IN": ["317"], "AL": ["205"], "MT": ["406"],
}
STATE_NAMES = {
    "AZ": "Arizona", "CO": "Colorado", "CA": "California", "IL": "Illinois", "OH": "Ohio",
    "PA": "Pennsylvania", "TX": "Texas", "NY": "New York", "TN": "Tennessee", "WA": "Washington",
    "MO": "Missouri", "NJ": "New Jersey", "GA": "Georgia", "NE": "Nebraska", "NC": "North Carolina",
    "LA": "Louisiana", "FL": "Florida", "MA": "Massachusetts", "MI": "Michigan", "WI": "Wisconsin",
    "MS": "Mississippi", "CT": "Connecticut", "VA": "Virginia", "NV": "Nevada", "UT": "Utah",
    "ME": "Maine", "KS": "Kansas", "AR": "Arkansas", "VT": "Vermont", "MN": "Minnesota", "IA": "Iowa",
    "OR": "Oregon", "SC": "South Carolina", "DE": "Delaware", "RI": "Rhode Island", "IN": "Indiana",
    "AL": "Alabama", "MT": "Montana",
}
# standard-time UTC offsets; DST (+1) applies before 2026-11-01 except AZ
STATE_TZ = {
    "AZ": ("America/Phoenix", -7, False), "CO": ("America/Denver", -7, True), "UT": ("America/Denver", -7, True),
    "MT": ("America/Denver", -7, True), "CA": ("America/Los_Angeles", -8, True), "WA": ("America/Los_Angeles", -8, True),
    "OR": ("America/Los_Angeles", -8, True), "NV": ("America/Los_Angeles", -8, True),
    "IL": ("America/Chicago", -6, True), "TX": ("America/Chicago", -6, True), "TN": ("America/Chicago", -6, True),
    "MO": ("America/Chicago", -6, True), "NE": ("America/Chicago", -6, True), "LA": ("America/Chicago", -6, True),
    "WI": ("America/Chicago", -6, True), "MS": ("America/Chicago", -6, True), "KS": ("America/Chicago", -6, True),
    "AR": ("America/Chicago", -6, True), "MN": ("America/Chicago", -6, True), "IA": ("America/Chicago", -6, True),
    "AL": ("America/Chicago", -6, True),
}  # everything else: America/New_York, -5, DST


def tz_of(state):
    return STATE_TZ.get(state, ("America/New_York", -5, True))


# ---------------------------------------------------------------------------
# Industries and customers
# ---------------------------------------------------------------------------

# flags: t = wall terminals (TimeClock Pro X2), b = biometric terminals, f = field/mobile workforce,
#        p = PPE / masks at work
INDUSTRIES = {
    "clinic": dict(flags="tbp", sites=["the {city} clinic", "our Northside office", "the main clinic", "our {city} office"],
                   depts=("Front Desk", "Clinical"), jobs=["medical assistant", "front desk coordinator"]),
    "home_health": dict(flags="f", sites=["the {city} branch", "a client's home in {city}"],
                        depts=("Home Care", "Skilled Nursing"), jobs=["caregiver", "home health aide"]),
    "senior_living": dict(flags="tbp", sites=["the {city} community", "our memory care building", "the Oakridge campus"],
                          depts=("Dietary", "Nursing"), jobs=["CNA", "dietary aide"]),
    "restaurant": dict(flags="tbp", sites=["our {city} location", "the Downtown store", "Store #{num}", "the airport location"],
                       depts=("FOH", "BOH"), jobs=["line cook", "server"]),
    "warehouse": dict(flags="tbp", sites=["DC {num}", "Building B", "the {city} warehouse", "our cross-dock"],
                      depts=("Receiving", "Shipping"), jobs=["picker", "forklift operator"]),
    "courier": dict(flags="f", sites=["the {city} hub", "the south depot"],
                    depts=("Drivers", "Dispatch"), jobs=["driver", "courier"]),
    "construction": dict(flags="tbfp", sites=["the {street} job", "the {city} jobsite", "the hospital expansion project", "the job trailer"],
                         depts=("Field", "Shop"), jobs=["carpenter", "laborer"]),
    "retail": dict(flags="tb", sites=["Store #{num}", "our {city} store", "the mall location"],
                   depts=("Sales Floor", "Stockroom"), jobs=["cashier", "sales associate"]),
    "school": dict(flags="t", sites=["the {street} campus", "the high school building", "our {city} campus"],
                   depts=("Facilities", "Food Service"), jobs=["custodian", "aide"]),
    "childcare": dict(flags="t", sites=["the {city} center", "our {street} center"],
                      depts=("Infant Room", "Pre-K"), jobs=["teacher", "assistant teacher"]),
    "security": dict(flags="f", sites=["the {client} post", "the {city} client site", "the {client} site"],
                     depts=("Patrol", "Static Posts"), jobs=["security officer", "patrol officer"]),
    "staffing": dict(flags="tf", sites=["the {client} site", "our {city} branch", "the {client} warehouse"],
                     depts=("Light Industrial", "Clerical"), jobs=["associate", "temp associate"]),
    "manufacturing": dict(flags="tbp", sites=["Plant {num}", "the {city} plant", "the second shift line", "the main plant"],
                          depts=("Production", "Maintenance"), jobs=["machine operator", "assembler"]),
    "food_processing": dict(flags="tbp", sites=["the {city} plant", "Plant {num}", "the packing line", "the cold room"],
                            depts=("Sanitation", "Packing"), jobs=["line worker", "sanitation tech"]),
    "janitorial": dict(flags="bfp", sites=["the {client} building", "our {city} accounts", "the {client} account"],
                       depts=("Day Porters", "Night Crew"), jobs=["cleaner", "day porter"]),
    "landscaping": dict(flags="bf", sites=["the {street} property", "the {client} HOA job"],
                        depts=("Maintenance", "Install"), jobs=["crew member", "crew lead"]),
    "hotel": dict(flags="tb", sites=["the front office", "the {city} property", "the back-of-house entrance"],
                  depts=("Housekeeping", "Front Office"), jobs=["housekeeper", "front desk agent"]),
    "fitness": dict(flags="t", sites=["the {city} club", "our {street} gym"],
                    depts=("Front Desk", "Trainers"), jobs=["trainer", "front desk associate"]),
    "entertainment": dict(flags="t", sites=["the {city} park", "our {street} location"],
                          depts=("Attractions", "Food & Bev"), jobs=["attendant", "cashier"]),
    "auto": dict(flags="tb", sites=["the {city} shop", "our {street} location"],
                 depts=("Service", "Detail"), jobs=["technician", "detailer"]),
    "transit": dict(flags="tf", sites=["the {city} garage", "the north yard"],
                    depts=("Operators", "Maintenance"), jobs=["bus operator", "mechanic"]),
    "trucking": dict(flags="f", sites=["the {city} terminal", "the yard"],
                     depts=("Drivers", "Shop"), jobs=["driver", "yard jockey"]),
    "catering": dict(flags="tfp", sites=["the commissary kitchen", "the {client} event"],
                     depts=("Kitchen", "Events"), jobs=["cook", "event server"]),
    "agri": dict(flags="tb", sites=["the {city} elevator", "the feed mill"],
                 depts=("Mill", "Delivery"), jobs=["mill operator", "driver"]),
    "vet": dict(flags="t", sites=["the hospital", "our {city} clinic"],
                depts=("Tech", "Front Desk"), jobs=["vet tech", "receptionist"]),
}

# crew noun, PPE worn at work, why fingerprints get worn
INDUSTRY_WORDS = {
    "clinic": ("clinical staff", "N95 masks and face shields", "washed and sanitized their hands dozens of times a day for years"),
    "home_health": ("caregivers", "masks", "done hands-on care work for years"),
    "senior_living": ("CNAs", "masks and face shields", "done personal care and constant hand sanitizing for years"),
    "restaurant": ("kitchen crew", "masks and caps", "been washing dishes and handling hot pans for years"),
    "warehouse": ("warehouse crew", "safety glasses and beanies", "been handling cardboard and pallets for years"),
    "courier": ("drivers", "masks", "been loading packages for years"),
    "construction": ("field crew", "hard hats and safety glasses", "done masonry and concrete work for 30 years"),
    "retail": ("store staff", "masks", "been handling stock and boxes for years"),
    "school": ("custodial staff", "masks", "worked custodial jobs for years"),
    "childcare": ("teachers", "masks", "washed their hands all day for years"),
    "security": ("officers", "masks and caps", "worked with their hands for years"),
    "staffing": ("associates", "safety glasses and hard hats", "done warehouse and line work for years"),
    "manufacturing": ("production crew", "safety glasses and ear protection", "done machining and sanding work for decades"),
    "food_processing": ("line crew", "hairnets, masks and safety glasses", "worked the cold line with wet hands for years"),
    "janitorial": ("cleaning crew", "masks and goggles", "been handling cleaning chemicals for years"),
    "landscaping": ("crews", "sunglasses and hats", "done landscaping and stone work for years"),
    "hotel": ("housekeepers", "masks", "been handling cleaning chemicals for years"),
    "fitness": ("trainers", "masks", "lifted and handled equipment for years"),
    "entertainment": ("attendants", "masks", "worked with their hands for years"),
    "auto": ("techs", "safety glasses", "worked with engines and solvents for years"),
    "transit": ("operators", "masks", "worked in the shop for years"),
    "trucking": ("drivers", "masks", "handled freight for years"),
    "catering": ("kitchen staff", "masks and hairnets", "been washing dishes and handling hot pans for years"),
    "agri": ("mill crew", "dust masks and safety glasses", "handled feed sacks and equipment for decades"),
    "vet": ("techs", "masks", "scrubbed and sanitized their hands for years"),
}

# name, domain, industry, state, city, headcount, multistate pair (resident state, work state)
ORGS = [
    ("BrightPath Clinics", "brightpathclinics.com", "clinic", "AZ", "Phoenix", 420, None),
    ("Sunridge Family Medicine", "sunridgefm.com", "clinic", "CO", "Denver", 85, None),
    ("Harbor Pediatrics Group", "harborpeds.com", "clinic", "CA", "San Diego", 140, None),
    ("Lakeshore Dental Partners", "lakeshoredental.com", "clinic", "IL", "Chicago", 210, None),
    ("CarePoint Home Health", "carepointhh.com", "home_health", "OH", "Columbus", 650, None),
    ("Meadowbrook Senior Living", "meadowbrookliving.com", "senior_living", "PA", "Chester", 380, ("DE", "PA")),
    ("Valley Urgent Care", "valleyurgentcare.net", "clinic", "CA", "Fresno", 160, None),
    ("Northstar Physical Therapy", "northstarpt.com", "clinic", "MN", "Minneapolis", 95, None),
    ("Casa Verde Restaurants", "casaverdegroup.com", "restaurant", "TX", "Austin", 520, None),
    ("Blue Fin Sushi Co.", "bluefinsushi.co", "restaurant", "CA", "Los Angeles", 180, None),
    ("Maple & Rye Hospitality", "mapleandrye.com", "restaurant", "NY", "New York", 310, ("NJ", "NY")),
    ("Smokey Joe's BBQ", "smokeyjoesbbq.com", "restaurant", "TN", "Nashville", 75, None),
    ("Golden Crust Bakery Cafe", "goldencrustcafe.com", "restaurant", "WA", "Seattle", 60, None),
    ("Pho Saigon Kitchens", "phosaigonkitchens.com", "restaurant", "CA", "San Jose", 95, None),
    ("Rustic Table Group", "rustictablegroup.com", "restaurant", "MO", "Kansas City", 240, ("KS", "MO")),
    ("Little Italy Pizzeria", "littleitalypizza.net", "restaurant", "NJ", "Hoboken", 45, None),
    ("Ironclad Logistics", "ironcladlogistics.com", "warehouse", "OH", "Dayton", 900, None),
    ("Pacific Freight Distribution", "pacificfreightdist.com", "warehouse", "CA", "Ontario", 750, None),
    ("Summit Cold Storage", "summitcoldstorage.com", "warehouse", "GA", "Atlanta", 260, None),
    ("RapidRoute Couriers", "rapidroute.io", "courier", "IL", "Chicago", 330, None),
    ("Keystone Fulfillment", "keystonefulfillment.com", "warehouse", "PA", "Allentown", 410, None),
    ("Great Plains Grain & Feed", "greatplainsgrain.com", "agri", "NE", "Omaha", 70, ("IA", "NE")),
    ("Hartwell Construction", "hartwellbuilds.com", "construction", "NC", "Charlotte", 280, ("SC", "NC")),
    ("Redline Electrical Contractors", "redlineelectric.com", "construction", "CA", "Sacramento", 150, None),
    ("Granite Peak Builders", "granitepeakbuilders.com", "construction", "CO", "Colorado Springs", 120, None),
    ("Bayou Concrete & Paving", "bayouconcrete.com", "construction", "LA", "Baton Rouge", 90, None),
    ("Tri-County Roofing", "tricountyroofing.net", "construction", "FL", "Tampa", 65, None),
    ("Sterling Mechanical", "sterlingmech.com", "construction", "MA", "Boston", 200, ("RI", "MA")),
    ("Coastal Plumbing Services", "coastalplumbingsvc.com", "construction", "SC", "Charleston", 55, None),
    ("Evergreen Outfitters", "evergreenoutfitters.com", "retail", "OR", "Portland", 600, ("OR", "CA")),
    ("Corner Market Grocers", "cornermarketgrocers.com", "retail", "MI", "Grand Rapids", 480, None),
    ("Bella Boutique", "bellaboutique.shop", "retail", "FL", "Miami", 30, None),
    ("PetNest Supply", "petnestsupply.com", "retail", "TX", "Dallas", 350, None),
    ("Hometown Hardware Co-op", "hometownhardware.coop", "retail", "WI", "Madison", 220, None),
    ("Urban Thread Apparel", "urbanthread.com", "retail", "CA", "Oakland", 140, None),
    ("QuickStop Fuel & Food", "quickstopfuel.com", "retail", "MS", "Jackson", 380, ("MS", "AL")),
    ("Westfield Academy", "westfieldacademy.org", "school", "CT", "Greenwich", 160, ("NY", "CT")),
    ("Little Sprouts Early Learning", "littlesprouts.org", "childcare", "VA", "Arlington", 190, None),
    ("Riverside Charter Schools", "riversidecharter.org", "school", "AZ", "Tucson", 310, None),
    ("St. Brendan Parish School", "stbrendanschool.org", "school", "MA", "Worcester", 70, None),
    ("Kidz Kampus Daycare", "kidzkampus.com", "childcare", "GA", "Marietta", 85, None),
    ("Sentinel Guard Services", "sentinelguard.com", "security", "TX", "Houston", 700, None),
    ("Blackstone Protective Services", "blackstoneprotective.com", "security", "CA", "Los Angeles", 420, None),
    ("Eagle Eye Security Patrol", "eagleeyepatrol.com", "security", "FL", "Orlando", 160, None),
    ("Patriot Event Staffing & Security", "patriotevents.us", "security", "NV", "Las Vegas", 260, None),
    ("ProStaff Solutions", "prostaffsolutions.com", "staffing", "IL", "Naperville", 1200, ("IN", "IL")),
    ("Allied Labor Partners", "alliedlabor.com", "staffing", "GA", "Savannah", 540, None),
    ("TempForce Northwest", "tempforcenw.com", "staffing", "WA", "Tacoma", 300, None),
    ("Crescent Healthcare Staffing", "crescentstaffing.com", "staffing", "LA", "New Orleans", 230, None),
    ("Midwest Precision Parts", "midwestprecision.com", "manufacturing", "MI", "Lansing", 340, None),
    ("Golden Valley Foods", "goldenvalleyfoods.com", "food_processing", "CA", "Modesto", 620, None),
    ("Cascade Plastics", "cascadeplastics.com", "manufacturing", "OR", "Salem", 180, None),
    ("Heritage Meat Processing", "heritagemeats.com", "food_processing", "IA", "Des Moines", 290, None),
    ("Lone Star Cabinetry", "lonestarcabinetry.com", "manufacturing", "TX", "Waco", 130, None),
    ("Sparkle Pro Cleaning", "sparkleprocleaning.com", "janitorial", "NJ", "Newark", 350, ("NJ", "NY")),
    ("GreenLeaf Landscaping", "greenleaflandscape.com", "landscaping", "NC", "Raleigh", 110, None),
    ("Spotless Facility Services", "spotlessfacility.com", "janitorial", "CA", "Riverside", 240, None),
    ("Harborview Hotel & Suites", "harborviewhotel.com", "hotel", "ME", "Portland", 150, None),
    ("Peak Performance Fitness", "peakperformancegyms.com", "fitness", "UT", "Salt Lake City", 200, None),
    ("Lakeside Resort & Marina", "lakesideresort.com", "hotel", "MO", "Osage Beach", 170, None),
    ("FunZone Family Entertainment", "funzonefamily.com", "entertainment", "OH", "Cincinnati", 140, None),
    ("Silver Screen Cinemas", "silverscreencinemas.com", "entertainment", "KS", "Overland Park", 260, ("MO", "KS")),
    ("Precision Auto Care Centers", "precisionautocenters.com", "auto", "NC", "Greensboro", 120, None),
    ("AquaClear Car Wash", "aquaclearwash.com", "auto", "AZ", "Mesa", 90, None),
    ("Metro Transit Services", "metrotransitsvc.com", "transit", "IL", "Rockford", 280, None),
    ("Pinecrest Veterinary Hospital", "pinecrestvet.com", "vet", "VT", "Burlington", 45, None),
    ("Oak Hollow Assisted Living", "oakhollowliving.com", "senior_living", "CA", "Bakersfield", 130, None),
    ("Red River Trucking", "redrivertrucking.com", "trucking", "AR", "Little Rock", 160, None),
    ("Bright Smile Orthodontics", "brightsmileortho.com", "clinic", "NJ", "Paramus", 55, None),
    ("Magnolia Catering Co.", "magnoliacatering.com", "catering", "GA", "Athens", 80, None),
]

# small businesses whose owner writes from a personal mailbox and has no Zendesk organization
SMALL_BIZ = [
    ("Tony's Taqueria", "restaurant", "CA", "Fresno", 22, "Tony", "Alvarez"),
    ("Lupe's Cleaning Service", "janitorial", "TX", "San Antonio", 18, "Guadalupe", "Reyes"),
    ("Rivera Landscaping", "landscaping", "AZ", "Tempe", 14, "Jorge", "Rivera"),
    ("Kim's Nail Spa", "retail", "GA", "Duluth", 11, "Hyun", "Kim"),
    ("Mike's Auto Repair", "auto", "OH", "Akron", 9, "Mike", "Kowalski"),
    ("Sunshine Daycare", "childcare", "FL", "Jacksonville", 16, "Renee", "Foster"),
    ("Big Sky Roofing", "construction", "MT", "Billings", 25, "Cody", "Lindqvist"),
    ("Hometown Diner", "restaurant", "NY", "Albany", 19, "Pete", "Russo"),
    ("Bay Area Movers", "courier", "CA", "Hayward", 28, "Francisco", "Santos"),
    ("Patel Family Pharmacy", "retail", "NJ", "Edison", 13, "Raj", "Patel"),
]

STREETS = ["Elm Street", "Main St", "Maple Ave", "Route 9", "Harbor Blvd", "Oak Creek", "5th Street", "Lakeview Dr"]
CLIENTS = ["Galleria", "Riverside Mall", "Amazon DAX5", "Memorial Hospital", "Westgate", "Pinnacle Tower", "Cedar Point HOA", "Costco"]
OTHER_CITIES = ["Round Rock", "Pasadena", "Aurora", "Plano", "Fort Myers", "Boise", "Reno", "Toledo"]

ANDROID_DEVICES = ["Samsung Galaxy A54", "Galaxy A15", "Pixel 7", "Pixel 8a", "Galaxy S23", "Moto G Power (2024)",
                   "Galaxy A35", "OnePlus 12R", "Galaxy S24", "Pixel 6a", "Moto G Stylus 5G", "Galaxy A25"]
IPHONES = ["iPhone 13", "iPhone 15", "iPhone 12", "iPhone SE", "iPhone 14 Pro", "iPhone 16"]
GARNISHMENTS = ["child support order", "IRS tax levy", "student loan garnishment (AWG)", "creditor garnishment",
                "state tax levy", "child support withholding order"]
BANKS = ["Chase", "Wells Fargo", "Navy Federal", "a local credit union", "Bank of America", "US Bank", "Regions", "PNC"]
ACCOUNTING = ["QuickBooks Online", "Xero", "Sage Intacct", "NetSuite", "QuickBooks Desktop"]
BROKERS = ["our broker's benefits portal", "Employee Navigator", "the BCBS 834 feed", "our PEO's benefits file", "Benefitfocus"]
RECORDKEEPERS = ["Guideline", "Fidelity", "Vanguard", "Empower", "Principal", "Human Interest"]
OLD_CLOCKS = ["our old Kronos clock", "the uAttend clock we had before", "the old Lathem terminal", "our previous clock"]


# ---------------------------------------------------------------------------
# Recurring product problems
# ---------------------------------------------------------------------------
# bodies: plain str = admin voice, ("e", str) = employee voice, ("*", str) = either.

def P(**kw):
    kw.setdefault("filter", None)
    kw.setdefault("prio", "normal")
    kw.setdefault("mobile", False)
    kw.setdefault("fix_at", None)
    return kw


PROBLEMS = [
    P(key="x2_terminal_wifi_drops_after_fw_3_2", cat="TIME_AND_ATTENDANCE", sub="hardware_issues",
      trend="declining", total=40, filter="t", prio="high", jira="HW-882",
      fix_at=dt.datetime(2026, 11, 6, 17, 0),
      topic="the terminal going offline", short="clock Wi-Fi",
      tags=["hardware", "x2_terminal", "connectivity", "firmware"],
      subjects=["Time clock offline again", "X2 clock keeps disconnecting from wifi", "Clock not working!!",
                "Terminal shows 'No Network' after update", "Punches not syncing from wall clock",
                "TimeClock Pro X2 wifi issue", "clocks dropping connection since firmware update",
                "Wall terminal lost network - URGENT", "Time clock keeps going offline"],
      bodies=[
          "Ever since the TimeClock Pro X2 at {site} updated itself to firmware {fw} it keeps dropping off the Wi-Fi. It shows the little red cloud icon and employees' punches just sit on the device until someone reboots it. Our IT guy checked the access point and every other device in the building is fine.",
          "Our wall clock (serial {serial}) goes offline several times a day now. Rebooting fixes it for maybe an hour. Nothing changed on our network - the only change I can see is the clock is now on version {fw}. We have {n_emp} people punching on it each shift.",
          "Punches from the terminal at {site} aren't showing up in the web portal until hours later. When I look at the device it says 'Network unavailable - {q} punches queued'. This started around {since_day}. Is there a known issue with the new firmware?",
          "The X2 clocks in both of our buildings lose their wireless connection overnight and don't reconnect on their own. Every morning the first shift supervisor has to power cycle them. Settings > About shows firmware {fw}. The clocks were rock solid before the update.",
          "Managers are seeing people as 'not clocked in' on the dashboard even though they punched at the clock. Turns out the clock was disconnected from wifi, again. Had to reboot it 3 times this week. Can we roll back the firmware or turn off auto updates?",
          "Our network team sees the terminal ({serial}) associate to the SSID and then drop after 20-40 minutes with a deauth. It only started after the firmware {fw} push. We run WPA2-PSK on 5 GHz. The terminal never reconnects without a power cycle. Happy to send AP logs.",
          "the time clock keeps saying offline. I tried unplugging it and plugging it back in and it works for a bit then goes offline again. Employees are getting worried their hours aren't being recorded. what do we do",
          "Since the firmware update our X2 drops the Wi-Fi connection and the punches pile up locally. Worst part: on {date_recent} it held {q} punches for 6 hours and our overtime alerts never fired. This is affecting {n_emp} hourly staff.",
      ],
      acks=[
          "We've confirmed a Wi-Fi reconnect bug in X2 firmware 3.2.0/3.2.1 that affects some access points. Punches are not lost - they are stored on the clock and upload as soon as it reconnects. Until the fix ships, a scheduled nightly reboot (Devices > {serial} > Maintenance) keeps the clock online for most customers.",
          "Thanks for the details. This matches a known issue with firmware 3.2 where the terminal doesn't rejoin the network after the access point rotates keys. Engineering has a fix in testing. Queued punches are safe on the device.",
      ],
      fixes=[
          "Firmware 3.2.2, released Nov 6, fixes the Wi-Fi reconnect issue. Your terminal will pick it up overnight, or you can force it from Devices > {serial} > Check for updates. Any queued punches upload automatically once it's online.",
          "Good news - the 3.2.2 firmware hotfix is out and resolves the dropped Wi-Fi connections. I've pushed it to your terminals; they should show 3.2.2 under Settings > About after the next reboot.",
      ],
      notes=["Known issue - fw 3.2.x wifi reconnect. Linked to HW-882.", "Customer AP is Ubiquiti UniFi, matches HW-882 pattern.",
             "Pulled device logs, deauth reason 15 repeatedly. Attached to HW-882.", "Escalated to hardware team, HW-882. Queued punches verified on device."]),

    P(key="terminal_clock_not_adjusted_for_dst_end", cat="TIME_AND_ATTENDANCE", sub="hardware_issues",
      trend="declining", total=20, filter="t", prio="high", jira="HW-901",
      fix_at=dt.datetime(2026, 11, 4, 18, 0),
      topic="the clock time after the DST change", short="DST on clock",
      tags=["hardware", "x2_terminal", "time_zone"],
      subjects=["Clock showing wrong time", "Time clock one hour ahead", "Daylight savings - clock didn't change",
                "Punches off by an hour since the time change", "Wrong time on terminal!", "DST issue with timeclock",
                "Terminal time wrong"],
      bodies=[
          "The wall clock at {site} still shows daylight saving time. It displays 8:15 when it's actually 7:15, so everyone's punches since the weekend are recorded an hour late.",
          "After the time change on Nov 1 our TimeClock Pro X2 didn't fall back. Employees who punched in at 6:00 show as 7:00 on their timecards and now people are flagged late with short shifts.",
          "Hi - weird one. The web app and the phones have the right time but the terminal is 1 hr ahead. Time zone in settings is {tz}. Did the daylight saving update not go out to the hardware?",
          "All our Sunday night shift punches are off by an hour. The in/out times recorded by the terminal don't match what the supervisors wrote down on the paper log. Looks like the device didn't adjust when DST ended.",
          "We need to fix {n_emp} timecards because the clock was an hour off. Is there a way to bulk shift all terminal punches by -1 hour for 11/1 - 11/3? Editing them one by one is going to take forever.",
          "Terminal {serial} clock is wrong by exactly 60 min. I tried setting the time manually on the device but the option is greyed out ('Time synced from server'). Please fix asap, payroll closes {close_day}.",
          "our clocks think it's still summer lol. They've been an hour ahead since the time change. Meanwhile mobile punches are fine, so the same shift shows two different times depending on where people punched.",
      ],
      acks=["Terminals that were offline when the daylight saving rule update was distributed kept the old offset. We're pushing a correction - please leave the clock powered on and connected.",
            "This is a known issue with the DST transition on some X2 units. Engineering is rolling out a fix; in the meantime mobile and web punches are unaffected."],
      fixes=["A fix was pushed on Nov 4 - after a reboot the terminal shows the correct time. To correct punches recorded with the wrong offset, use Timecards > Bulk Adjust, filter Source = Terminal and apply -60 minutes for the affected dates.",
             "We ran the offset correction on our side for the terminal punches between 11/1 and 11/3, and the clock has the corrected time zone data now. Please spot-check a couple of timecards and let us know if anything still looks off."],
      notes=["DST tzdata not applied on units that missed the 10/30 push - HW-901.", "Ran punch offset script for account, -60 min on terminal punches 11/01-11/03.",
             "HW-901. Customer has 2 units, both showing UTC-4 still."]),

    P(key="android14_clock_in_needs_multiple_taps", cat="TIME_AND_ATTENDANCE", sub="punch_in_out",
      trend="emerging", total=52, prio="high", jira="MOB-3317", mobile=True,
      topic="the Android clock-in button", short="Android clock-in",
      tags=["mobile_app", "android", "punch"],
      subjects=["Clock in button not working on Android", "App won't let me clock in", "Have to tap clock in like 5 times",
                "Mobile app clock in unresponsive after update", "Employees complaining about the app",
                "Android app bug - Clock In", "URGENT - staff can't punch in on phones", "Re: clock-in button",
                "clock in not registering", "Duplicate punches from app"],
      bodies=[
          "Since the app updated to {app_new} the Clock In button on Android doesn't respond the first time. Employees have to tap it 3-4 times before anything happens. iPhones seem fine. Phones we tested: {device}, {device2}, all on Android 14.",
          "Several of my crew are telling me they press clock in and nothing happens, then when they press again it finally goes through, but sometimes it shows two punches. They're all on Android. Started this week.",
          ("e", "Hey, the clock in button is basically dead on my {device}. I have to hit it like 5 times. Tried uninstalling and reinstalling the app, same thing. Version {app_new}."),
          "Getting lots of complaints from {site}: on Android the green Clock In button gets 'stuck' - it highlights but doesn't register the punch until you tap repeatedly. Several people were marked late because of it. We have {n_emp} people punching on mobile.",
          "After the latest update of your Android app, punching in requires multiple taps. One of my employees ({emp_f}) recorded a video - she tapped 6 times over about 10 seconds before the confirmation screen came up. Her phone is a {device} running Android 14.",
          "Bug report: Android 14, app {app_new}. Steps: open app > Clock In. Expected: punch confirmation. Actual: button ripple animation, nothing happens; 2nd or 3rd tap works. Not reproducible on an Android 13 device with the same build.",
          "Our {crew} use company {device} phones. Since {since_day} they can't clock in on the first try. Some gave up and texted their supervisor instead, so now I have missing punches to fix.",
          ("*", "is anyone else having trouble with the android app? clock in takes multiple tries. It worked fine last week. The younger staff figured out you just keep tapping but the older folks think it's broken."),
          "The Clock In button in the new version is unresponsive for Android users, and we got a few duplicate punches where the 2nd tap went through twice. Should we tell people not to update?",
      ],
      acks=["Thanks for reporting this - it's a known issue with app version 5.14 on Android 14 devices and our mobile team is working on a fix. In the meantime employees can punch from the web clock, and any duplicate punches can be deleted from the timecard.",
            "We've reproduced the unresponsive Clock In button on Android 14 with 5.14.x. A fix is in progress and we'll update this ticket when the new version is in the Play Store. Sorry for the disruption.",
            "Confirmed on our side: on Android 14 the first tap on Clock In isn't registered in 5.14. Engineering is on it. Punches that did go through twice can be removed under Timecards > Punch details."],
      updates=["Quick update: the fix for the Android clock-in button is in QA now. We'll let you know as soon as it's released.",
               "Still being worked on - the mobile team expects to ship a patched build shortly. Thanks for your patience."],
      notes=["Repro'd on v5.14.0 Pixel 7 / Android 14. Linked MOB-3317.", "+1 MOB-3317, customer reports ~{n_emp} affected users.",
             "Android 13 not affected. Dup of MOB-3317.", "Repro'd on v5.14.1 Galaxy A54 - still broken. Added to MOB-3317."]),

    P(key="geofence_rejects_punch_on_site", cat="TIME_AND_ATTENDANCE", sub="punch_in_out",
      trend="steady", total=30, filter="f", jira="TA-1290", mobile=True,
      topic="the geofence rejections", short="geofence",
      tags=["mobile_app", "gps", "geofence", "punch"],
      subjects=["Geofence error when on site", "Employees can't clock in - 'outside of allowed area'", "GPS punch rejected",
                "Location error on mobile punch", "Clock in says I'm not at the jobsite", "geofencing not working right",
                "Location verification failing"],
      bodies=[
          "Our guys at {site} are getting 'You are outside the allowed location' when they try to clock in, but they're standing right in the middle of the site. The geofence radius is set to 300 ft.",
          "Mobile punches keep getting rejected for location. The map on the punch screen puts the employee's dot a couple of blocks away even though they're inside the building. Happens more on iPhone ({iphone}) than Android.",
          ("e", "Hi, I'm a {job} with {org_name}. I'm physically at my post at {site} and the app won't let me punch in, it says location not verified. I had to call my supervisor to get the punch entered manually. This has happened 4 times this pay period."),
          "We set up geofences for each client site. About half of them work. For the other half people get blocked even when they're on the property. Is there a minimum radius? We have it at 150 m.",
          "Location verification is failing for {n_emp} of our people out in the field. The app says 'Unable to confirm location' and then doesn't allow the punch at all. We need at least an option to punch with a flag instead of blocking.",
          "The geofence for {site} seems to be centered on the wrong spot - when I open it in settings the pin is on the street address, which is across the parking lot from the actual entrance. Can I just drag the pin? Employees keep being rejected.",
          ("*", "geo fence keeps saying out of area. we are on site!! it happens mostly first thing in the morning, if they wait a few min and try again it sometimes works"),
      ],
      acks=["Mobile location accuracy can drop to a few hundred meters indoors or right after the phone wakes up, and the app currently rejects the punch instead of retrying. We're tracking an improvement for this. Meanwhile we recommend a radius of at least 200 m and enabling 'Allow punch with location flag' under Settings > Locations.",
            "We looked at the punch attempts: the phones reported accuracy of 180-400 m, so the app treated them as outside the fence. You can drag the pin to the entrance under Settings > Locations > {site_short} and increase the radius; engineering is working on a retry before rejecting."],
      fixes=["I moved the pin to the building entrance and set the radius to 250 m for the affected location; the last two days of punches went through without rejections. Closing this for now - reply if it comes back.",
             "The location retry improvement is live: the app now waits for a better GPS fix before rejecting a punch. Punch rejections on your account dropped to zero since yesterday."],
      notes=["GPS accuracy 180-400m in punch metadata. Linked TA-1290 (no retry on low accuracy).", "Pin placed at geocoded centroid - TA-1290 follow-up.",
             "Checked punch attempts in logs, all rejected w/ accuracy > radius. TA-1290."]),

    P(key="face_recognition_fails_with_ppe", cat="TIME_AND_ATTENDANCE", sub="biometric_registration",
      trend="steady", total=19, filter="p", jira="BIO-544",
      topic="face recognition at the clock", short="face recognition",
      tags=["biometrics", "x2_terminal", "face_recognition"],
      subjects=["Face recognition not recognizing employees", "Facial scan fails with safety glasses", "Clock won't recognize faces",
                "Face scan on clock failing", "Biometric punch failing - masks", "face recognition issues"],
      bodies=[
          "Our {crew} wear {ppe} and the X2 face recognition fails for most of them. They end up keying in a PIN, which defeats the purpose of buying the biometric clocks.",
          "Face match keeps failing for staff wearing {ppe}. They have to take them off at the door to punch in, which our safety lead is not happy about.",
          "Facial recognition on the time clock doesn't recognize about {n_emp} of our people when they come in with {ppe} on. It works once they take them off. Can the face be registered with PPE on, or a second template added?",
          "Employees get 'Face not recognized, try again' 3x and then it falls back to PIN. It's mostly people wearing glasses. When they re-register without glasses it works until they put them back on.",
          "Is there a setting for face match sensitivity? The terminals at {site} reject people wearing the required {ppe}. We're getting buddy punching via PIN as a side effect, which is exactly what we were trying to stop.",
          "The {crew} wear {ppe} and the clock basically never recognizes them. {emp} tried 8 times this morning before giving up.",
      ],
      acks=["Face templates captured without PPE often don't match when eyes or the lower face are covered. As a workaround you can add a second template per employee captured with their PPE on (Employees > Biometrics > Add template). Improving matching with occlusions is on the roadmap.",
            "Thanks for the report. Our current face model is sensitive to covered eyes and masks; we've added your account to the feature request for PPE-tolerant matching. For now, a second template with glasses/mask on usually helps."],
      fixes=["I've enabled a second face template slot on your account. Once employees re-enroll with their PPE on, matching should work; the PPE-tolerant model is tracked separately and will be announced in the release notes.",
             "Following up: after re-enrolling with PPE, the terminal logs show successful face matches for your affected employees. Closing this - reply if anyone still falls back to PIN."],
      notes=["FR model v2 known degradation with occluded eyes/mask. Tracking BIO-544.", "Added customer to BIO-544 feature request list."]),

    P(key="pto_accrual_not_applied_after_anniversary", cat="TIME_AND_ATTENDANCE", sub="pto",
      trend="steady", total=34, jira="TA-1544",
      topic="the anniversary accrual", short="PTO accrual",
      tags=["pto", "accruals", "policy"],
      subjects=["PTO accrual wrong", "Employee didn't get increased PTO after anniversary", "Accrual tier not updating",
                "Vacation hours not accruing at new rate", "PTO balances wrong", "Re: PTO balances wrong",
                "Question about anniversary accrual", "Seniority accrual not working"],
      bodies=[
          "{emp_f} hit her 5 year anniversary on {anniv_date} and per our policy should now accrue {rate_new} hrs per pay period instead of {rate_old}. The last two payrolls still accrued at the old rate.",
          "Our accrual policy has tiers based on years of service (0-2 yrs 80 hrs/yr, 3-5 yrs 120 hrs/yr, 5+ 160 hrs/yr). Employees who crossed a tier this year are still on the old tier. I've found at least {n_emp} so far.",
          "Why didn't {emp_m}'s PTO go up after his anniversary? Hire date in the profile is correct ({hire_date}). The policy shows the correct tier when I preview it but the actual accrual on the timecard is still the lower amount.",
          "Employees are coming to me saying their vacation balance is lower than it should be. Looking into it, everybody who had a work anniversary since {since_month} didn't move up to the next accrual level. Isn't the tier change supposed to happen automatically?",
          "The years-of-service bump for PTO isn't happening. I have to manually change the policy assignment for each person on their anniversary and then add the missing hours as an adjustment. That's not sustainable with {headcount} employees.",
          ("a", "Hi, quick question - {emp_f} started with us {years} years ago and should get 3 weeks now. Her balance says she's still accruing 2 weeks/yr. Did I set something up wrong?"),
          ("e", "I had my {years} year work anniversary on {anniv_date} and my PTO is supposed to go up to {rate_new} hours a pay period but my paystub still says {rate_old}. My manager told me to reach out to you."),
          "accrual rate didn't change on the anniversary date for several employees. The 'Seniority' rule on the policy looks right. We use anniversary date, not calendar year. please check",
      ],
      acks=["We found the cause: when a policy uses 'Years of service from hire date', the tier is being evaluated against the date the policy was assigned instead of the hire date. Engineering is fixing it. I can backfill the missing hours for the affected employees if you send me the list.",
            "Thanks - you didn't set anything up wrong. The tier change should apply on the first pay period after the anniversary, and we've confirmed a bug where it doesn't when the policy was re-assigned this year. A fix is scheduled."],
      fixes=["The accrual fix is live and I've re-run accruals for your account - {emp}'s balance now includes the missing hours at the new tier. Let us know if you spot anyone else.",
             "I've added adjustments for the missing accrual and the tier will move automatically going forward. Marking this as solved."],
      notes=["Repro: tier evaluated against policy_assigned_at not hire_date. TA-1544.", "Backfilled missing accrual hours via adjustment script, 3 employees. TA-1544."]),

    P(key="pto_balance_mismatch_mobile_vs_web", cat="TIME_AND_ATTENDANCE", sub="pto",
      trend="emerging", total=30, jira="MOB-3325", mobile=True,
      topic="the PTO balance in the app", short="PTO balance in app",
      tags=["pto", "mobile_app", "balances"],
      subjects=["PTO balance different in app", "App shows wrong PTO balance", "Mobile vs web balances don't match",
                "Employees seeing wrong time off balance", "PTO balances wrong on phone", "Time off balance bug?",
                "insufficient balance error"],
      bodies=[
          "Since the app update employees see a different PTO balance on their phone than what's in the web portal. Example: {emp} has {bal_web} hrs on web but the app shows {bal_app}.",
          "Our staff keep asking why their time off balance dropped. In the mobile app it looks like pending requests are subtracted twice. Web is correct.",
          "The sick time balance in the app is showing last year's total?? Web has the right current balance. This started after the update to {app_new}.",
          "Employees are submitting PTO requests in the app and getting 'Insufficient balance' when they clearly have the hours. If they do the same request on the website it goes through.",
          ("e", "Hey, my balances in the phone app are off. Vacation says {bal_app} hours but my manager says I have {bal_web}. Which one is right?"),
          "Mobile app {app_new} seems to show the accrued-to-date balance without the adjustments we made in October (carryover). Web shows the balance including adjustments. Lots of confused employees calling HR.",
          "PTO balance in the app does not match the Time Off Balances report. It's happening for employees on both iOS and Android since this week. Please fix before Thanksgiving, everyone is requesting time off right now.",
      ],
      acks=["We've identified an issue in mobile app 5.14 where the balance card leaves out manual adjustments and counts pending requests twice. The web balances are correct and are what payroll uses. A fix is in progress.",
            "Thanks for flagging - this is a known issue with the 5.14 mobile release. Employees can check or request time off on the web in the meantime; those balances are accurate."],
      updates=["Update: the fix for the mobile balance display is being tested. We'll post here when it's released.",
               "No change yet on our side, the mobile team is still working on it. Web balances remain the source of truth."],
      notes=["Mobile 5.14 balance endpoint uses v2 summary without adjustments. MOB-3325.", "Confirmed app vs web mismatch for 3 users, linked MOB-3325."]),

    P(key="timesheet_csv_export_drops_department", cat="TIME_AND_ATTENDANCE", sub="reporting",
      trend="steady", total=24, jira="RPT-771",
      topic="the timesheet CSV export", short="timesheet export",
      tags=["reports", "export", "timesheets"],
      subjects=["Timesheet export missing department", "CSV export - department column gone", "Export issue",
                "Department column blank in export", "Re: timesheet export", "Timecard export not matching", "csv export broken"],
      bodies=[
          "When I export timesheets to CSV the Department column isn't there anymore. I have it selected in the export template. The Excel export still has it.",
          "Our payroll import relies on the department column from the timesheet CSV. For the last couple of exports the column header is there but every value is blank.",
          "Exported the {prev_period} timesheet as CSV and it only has 11 columns, the department field is dropped. Our accountant builds cost allocation off that file.",
          "Hi, is there a setting I'm missing? Timesheets > Export > CSV gives me everything except department. I need it to split labor between {dept1} and {dept2}.",
          "The CSV from Reports > Timesheet Detail drops the department code for some employees. Same report as PDF shows the departments fine.",
          "csv export is broken, department is missing. xlsx works. we need csv for our GL upload",
          "Can you check the timesheet export? When I use our saved template (custom column order) the department column disappears from the CSV. With the default template it's there but the columns are in the wrong order for our import.",
      ],
      acks=["Confirmed - CSV exports drop the Department column when the export template has a custom column order. As a workaround you can export to XLSX, or reset the template to the default order and reorder in Excel. A fix is scheduled.",
            "Thanks, we reproduced it: the CSV writer skips the department field for saved templates with custom ordering. Engineering has it in the current sprint."],
      fixes=["The fix for the CSV department column was released this week. Your saved template should export the department again - please give it a try.",
             "I re-created your export template on the fixed version and the department column comes through. Closing this one."],
      notes=["RPT-771 - CSV serializer skips dept when custom column order.", "Same as RPT-771, customer template id tpl_88{n_emp}."]),

    P(key="manager_cannot_approve_past_period_corrections", cat="TIME_AND_ATTENDANCE", sub="corrections",
      trend="steady", total=30, jira="TA-1602",
      topic="approving corrections for last period", short="correction approvals",
      tags=["timecards", "corrections", "approvals", "permissions"],
      subjects=["Can't approve timecard correction", "Manager can't approve missed punch request", "Correction request stuck",
                "Past pay period edits", "Approve button greyed out", "Missed punch approvals not working",
                "Pay period locked error"],
      bodies=[
          "Our managers can't approve punch corrections if the missed punch is from the previous pay period. The Approve button is greyed out. Employees submit these all the time because they forget.",
          "{emp_f} forgot to clock out on {date_prev_period} and submitted a correction. Her manager {emp2} gets 'Pay period is locked' when trying to approve it. Payroll for that period hasn't even been run yet.",
          "Correction requests from last pay period are just sitting in pending. Managers say there's no way to approve them. Admins can edit the timecard directly, but that bypasses the approval trail we need for audits.",
          "Is there a permission needed for supervisors to approve time corrections for closed periods? They have 'Approve timecards' and 'Edit locked periods'. They get 'You do not have access to edit this period'.",
          "We have {n_emp} pending missed punch requests from the {prev_period} period that nobody can approve. When I open them as account admin I see Approve, but the department managers don't.",
          "Managers cannot approve corrections for the past pay period. The system tells them the period is closed, but we only closed the current one, not the previous. Please help, this is holding up adjustments on the next check.",
          ("e", "my supervisor says she can't approve my missed punch from last week. I worked the full shift on {date_prev_period}, how do I get paid for it?"),
      ],
      acks=["We've confirmed a bug: the 'Edit locked periods' permission is honored for direct timecard edits but not for approving correction requests, so only account admins can approve them. Engineering is fixing it; until then an admin can approve the pending requests.",
            "Thanks for the detail. Correction requests that fall into a locked period currently require an admin role even when the manager has 'Edit locked periods' - that's a bug and it's being fixed."],
      fixes=["The permission fix is deployed - managers with 'Edit locked periods' can now approve corrections for previous periods. Could you have {emp2} try again?",
             "As discussed I approved the pending requests from the admin side so they land on the next check, and the underlying permission bug is fixed now. Closing."],
      notes=["TA-1602 - correction approval ignores edit_locked_periods for non-admin roles.", "Approved 7 pending corrections on behalf of customer admin (with permission). TA-1602."]),

    P(key="pay_run_stuck_processing_with_garnishment", cat="PAYROLL", sub="pay_runs",
      trend="steady", total=36, prio="urgent", jira="PAY-1432",
      topic="the stuck pay run", short="stuck payroll",
      tags=["payroll", "pay_run", "garnishment"],
      subjects=["URGENT payroll stuck", "Pay run stuck in processing", "Payroll won't finish", "Payroll still processing after 3 hours",
                "HELP - payday tomorrow, payroll not submitted", "Pay run spinning", "Payroll hung", "payroll stuck!!!"],
      bodies=[
          "Our payroll for pay date {next_pay} has been stuck on 'Processing' for over 2 hours. We need to get this submitted today for direct deposits to land on time. Please help ASAP.",
          "Pay run won't complete. It sits in processing forever. The only thing different this period is we added a child support garnishment for {emp}.",
          "Hi, the payroll preview ran fine but when I click Submit it goes to Processing and stays there. I tried again after an hour, same. We have {headcount} employees. One new thing: a {garn} was entered this week.",
          "URGENT: payroll stuck. Our deadline is 4pm ET for the {next_pay} pay date. Status 'processing', no error message. I removed and re-added a couple of employees and it didn't help.",
          "I think the garnishment I set up broke payroll. When I exclude {emp_m} from the run it processes fine, when I include him it hangs in processing. His garnishment is a {garn} calculated as a % of disposable earnings.",
          "payroll has been 'processing' since this morning. can't cancel it, can't edit it. employees are asking if they'll get paid friday. someone please call me {tel}",
          "The off-cycle run for {emp_f}'s final paycheck is stuck in processing. She has an active {garn}. Final pay is due quickly under {state} law so this is time sensitive.",
          "Pay run #{run_id} has been in 'processing' status for 45+ minutes. Previous runs took under 2 min. Checked your status page - all green.",
      ],
      acks=["I've escalated your pay run to our payroll operations team. This is a known issue when a garnishment calculated on disposable earnings is combined with a pre-tax deduction. The team will complete the run manually - you don't need to resubmit.",
            "Thanks for the quick details. We see the run looping on the garnishment calculation for one employee. Payroll ops is pushing it through manually now and deposits will go out on schedule."],
      fixes=["Your pay run has been completed and the ACH file was sent; deposits will arrive on the pay date. The garnishment amount for {emp} was calculated correctly. Engineering is fixing the root cause so this doesn't repeat.",
             "Payroll ops finished the run - status is now 'Submitted'. Sorry for the stress. We've added a safeguard for garnishments on your account until the permanent fix is released."],
      notes=["Escalated to eng, JIRA PAY-1432. Calc loop on garnishment disposable earnings w/ pretax ded.", "Manually unstuck run via ops console, PAY-1432.",
             "Same as PAY-1432. Garnishment type: {garn}.", "Called customer at {tel}, confirmed run completed."]),

    P(key="multistate_withholding_defaults_to_resident_state", cat="PAYROLL", sub="tax_questions",
      trend="steady", total=21, filter="multistate", jira="TAX-611",
      topic="the work-state withholding", short="state withholding",
      tags=["payroll", "taxes", "state_tax", "multi_state"],
      subjects=["State withholding question - multi state", "Wrong state tax withheld", "Employee works in {work_state} lives in {res_state}",
                "Multi-state tax setup", "Tax question: work state vs resident state", "State taxes not split correctly"],
      bodies=[
          "We have employees who live in {res_state_name} but work at our {work_state_name} location. Payroll is withholding only {res_state} tax and nothing for {work_state}. Shouldn't it withhold for the work state?",
          "{emp_m} lives in {res_state_name} and works in {work_state_name}. I set his work location to our {work_state} site, but the paystub shows all state tax going to {res_state}. He's asking why he owes {work_state} tax.",
          "Question on multi-state: when an employee splits time between two of our locations ({work_state} and {res_state}), how does the system allocate state wages? Right now 100% of wages seem to be reported to the resident state regardless of where they punched.",
          "The state tax on paychecks for our {work_state} crew is wrong. They are {res_state_name} residents. I don't see any {work_state} withholding at all since we moved them to the new location in {since_month}.",
          "Our CPA flagged that the state wage report for Q3 shows zero {work_state} wages even though we have {n_emp} people working there. Everyone defaulted to their home state. How do we fix this, and do we need to amend?",
          "Hi, is there a setting to make the work state primary for withholding? Work location is set correctly on the employee profile but the tax setup tab still shows only the home state.",
          "employees moving between job sites in {work_state_name} and {res_state_name} - payroll isn't picking up the work state tax. the timecards have the site with the state. what are we doing wrong",
      ],
      acks=["When an employee's work location is in another state, the work state should be added as a taxing jurisdiction automatically. We found this doesn't happen when the work location was changed after hire - the tax setup isn't refreshed. Our tax team is reviewing your employees and will confirm whether any amendments are needed.",
            "Good question, and you're right that {work_state} withholding should apply here. We've found a bug with work-location changes not updating the tax jurisdictions; the tax team is correcting the affected profiles."],
      fixes=["The tax team added the {work_state} jurisdiction for the affected employees and will handle the wage reallocation on the next quarterly filing. No action needed from you on the amendments.",
             "Profiles are corrected - the next payroll will withhold {work_state} tax. I've attached a list of the employees we updated."],
      notes=["TAX-611 - work location change doesn't trigger jurisdiction recalc.", "Tax team handling reallocation for {n_emp} EEs, TAX-611. Reciprocity n/a for {res_state}/{work_state}."]),

    P(key="q3_941_totals_do_not_match_register", cat="PAYROLL", sub="tax_questions",
      trend="declining", total=19, jira="TAX-598",
      topic="the Q3 941", short="941",
      tags=["payroll", "taxes", "form_941", "quarterly"],
      subjects=["941 doesn't match payroll register", "Q3 941 question", "Form 941 totals wrong?", "Quarterly tax filing discrepancy",
                "941 line 2 vs register", "Q3 taxes - numbers don't tie"],
      bodies=[
          "Our Q3 Form 941 shows total wages of {amount_big} but the payroll register for July-September adds up to {amount_big2}. The difference looks like the bonus we ran off-cycle at the end of September.",
          "Our accountant is reconciling Q3 and the 941 your system prepared doesn't tie to the quarterly payroll summary report. Social security wages are off by {amount}. Which one is correct?",
          "Hi - line 5a on the Q3 941 doesn't match. I think the voided check from September (check #{check}) was still included in the filing. Can you confirm?",
          "Q3 941 question: federal income tax withheld on line 3 is {amount} higher than what our reports show. Did something get double counted? Need this resolved ASAP.",
          "The quarterly tax filing numbers don't match the payroll register. It seems the manual check we entered for {emp} in Q3 is on the register but not on the 941.",
          "Our CPA found a variance between our 941 wages and the Q3 payroll journal. Can someone from your tax team look at this? Company FEIN ending {fein4}.",
          "941 for 3rd quarter - medicare wages don't match our register. off by a couple thousand. please advise if an amended 941-X is needed",
      ],
      acks=["Our tax team found that off-cycle runs with a pay date on the last day of the quarter were assigned to Q4 in the filing extract. They are reviewing your filing now and will correct it if it's affected.",
            "Thanks for catching this. We're aware of a quarter-boundary issue affecting some Q3 941s; the tax team is reconciling your account."],
      fixes=["The tax team corrected the filing - the Q3 941 now ties to your register. Where a return had already been filed we file the 941-X on your behalf at no cost. The corrected copy is in Reports > Tax filings.",
             "Reconciliation is done: the voided/off-cycle items are now in the right quarter and the corrected 941 is available under Tax filings. No further action needed from you."],
      notes=["TAX-598 - quarter boundary bug on off-cycle pay dates. Filing corrected.", "Part of the Q3 941 batch issue, TAX-598. Filing team reran extract."]),

    P(key="direct_deposit_rejected_after_routing_change", cat="PAYROLL", sub="direct_deposits",
      trend="steady", total=33, prio="high", jira="PAY-1467",
      topic="the rejected direct deposit", short="direct deposit",
      tags=["payroll", "direct_deposit", "ach"],
      subjects=["Direct deposit rejected", "Employee didn't get paid - bank changed", "DD returned", "Paycheck bounced back",
                "Direct deposit failed after bank change", "R03 return on direct deposit", "Employee missing paycheck!",
                "didn't get paid"],
      bodies=[
          "{emp_f} updated her bank info last week (new routing number {routing}, account ending {acct4}) and her direct deposit for {last_pay} got rejected. The old account is closed. How do we get her paid?",
          "We got a return notice on a direct deposit (R03 - no account/unable to locate) for {emp_m} (SSN ending {ssn4}). He changed banks and entered the new routing number in self service. The account number is correct, he sent me a voided check.",
          "An employee's direct deposit was returned. She changed her routing number because her credit union merged with another one. Did the system still send it to the old routing number?? Her profile shows the new one.",
          "Direct deposit failed for {n_emp} employees this payroll. All of them updated bank details within the last few days before payroll. Is there a prenote period we're not aware of?",
          ("e", "Hi, my paycheck didn't come. I changed my bank info in the app on {date_recent} to my new account at {bank} (routing {routing}, acct {acct_full}). My old account got closed. When will I get my money?? Last 4 of my SSN is {ssn4} if you need to look me up."),
          "{emp}'s pay was rejected by the bank. The routing # in the system is {routing}, which is right, but the payroll register shows the deposit going to the old routing number. It seems the change didn't apply to this pay run even though it was entered before we submitted.",
          "direct deposit rejected after employee changed banks. amount {amount}. we need to issue a live check or resend. what's the process and how fast do the funds come back?",
          "We had two DD rejections this cycle. Both employees changed routing numbers through the employee portal. Please advise on recovering the funds; one of them, {emp}, needs the money for rent.",
      ],
      acks=["Bank changes saved after the payroll preview was generated weren't picked up by that pay run, so the deposit went to the old account. Returned funds come back to your account in 2-5 business days; in the meantime you can issue a manual check from Payroll > Off-cycle > Manual check. We're fixing the underlying issue.",
            "Sorry about this. The return was caused by the run using the bank details from the preview snapshot, not the updated ones. We'll credit the returned amount as soon as the bank sends it back and can help set up a manual check today."],
      fixes=["The returned funds ({amount}) were credited back to your account and the employee's profile now has the new account active. Future runs will use it. Closing this ticket.",
             "The fix so that bank changes made after the preview are always used is now live. The returned deposit has been credited to you - let us know if you'd like us to reissue it as an off-cycle deposit."],
      notes=["ACH return R03. Bank change saved after preview snapshot - PAY-1467.", "Funds return ETA 3 business days. Customer issuing manual check.",
             "PAY-1467. Verified new acct ending {acct4} active on profile."]),

    P(key="gl_export_missing_employer_taxes", cat="PAYROLL", sub="reporting",
      trend="steady", total=18, jira="RPT-790",
      topic="the GL export", short="GL export",
      tags=["payroll", "reports", "gl_export", "accounting"],
      subjects=["GL export missing employer taxes", "Journal entry doesn't balance", "Payroll journal report question",
                "Accounting export issue", "{accounting} sync - employer tax missing", "GL report out of balance"],
      bodies=[
          "The GL export for our last payroll doesn't include employer taxes (FICA match, FUTA, SUTA). Our journal entry in {accounting} is out of balance by {amount}.",
          "Our accountant says the payroll journal report only has employee withholdings, no employer-side tax lines. It used to show them. Did the report layout change?",
          "The {accounting} integration posts net pay and deductions but the employer tax expense and liability accounts are empty. I've checked the GL mapping and every account is mapped.",
          "Payroll journal entry is missing the ER portion of Social Security and Medicare. Total debits don't equal total credits. Pay date {last_pay}.",
          "hi, the GL report doesn't balance for the last 2 payrolls. looks like employer taxes are zero in the export but they show on the payroll summary. can you look?",
          "For month-end close I need the payroll GL export with employer tax lines. Right now I only get wages and withholdings. Our controller needs this by {close_day}.",
      ],
      acks=["Confirmed - when GL accounts are mapped at the department level, the export currently leaves out the employer tax lines. Engineering is fixing it. As a workaround, the Payroll Summary report has the employer tax totals you can book manually.",
            "Thanks. We reproduced it: department-level GL mapping drops the employer tax rows from the journal export. A fix is scheduled; in the meantime I can send you the missing lines for the affected pay dates."],
      fixes=["The fix is released and I re-ran the GL export for your last two pay dates - employer taxes are included and the entry balances.",
             "Attached are the corrected journal entries including employer FICA/FUTA/SUTA. The export itself is fixed going forward."],
      notes=["RPT-790 dept-level GL mapping drops ER tax rows.", "RPT-790 - customer uses {accounting} integration."]),

    P(key="ca_daily_overtime_calculated_weekly", cat="PAYROLL", sub="errors",
      trend="steady", total=24, filter="ca", prio="high", jira="PAY-1451",
      topic="the California daily overtime", short="CA overtime",
      tags=["payroll", "overtime", "california", "pay_rules"],
      subjects=["Overtime calculation wrong - California", "Daily OT not calculating", "CA overtime", "Employees not getting overtime for 10 hour days",
                "Overtime rules question", "OT wrong on paycheck", "daily overtime missing"],
      bodies=[
          "We're a California employer and daily overtime isn't being calculated. {emp_f} worked {hours} hours on {weekday} and got all straight time because she was under 40 for the week.",
          "Overtime only kicks in after 40 hours/week. In California it's after 8 hours in a day. Our OT policy is set to 'California' in settings.",
          "Our employees worked 10 hr shifts Mon-Thu (40 hrs total) and got zero OT. They should have 2 hrs of daily OT each day = 8 hrs OT. That's a labor code problem for us.",
          "Hi, the overtime calc seems wrong. At {site} we're supposed to pay daily OT over 8 and double time over 12. The timecard shows {hours} hours that day but the OT column is 0.",
          "We switched pay rules to the CA template last month. Weekly OT works, daily OT and 7th consecutive day rules do not. At least {n_emp} employees were affected last pay period. Need to know how to fix and back pay.",
          "The overtime rule isn't doing daily OT for our CA staff. {emp} had a {hours} hour day on {date_recent} and it's all regular. What setting am I missing?",
          "daily overtime broken? our california employees are only getting weekly OT. we already had a complaint from an employee",
      ],
      acks=["We've found that when the workday start is set to a time other than midnight, the California rule falls back to weekly evaluation. Engineering is fixing it. In the meantime, setting the workday start to 12:00 AM makes daily OT calculate correctly; we'll help you calculate back pay for the affected periods.",
            "Thanks for the examples. This is a bug in the California pay rule when a custom workday start is used - daily OT and double time are skipped. We're fixing it and can run a report of the affected hours for back pay."],
      fixes=["The pay rule fix is live. I recalculated the open timecards and the daily OT now shows correctly; the attached report lists the OT owed from the prior period so you can pay it on the next run.",
             "Fixed - the CA rule now evaluates daily OT with your 4:00 AM workday start. I've attached the back-pay report for the affected employees."],
      notes=["PAY-1451 CA daily OT fallback when custom workday start.", "Customer workday start = 4:00am, matches PAY-1451."]),

    P(key="onboarding_rejects_ssn_with_leading_zero", cat="SETTINGS", sub="employee_registration",
      trend="steady", total=19, jira="EMP-233",
      topic="the SSN validation on onboarding", short="new hire SSN",
      tags=["onboarding", "new_hire", "employee_setup"],
      subjects=["Can't add new hire - SSN error", "SSN invalid error on onboarding", "New employee onboarding form won't accept SSN",
                "Onboarding issue", "Invalid SSN but it's correct", "new hire stuck in onboarding"],
      bodies=[
          "A new hire can't complete the onboarding form. Her SSN starts with 0 and the form says 'Invalid SSN'. We double checked the card.",
          "When I enter {emp}'s social (it begins with a zero) in Add Employee, it saves as 8 digits and then throws a validation error. Looks like the leading zero is being dropped.",
          "Our onboarding packet keeps failing for one employee, error 'SSN must be 9 digits'. His number is {ssn_lz}. It IS 9 digits.",
          "We're in {state} and a lot of our staff were born in New England, so their SSNs start with 0. Three new hires this week couldn't finish self-onboarding because of it.",
          "Employee self onboarding rejects the SSN field for this one person. I entered it on the admin side and it accepts it, but then the payroll profile shows {ssn_stripped}.",
          "ssn with a leading 0 is rejected when importing new hires via CSV. Excel strips zeros so I formatted the column as text and it still fails in your importer",
          "Can't onboard {emp_m}, start date is {start_date}. The form won't take the social security number. First digit is 0. Please fix or tell me a workaround, I need him set up before the next payroll.",
      ],
      acks=["We've confirmed the onboarding form and the CSV importer treat the SSN as a number and drop leading zeros. A fix is scheduled. Workaround: an admin can enter the SSN under Employee > Tax info, which stores it as text.",
            "Thanks - this is a known bug with SSNs that start with 0. Please have an admin enter the number on the Tax info tab and skip that step in self-onboarding; we'll let you know when the form is fixed."],
      fixes=["The SSN validation fix is deployed - the onboarding form and importer keep leading zeros now. I also corrected the stored SSN on {emp}'s profile.",
             "Fixed in today's release. The new hire can finish self-onboarding now."],
      notes=["EMP-233 SSN numeric coercion in onboarding form + CSV import.", "Corrected SSN on profile per customer request, EMP-233. Redacted from ticket."]),

    P(key="fingerprint_enrollment_fails_worn_prints", cat="SETTINGS", sub="biometric_enrollment",
      trend="steady", total=24, filter="b", jira="BIO-521",
      topic="fingerprint enrollment", short="fingerprint enrollment",
      tags=["biometrics", "enrollment", "fingerprint", "x2_terminal"],
      subjects=["Fingerprint enrollment failing", "Can't enroll employee fingerprint", "Finger scan quality too low",
                "Biometric enrollment issue", "Employee fingerprints won't register", "fingerprint won't take"],
      bodies=[
          "We have a few older employees whose fingerprints just won't enroll on the X2. It says 'Quality too low' on every finger. Some of them have {hands}, their prints are pretty worn.",
          "Fingerprint enrollment fails for some of our staff. Their fingertips are dry and cracked - they've {hands}. After 3 failed tries it locks enrollment for that employee.",
          "Is there a way to lower the enrollment quality threshold? {n_emp} of our guys can't get a usable fingerprint registered. Right now they can't punch at all since we disabled PIN.",
          "Enrollment keeps failing with 'Poor image quality, try again'. We tried all 10 fingers, lotion, wiping the sensor. Same result. Employee: {emp}.",
          "We need an alternative for employees who can't be fingerprinted. The admin screen doesn't let me mark someone as 'biometric exempt' and use a badge instead when fingerprint enrollment fails.",
          "When registering fingerprints for new staff, the terminal rejects people with worn or damaged fingerprints. It worked with {old_clock}.",
          "fingerprint enrollment fails for employees with worn fingerprints. tried several times. they've {hands}. need help",
      ],
      acks=["Some people with worn ridges can't meet the default enrollment quality. The 'Enrollment quality: Low' option under Settings > Biometrics should help, but we found the X2 firmware ignores that setting at the moment. Engineering is fixing it; for now you can assign badge or PIN punching to those employees under Employees > Punch methods.",
            "Thanks. We're aware that enrollment on the X2 uses a fixed quality threshold regardless of the account setting. A fix is planned; as a workaround enable 'Allow PIN for biometric exceptions' for the affected employees."],
      fixes=["The updated threshold handling is live - set Enrollment quality to Low and retry the affected employees. The exception option for people who still can't enroll is now under Employees > Punch methods.",
             "I've set Enrollment quality to Low for your account and enabled badge punching as a fallback for anyone who still can't enroll. Closing this - reply if you need help with the badges."],
      notes=["BIO-521 enrollment threshold setting not applied on X2 fw 3.x.", "BIO-521 - customer wants biometric exemption flag, added to FR."]),

    P(key="hsa_deduction_doubled_after_open_enrollment_sync", cat="SETTINGS", sub="deductions",
      trend="emerging", total=26, prio="high", jira="BEN-208",
      topic="the doubled HSA deduction", short="HSA deductions",
      tags=["deductions", "benefits", "hsa", "open_enrollment"],
      subjects=["HSA deduction doubled", "Employees charged twice for HSA", "Benefits deduction wrong after open enrollment",
                "Double deduction on paychecks", "HSA contribution wrong", "Deductions duplicated??"],
      bodies=[
          "After our benefits open enrollment sync this week, HSA deductions show up twice on the paystub - once as 'HSA' and once as 'HSA - 2027'. {emp}'s went from {hsa} to {hsa2}.",
          "Employees are complaining their HSA contribution doubled on this paycheck. It looks like the 2027 elections got activated early and are stacking on top of the current ones.",
          "We ran the benefits import from {broker} and now everyone enrolled in the HSA has two HSA deduction lines. The new one's effective date is 1/1/2027 but it's being taken now.",
          "The pay preview for {next_pay} has HSA deducted twice for {n_emp} employees. Open enrollment changes should only start in January. Can we stop this before I submit?",
          ("e", "Hi, my HSA came out twice on my check, {hsa} two times. I only elected it once. Can I get the extra refunded?"),
          "Deduction codes HSA-EE and HSA-EE-27 are both active on employee profiles after the open enrollment feed. I can end-date the new one manually but we have {headcount} people.",
          "open enrollment changes applied immediately instead of 1/1 - HSA is being double deducted. also the employer HSA contribution shows twice on the register.",
      ],
      acks=["We identified an issue with the benefits sync update released Nov 13: future-dated deduction elections are activated immediately instead of on their effective date. A fix is being deployed. Please don't end-date the new codes manually; we'll correct them and help refund the excess on the next run.",
            "Thanks for reporting - this is a known issue affecting open enrollment feeds this week. Engineering is fixing the sync and we will deactivate the 2027 codes until 1/1. If you haven't submitted payroll yet, we can correct the preview for you."],
      updates=["Update: the sync fix is in testing. We've paused the 2027 deduction codes on your account so your next preview should be correct - please double check before submitting.",
               "We're still working on the permanent fix. Refunds for the duplicated amounts will be added as a reimbursement on the next regular run."],
      notes=["BEN-208 future-dated elections activated on sync. Hotfix in progress.", "Affects carriers using 834 feed. BEN-208.",
             "Paused HSA-EE-27 codes for account via ops tool. BEN-208."]),

    P(key="401k_deduction_not_stopping_at_annual_limit", cat="SETTINGS", sub="deductions",
      trend="steady", total=22, jira="PAY-1388",
      topic="the 401(k) limit", short="401k limit",
      tags=["deductions", "401k", "retirement"],
      subjects=["401k over contributing", "401(k) limit not enforced", "Employee exceeded 401k max", "401k deduction didn't stop",
                "Retirement deduction over IRS limit", "401k limit question"],
      bodies=[
          "{emp} has hit the {limit401} 401(k) limit for 2026 but the deduction is still being taken. Isn't the system supposed to stop it automatically?",
          "Our highest paid employees are over-contributing to their 401k. The annual limit box is checked on the deduction. We need to know how to refund the excess.",
          "401k deduction is not stopping at the annual limit. {emp} is at {ytd401} YTD and another {amount} came out on the last check.",
          "Quick one: is the catch-up counted towards the limit? We have employees over 50 and the system keeps deducting past {limit401}, and I can't tell if it's counting catch-up separately or just not stopping at all.",
          "The 401(k) annual max isn't enforced for employees who had a deduction code change mid-year (we switched some people to a Traditional/Roth split in July). The YTD only seems to count the new code.",
          "Our recordkeeper ({recordkeeper}) flagged {n_emp} participants with excess deferrals. Payroll kept withholding after they hit the limit. Please fix before the last payrolls of the year.",
          "401k contributions are over the IRS max for a couple of people. The 'Stop at annual limit' setting is on. what happened?",
          ("e", "I maxed out my 401k for the year at the end of October but it's still coming out of my check ({amount} last payday). HR told me to contact you. Can it be stopped and the extra refunded?"),
      ],
      acks=["The annual limit check currently uses the YTD of each deduction code separately, so employees with both pre-tax and Roth 401(k) codes aren't stopped at the combined limit. Engineering is fixing it. For the excess, your recordkeeper can process a corrective distribution; we can adjust the YTD on our side.",
            "Thanks - we've confirmed the combined 401(k)/Roth limit isn't enforced when an employee has more than one deferral code. I've set a manual cap for the listed employees so the next run stops correctly."],
      fixes=["The combined-limit fix is released; deferrals now stop at {limit401} across both codes. The attached report shows the excess per employee for your recordkeeper.",
             "Caps are in place and verified on the preview for {next_pay}. Closing this - the permanent fix shipped as well."],
      notes=["PAY-1388 combined 402(g) limit across 401k + Roth codes not enforced.", "Set manual caps for {n_emp} EEs pending PAY-1388."]),
]

PROBLEM_BY_KEY = {p["key"]: p for p in PROBLEMS}

# ---------------------------------------------------------------------------
# One-off problems (singletons): key, category, subcategory, filter, window, subject, body
# ---------------------------------------------------------------------------

SINGLETONS = [
    ("x2_touchscreen_unresponsive_in_cold_room", "TIME_AND_ATTENDANCE", "hardware_issues", "t", None,
     "Touchscreen not responding in freezer area",
     "The X2 mounted at the entrance to our freezer area stops responding to touch when the temperature drops below about 35F. Employees have to walk to the clock by the breakroom. Is there a cold-rated model or a setting for this?"),
    ("hid_iclass_badges_not_read", "TIME_AND_ATTENDANCE", "hardware_issues", "t", None,
     "New badges don't work on clock",
     "We switched to new HID iCLASS SE badges for building access and the X2 doesn't read them at all, the old 125kHz prox cards still work. Does the terminal support iCLASS or do we need a different reader module?"),
    ("x2_terminal_wont_power_on", "TIME_AND_ATTENDANCE", "hardware_issues", "t", None,
     "Time clock dead - need replacement",
     "The terminal at {site} won't power on anymore. No lights, tried a different outlet and a different PoE port. Serial {serial}. Can we get an RMA/replacement shipped? Employees are punching on their phones for now."),
    ("ipad_kiosk_logs_out_after_15_min", "TIME_AND_ATTENDANCE", "punch_in_out", None, None,
     "iPad kiosk keeps logging out",
     "We use an iPad as a shared punch kiosk in the break room. Every 15 minutes or so it logs out of kiosk mode and goes back to the admin login screen, and nobody can punch until a manager logs back in. Guided Access is on."),
    ("auto_meal_deduction_applied_despite_break_punch", "TIME_AND_ATTENDANCE", "punch_in_out", None, None,
     "Lunch deducted twice",
     "We have the automatic 30 min meal deduction for shifts over 6 hours. For employees who actually punch out and in for lunch, the system is still deducting the extra 30 minutes, so they lose half an hour. Example: {emp} on {date_recent}."),
    ("job_code_list_empty_on_web_clock", "TIME_AND_ATTENDANCE", "punch_in_out", None, None,
     "Job codes not showing when clocking in",
     "Employees assigned to more than one department see an empty job code dropdown on the web clock, so they can't clock in to a job. Single-department people are fine."),
    ("face_match_confuses_twins", "TIME_AND_ATTENDANCE", "biometric_registration", "b", None,
     "Clock mixing up two employees",
     "This is a funny one but it's a real problem: we have identical twins working on the same shift, and the face recognition clock sometimes punches one of them in as the other. Can we require PIN + face for specific employees?"),
    ("floating_holiday_hidden_for_part_time", "TIME_AND_ATTENDANCE", "pto", None, None,
     "Floating holiday not available for part-timers",
     "We added a Floating Holiday time off type for all employees, but part-time employees don't see it in the request dropdown. The policy is assigned to them and has a balance of 8 hours."),
    ("pto_blackout_dates_not_enforced", "TIME_AND_ATTENDANCE", "pto", None, None,
     "Blackout dates not blocking time off requests",
     "We set blackout dates for 11/27-11/29 (Black Friday weekend) but employees can still submit and managers can approve PTO for those days. The blackout shows on the calendar but doesn't block anything."),
    ("hours_by_job_report_times_out", "TIME_AND_ATTENDANCE", "reporting", None, None,
     "Report keeps timing out",
     "The Hours by Job Code report times out ('Something went wrong, try again') whenever I pick a date range longer than about 90 days. I need year-to-date numbers for a client invoice."),
    ("schedule_vs_actual_report_shows_utc", "TIME_AND_ATTENDANCE", "reporting", None, None,
     "Schedule vs actual report times wrong",
     "The Schedule vs Actual report shows all punch times 5-6 hours ahead. It looks like UTC. Our company time zone is set correctly and the timecards themselves show local time."),
    ("punch_audit_trail_missing_editor", "TIME_AND_ATTENDANCE", "corrections", None, None,
     "Who edited this punch?",
     "An employee's clock-out on {date_recent} was changed from 6:42 PM to 5:00 PM and the audit trail just says 'Edited' with no user name. We need to know who made the change - this could be a wage and hour issue."),
    ("bulk_edit_erases_punch_notes", "TIME_AND_ATTENDANCE", "corrections", None, None,
     "Bulk edit removed notes",
     "I used Bulk Edit to change the cost code on about 40 punches and it wiped out all the notes employees had entered on those punches. Is there any way to restore them?"),
    ("bonus_off_cycle_run_takes_regular_deductions", "PAYROLL", "pay_runs", None, None,
     "Bonus payroll took deductions",
     "We ran an off-cycle bonus payroll and it took the regular medical and dental deductions from the bonus checks, even though 'Block scheduled deductions' was checked for the run. {n_emp} employees affected."),
    ("cannot_void_check_after_pay_date", "PAYROLL", "pay_runs", None, None,
     "Need to void a check",
     "I need to void a paper check (#{check}, {amount}) from the {last_pay} payroll because the employee lost it. The Void option is greyed out now that the pay date has passed. How do we void and reissue?"),
    ("thursday_pay_date_not_moved_for_thanksgiving", "PAYROLL", "pay_runs", None, (8, 29),
     "Pay date falls on Thanksgiving",
     "We pay weekly on Thursdays and our next pay date is Thanksgiving, 11/26. The system didn't move it to Wednesday like it did for July 4th. Bank holiday adjustment is turned on in settings. Can you check before we run payroll?"),
    ("oregon_transit_tax_remote_employee", "PAYROLL", "tax_questions", None, None,
     "Oregon transit tax question",
     "We just hired our first remote employee who lives in Oregon. Do we need to withhold the Oregon statewide transit tax, and if so how do we add it? I don't see it in the tax setup."),
    ("pa_local_services_tax_deducted_twice", "PAYROLL", "tax_questions", None, None,
     "LST taken twice",
     "One of our employees also works a second job and provided proof the Local Services Tax is already being withheld there, but we're deducting it too - and this period it came out twice on our side. How do we exempt her?"),
    ("bonus_supplemental_rate_not_applied", "PAYROLL", "tax_questions", None, None,
     "Bonus tax withholding question",
     "Federal withholding on our bonus checks came out way higher than 22%. Shouldn't the supplemental flat rate apply? The earnings code is set up as 'Bonus'."),
    ("paycard_deposits_not_loaded", "PAYROLL", "direct_deposits", None, None,
     "Paycard funds missing",
     "Three of our employees who use the paycard instead of a bank account say their pay wasn't loaded on {last_pay}. Regular direct deposits went through fine."),
    ("deposits_late_after_veterans_day", "PAYROLL", "direct_deposits", None, (18, 20),
     "Direct deposits a day late",
     "Our employees got paid a day late this week. I think it's because of the Veterans Day bank holiday on 11/11 - shouldn't the system have moved the ACH submission up a day? Several people got overdraft fees."),
    ("certified_payroll_wh347_missing_fringe", "PAYROLL", "reporting", "f", None,
     "Certified payroll report missing fringes",
     "The certified payroll (WH-347) report for our prevailing wage job doesn't show the fringe benefit amounts in column 4(b), even though the fringe rates are set up on the job. The GC rejected our last submission."),
    ("workers_comp_report_missing_class_codes", "PAYROLL", "reporting", None, None,
     "Workers comp report incomplete",
     "Our workers comp audit is coming up and the Workers Comp Wages report has blank class codes for about a third of our employees, even though the codes are set on their profiles."),
    ("tip_credit_makeup_not_calculated", "PAYROLL", "errors", None, None,
     "Tipped employees under minimum wage",
     "For a couple of our servers, tips + cash wage came out under minimum wage for the week and the system didn't add the tip credit make-up pay. We had this set up before and it worked."),
    ("shift_differential_missing_on_holiday_hours", "PAYROLL", "errors", None, None,
     "Night differential not paid on holiday",
     "Our night shift differential ($1.50/hr) isn't being applied to hours worked on holidays. Veterans Day night shift got holiday pay but no differential."),
    ("rehire_blocked_email_already_in_use", "SETTINGS", "employee_registration", None, None,
     "Can't rehire former employee",
     "I'm trying to rehire {emp} (SSN {ssn_fake}) who left last year. Add Employee says 'Email already in use' and there's no rehire option on the terminated profile."),
    ("bulk_import_rejects_apostrophe_names", "SETTINGS", "employee_registration", None, None,
     "Import fails on names",
     "Our new hire CSV import fails for anyone with an apostrophe or hyphen in their last name (O'Brien, Smith-Jones). The error just says 'Invalid character in row 14'."),
    ("bipa_consent_text_not_editable", "SETTINGS", "biometric_enrollment", None, None,
     "Biometric consent form in Spanish",
     "We're in Illinois and need employees to sign the biometric consent before enrollment. Most of our staff read Spanish, but the consent text can't be edited or translated and employees are refusing to sign something they can't read."),
    ("union_dues_percentage_rounding", "SETTINGS", "deductions", None, None,
     "Union dues off by a penny",
     "Union dues are set at 1.35% of gross and the amount is always a cent or two off from what the union calculates. They round half up; it looks like you truncate. The union local is asking us to fix it."),
    ("deduction_start_mid_period_not_prorated", "SETTINGS", "deductions", None, None,
     "Deduction start date question",
     "I set a new employee's dental deduction to start {date_recent}, which is the middle of a pay period, and it took the full amount for the period. The plan says it should be prorated. Is there a setting for that?"),
]

# ---------------------------------------------------------------------------
# Non-issue tickets
# ---------------------------------------------------------------------------

# category -> (ticket count, tags, items); item = (voice, subjects, body, agent replies)
# voice: "a" admin/owner, "e" employee, "*" either. Empty replies = nobody answers publicly.
NO_ISSUE = {
    "billing": (14, ["billing"], [
        ("a", ["Invoice question", "Question about our November invoice", "Billing - employee count"],
         "Our November invoice (INV-{inv}) is for {amount} but we only had about {headcount} active employees. Are terminated employees still being counted? Can you send a breakdown?",
         ["I've attached a breakdown of the billable employees for the period. Employees terminated before the 1st aren't billed; the ones listed were active for at least one day."]),
        ("a", ["Invoice INV-{inv} - PO number needed", "PO # on invoice"],
         "Can you re-issue invoice INV-{inv} with our PO number {po} on it? Our AP department won't pay it without the PO.",
         ["Done - the updated invoice is attached and future invoices will include the PO number."]),
        ("a", ["Update credit card on file", "New card for billing"],
         "Please update the card on file for our account. New card: 4111 1111 1111 1111, exp 09/29, billing zip {zip}. The old card was cancelled because of fraud.",
         ["Thanks - for your security we've removed the card number from this ticket. Please add the new card under Settings > Billing > Payment method; the link is attached."]),
        ("a", ["Charged twice?", "Duplicate charge on our card"],
         "We were charged {amount} twice on {date_recent} according to our bank statement. Please refund one of the charges.",
         ["Thanks, I've passed this to our billing team; they'll follow up by email within one business day."]),
        ("a", ["W-9 request", "Vendor setup - need W-9"],
         "Could you send us a W-9 and your remittance address? We're setting you up as a vendor in our new AP system.",
         ["Attached are our W-9 and remittance details."]),
        ("a", ["Why did our bill go up?", "Price increase?"],
         "Our invoice went up this month. Did the per-employee price change or were we billed for something new? We didn't add any modules.",
         ["Your annual price adjustment took effect on your renewal date in October; the details are in the renewal notice attached. Happy to set up a call with your account manager."]),
        ("a", ["Sales tax on invoices", "Tax exempt status"],
         "We are a 501(c)(3). Can you remove sales tax from our invoices going forward? I can send the exemption certificate.",
         ["Please reply with the exemption certificate and we'll mark the account tax exempt from the next invoice on."]),
    ]),
    "access": (14, ["account_access"], [
        ("*", ["Locked out", "Account locked"], "I got locked out after too many password attempts. Can you unlock my account? My username is {email}.",
         ["I've unlocked your account and sent a fresh password reset link - it's valid for 24 hours."]),
        ("*", ["MFA - new phone", "2FA code problem"], "I have a new phone and can't get the 2-factor code anymore. Can you reset my MFA please?",
         ["MFA has been reset; you'll be asked to enroll your new phone at the next login."]),
        ("*", ["Password reset", "Can't log in"], "Forgot my password and the reset link says it has expired. Please help, I need to get into my account today.",
         ["I've sent a new reset link to the email on file - it's valid for 24 hours."]),
        ("e", ["Can't log in", "login help"], "hi i can't log in to the app, it says my account is inactive. i was just rehired at {org_name}, can you fix it",
         ["Your employer's admin needs to reactivate your profile after a rehire - I've let them know, and you'll get an email once it's done."]),
        ("a", ["Need access removed", "Remove admin access"], "Please remove access for {emp2_f}, she no longer works here, and give admin access to {emp}.",
         ["Done - access has been removed and {emp} now has the admin role."]),
        ("a", ["Please reset admin password", "Lost admin login"], "Can you reset the password on our main admin login? {emp} left the company and nobody knows it.",
         ["For security reasons we need to verify this with another admin or the account owner. I'll call the number on file to confirm and then send the reset link."]),
    ]),
    "thanks": (12, ["follow_up"], [
        ("a", ["Re: {prev_subject}"], "Thanks {agent}, that fixed it! Appreciate the quick help.", ["Glad to hear it! I'll close this ticket - just reply if anything else comes up."]),
        ("a", ["Re: {prev_subject}"], "That worked, you can close this.", ["Great, thanks for confirming."]),
        ("a", ["Re: {prev_subject}"], "Confirmed, it's working now. Thank you!", ["Great news, thanks for letting us know."]),
        ("a", ["Re: {prev_subject}"], "Perfect, thanks so much. Have a good weekend.", ["You too! Closing this out."]),
        ("a", ["Re: {prev_subject}"], "ok that did the trick. thanks again", ["Glad it's sorted."]),
        ("a", ["Re: {prev_subject}"], "Just wanted to let you know everything looks good now. Thanks for your help on this.", ["Thanks for following up!"]),
    ]),
    "sales": (9, ["sales", "upsell"], [
        ("a", ["Adding a new location", "New location - pricing?"],
         "We're opening a new location in {city2} next month (about {n_emp} employees). What's the pricing to add it, and can it be on the same account?",
         ["I've looped in your account executive, who will reach out today with pricing."]),
        ("a", ["Pricing for payroll module", "Payroll add-on"],
         "We currently only use time & attendance. Can someone send pricing for the payroll module? We have {headcount} employees paid biweekly.",
         ["Thanks for your interest! Our sales team will contact you to set up a time."]),
        ("a", ["Need more time clocks", "Quote for X2 terminals"],
         "We'd like 5 more TimeClock Pro X2 terminals. Do you have volume pricing? We need them installed before the holidays.",
         ["I've asked your account executive to send a quote; shipping is currently 3-5 business days."]),
        ("a", ["Demo for sister company", "Referral"],
         "Our sister company wants a demo of the scheduling and time tracking. Who should they contact?",
         ["Thanks for the referral! Have them book a time at the link attached, or I can connect them with our sales team directly."]),
    ]),
    "contact_change": (9, ["account_admin"], [
        ("a", ["Please update our account owner", "Change of primary contact"],
         "Please update our account owner / primary contact. {emp} retired at the end of October. The new contact is me, {name}, {email}.",
         ["Done - the primary contact has been updated."]),
        ("a", ["Billing contact change", "New billing contact"],
         "Effective Monday, {emp} will be the new billing contact for {org_name}. Please send invoices to ap@{domain}.",
         ["Updated. Invoices will go to ap@{domain} starting with the next billing cycle."]),
        ("a", ["New admin contact", "Admin change"],
         "We had a change in management. Please remove {emp2} as an account admin and add {emp} with full permissions.",
         ["Done - {emp} has full admin permissions and {emp2}'s access has been removed."]),
    ]),
    "ooo": (10, ["autoreply"], [
        ("a", ["Automatic reply: Re: [{product}] {prev_subject}", "Automatic reply: {prev_subject}"],
         "Thank you for your email. I am out of the office through {ooo_until} with limited access to email. For urgent payroll matters please contact {emp} at {tel}.", []),
        ("a", ["Out of Office: Re: [Request #{prev_id}] {prev_subject}", "Automatic reply: {prev_subject}"],
         "I'm currently out of the office and will return on {ooo_until}. If you need immediate assistance, please call our main office at {tel}.", []),
        ("a", ["Automatic reply: Re: [{product}] {prev_subject}", "Out of Office: {prev_subject}"],
         "Hello, I am on leave until {ooo_until}. Your message will not be forwarded. For HR questions email hr@{domain}.", []),
    ]),
    "misc": (4, ["general_question"], [
        ("a", ["Support hours over Thanksgiving?", "Holiday support hours"],
         "Will support be open the day after Thanksgiving? We run payroll on Friday 11/27 and want to be sure someone's around.",
         ["Yes, support is open with normal hours on Friday 11/27. Only Thanksgiving Day itself has reduced coverage."]),
        ("a", ["SOC report request", "Security documentation"],
         "Our auditors are asking for your SOC 1 Type II report. Can you send it or tell me where to request it?",
         ["I've requested the report from our compliance team; it will be shared under NDA through our trust portal."]),
        ("a", ["Add CC to tickets", "CC on tickets"],
         "Could you add {emp} ({email2}) as a CC on all our tickets going forward?",
         ["Done - {emp} will be copied on new tickets from your organization."]),
    ]),
}

# ---------------------------------------------------------------------------
# Phrasing pieces around the body
# ---------------------------------------------------------------------------

GREETINGS = ["Hi,", "Hello,", "Hi team,", "Hi {product} support,", "Good morning,", "", "", "To whom it may concern,",
             "Hey guys,", "Hi there,", "Support,", "Good afternoon,"]
INTROS = ["I'm the payroll admin at {org_name}.", "We have {headcount} employees across several locations.",
          "Not sure who to send this to.", "I manage HR for {org_name}.", "Hoping you can help with something.",
          "Sorry if this has been asked before."]
CLOSERS = ["Please advise.", "Thanks in advance!", "Can someone call me?", "Appreciate the help.", "This is urgent.",
           "Let me know what you need from me.", "Thank you.", "", "", "Any help is appreciated.", "Please help!"]
EXTRAS = ["Also please CC {emp3} on this ticket.", "P.S. can you send a copy of the October invoice when you get a chance?",
          "(Screenshot attached.)", "I can jump on a call anytime today."]
CONNECTORS = ["\n\nAlso, unrelated: ", "\n\nSecond issue - ", "\n\nWhile I have you: ", "\n\nOne more thing. ",
              "\n\nSeparate question: ", "\n\nP.S. ", "\n\nAnd another thing - ", "\n\nAlso, "]
TWO_SUBJECTS = ["Two issues", "A couple of problems", "Few things", "2 questions", "Multiple issues this week",
                "{shortA} + {shortB}", "{shortA} and {shortB} issues", "Issues: {shortA}, {shortB}"]
# (agent question, possible customer answers); the last one is only used for mobile-app problems
ASKS = [
    ("Thanks for reaching out. Could you send a screenshot of what you're seeing and the name of one affected employee so we can take a look?",
     ["Screenshot attached. It's {emp}, and it happened again this morning.", "Attached. One of them is {emp}.",
      "Sent you the screenshot by email. Employee is {emp}."]),
    ("Thanks for the report. To investigate, can you confirm which location this is and roughly when it happened?",
     ["It's {site}, around {local_time}.", "{site}, on {date_recent}. Let me know if you need anything else."]),
    ("Thanks for the details. Could you grant support access under Settings > Account > Support access so I can review your configuration?",
     ["Support access is granted. Thanks.", "Done, access granted for 7 days."]),
    ("Sorry about the trouble. Which device and app version is this on? (Menu > About in the app)",
     ["Sure - app version {app_ver}, phone is a {device}.", "{device}, app {app_ver}. Same on a {device2}."]),
]
THANKS_FOLLOWUPS = ["Thanks, that worked.", "Great, thank you!", "Confirmed, all good now.", "Thank you for the quick help.", "ok thanks"]
CHASERS = ["Any update on this? Still happening for {n_emp} people.", "Following up - is there an ETA? Payroll is on {next_pay}.",
           "Hi, just checking in on this. Employees keep asking me.", "Is there a workaround in the meantime?"]
GENERIC_NOTES = ["Checked config, nothing unusual. Escalating to tier 2.", "Customer is on {plan} plan, CSM looped in.",
                 "Called customer at number in signature, left VM.", "Customer sounds frustrated - prioritize."]
NOISSUE_NOTES = {"billing": ["Forwarded to billing@, invoice INV-{inv}.", "Card details redacted from ticket."],
                 "access": ["Verified identity via callback to number on file.", "Admin confirmed via email."],
                 "sales": ["Routed to AE for {org_name}.", "Expansion opp logged in CRM."],
                 "contact_change": ["Updated primary contact in billing system."],
                 "ooo": ["OOO autoreply - closing.", "Autoreply, no action."],
                 "thanks": ["Customer confirmed fix. Closing."], "misc": ["Sent to compliance."]}
AGENT_GREETS = ["Hi {first},", "Hello {first},", "Hi {first} -", "Thanks for reaching out, {first}."]
AGENT_FOLLOWUP_GREETS = ["Hi {first},", "Hello {first},", "Hi again {first},", "{first},", "Hi {first} - following up here."]
AGENT_CLOSES = ["Best,\n{agent}", "Thanks,\n{agent}\n{product} Support", "Kind regards,\n{agent} | {product} Support",
                "Let me know if you have any questions.\n\n{agent}"]
LOCAL_HOUR_WEIGHTS = [0.2, 0.1, 0.1, 0.1, 0.2, 1, 3, 6, 10, 12, 12, 10, 7, 9, 10, 9, 7, 4, 2, 1.5, 1, 0.7, 0.4, 0.3]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def day_date(d):
    return START + dt.timedelta(days=d)


def md(date):
    return f"{date.month}/{date.day}"


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def money(x):
    return f"${x:,.2f}"


def ordinal(n):
    suf = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suf}"


class Deck:
    """Draw items in shuffled rounds so every phrasing gets used."""

    def __init__(self, rng, items):
        self.rng, self.items, self.pool = rng, list(items), []

    def draw(self, ok=lambda i: True):
        for _ in range(2):
            for pos, idx in enumerate(self.pool):
                if ok(idx):
                    return self.pool.pop(pos)
            self.pool = list(range(len(self.items)))
            self.rng.shuffle(self.pool)
        raise ValueError("no acceptable item")


def voice_of(entry):
    return entry[0] if isinstance(entry, tuple) else "a"


def text_of(entry):
    return entry[1] if isinstance(entry, tuple) else entry


def voice_ok(entry_voice, want):
    return entry_voice == "*" or entry_voice == want


TYPO_CONTRACTIONS = [("don't", "dont"), ("can't", "cant"), ("isn't", "isnt"), ("doesn't", "doesnt"), ("I'm", "Im"),
                     ("won't", "wont"), ("didn't", "didnt"), ("aren't", "arent"), ("It's", "Its")]


def add_typos(rng, text):
    ops = rng.randint(1, 3)
    for _ in range(ops):
        op = rng.random()
        if op < 0.35:
            cands = [pair for pair in TYPO_CONTRACTIONS if pair[0] in text]
            if cands:
                a, b = rng.choice(cands)
                text = text.replace(a, b, 1)
                continue
        words = [m for m in re.finditer(r"\b[a-z]{5,}\b", text)
                 if text[m.start() - 1:m.start()] not in "@._-/" and text[m.end():m.end() + 1] not in "@.-_/"
                 or (text[m.end():m.end() + 1] == "." and text[m.end() + 1:m.end() + 2] in (" ", "\n", ""))]
        if not words:
            continue
        m = rng.choice(words)
        w = m.group(0)
        if op < 0.7:
            i = rng.randint(1, len(w) - 3)
            w2 = w[:i] + w[i + 1] + w[i] + w[i + 2:]
        elif op < 0.85:
            i = rng.randint(1, len(w) - 2)
            w2 = w[:i] + w[i + 1:]
        else:
            i = rng.randint(1, len(w) - 2)
            w2 = w[:i] + w[i] + w[i:]
        text = text[:m.start()] + w2 + text[m.end():]
    return text


def lower_first(text, ctx):
    first_word = text.split(" ", 1)[0]
    if text.startswith(ctx.get("emp", "\0")) or first_word in ("I", "I'm", "PTO", "HSA", "X2") or first_word.isupper():
        return text
    if len(first_word) > 1 and first_word[1:].islower():
        return text[0].lower() + text[1:]
    return text


# ---------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------

class Generator:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.next_person_id = 9001
        self.used_names = set()
        self.customers = []
        self.meta = []
        self._build_customers()
        self.body_decks = {}
        self.subject_decks = {}
        self.misc_decks = {}

    # -- people -------------------------------------------------------------
    def new_name(self, first=None, last=None):
        rng = self.rng
        while True:
            f = first or rng.choice(FIRST_NAMES)
            l = last or rng.choice(LAST_NAMES)
            if (f, l) not in self.used_names or (first and last):
                self.used_names.add((f, l))
                return f, l

    def new_person(self, first, last, email, title=None, kind="admin", customer=None, linked=True):
        p = dict(id=self.next_person_id, first=first, last=last, name=f"{first} {last}", email=email,
                 title=title, kind=kind, customer=customer, linked=linked)
        self.next_person_id += 1
        return p

    @staticmethod
    def corp_email(rng, first, last, domain, small):
        f = re.sub(r"[^a-z]", "", first.lower())
        l = re.sub(r"[^a-z]", "", last.lower())
        pattern = rng.choice(["f.l", "f.l", "fl", "f"] if small else ["f.l", "f.l", "f.l", "fl", "fl_"])
        local = {"f.l": f"{f}.{l}", "fl": f"{f[0]}{l}", "f": f, "fl_": f"{f}{l[0]}"}[pattern]
        return f"{local}@{domain}"

    def personal_email(self, first, last):
        rng = self.rng
        f = re.sub(r"[^a-z]", "", first.lower())
        l = re.sub(r"[^a-z]", "", last.lower())
        local = rng.choice([f"{f}.{l}", f"{f}{l}{rng.randint(1, 99)}", f"{f[0]}{l}{rng.randint(70, 99)}", f"{f}_{l}"])
        return f"{local}@{rng.choice(PERSONAL_DOMAINS)}"

    def _build_customers(self):
        rng = self.rng
        for i, (name, domain, ind, st, city, hc, pair) in enumerate(ORGS):
            c = dict(org_id=501 + i, name=name, domain=domain, industry=ind, state=st, city=city,
                     headcount=hc, pair=pair, flags=INDUSTRIES[ind]["flags"], small_biz=False,
                     ca=(st == "CA" or (pair is not None and "CA" in pair)),
                     weight=hc ** 0.7, requesters=[], unlinked=[], employees_personal=[])
            n_req = 1 if hc < 60 else 2 if hc < 150 else 3 if hc < 300 else 4 if hc < 500 else 5 if hc < 800 else 6
            if hc >= 60 and rng.random() < 0.3:
                n_req -= 1
            for j in range(max(1, n_req)):
                if i == 0 and j == 0:
                    f, l = self.new_name("Dana", "Ruiz")
                else:
                    f, l = self.new_name()
                title = rng.choice(ADMIN_TITLES)
                c["requesters"].append(self.new_person(f, l, self.corp_email(rng, f, l, domain, hc < 100), title, "admin", c))
            self.customers.append(c)
        self.small_biz = []
        for (name, ind, st, city, hc, f, l) in SMALL_BIZ:
            self.used_names.add((f, l))
            c = dict(org_id=None, name=name, domain=None, industry=ind, state=st, city=city, headcount=hc, pair=None,
                     flags=INDUSTRIES[ind]["flags"], small_biz=True, ca=(st == "CA"), weight=1.0, requesters=[])
            c["requesters"].append(self.new_person(f, l, self.personal_email(f, l), "Owner", "owner", c, linked=False))
            self.small_biz.append(c)

    # -- filters ------------------------------------------------------------
    @staticmethod
    def fits(c, filt):
        if filt is None:
            return True
        if filt == "ca":
            return c["ca"]
        if filt == "multistate":
            return c["pair"] is not None
        return filt in c["flags"]

    def pick_customer(self, filters, small_biz=False):
        pool = [c for c in (self.small_biz if small_biz else self.customers) if all(self.fits(c, f) for f in filters)]
        if not pool:
            return None
        return self.rng.choices(pool, [c["weight"] for c in pool])[0]

    def pick_requester(self, filters, employee_ok):
        """Returns (person, customer, org_linked)."""
        rng = self.rng
        r = rng.random()
        if employee_ok and r < 0.04:
            c = self.pick_customer(filters)
            if len(c["employees_personal"]) < 2 and (not c["employees_personal"] or rng.random() < 0.5):
                f, l = self.new_name()
                job = rng.choice(INDUSTRIES[c["industry"]]["jobs"])
                c["employees_personal"].append(self.new_person(f, l, self.personal_email(f, l), job, "employee", c, linked=False))
            return rng.choice(c["employees_personal"]), c, False
        if r < 0.065:
            c = self.pick_customer(filters, small_biz=True)
            if c is not None:
                return c["requesters"][0], c, False
        if r < 0.088:
            c = self.pick_customer(filters)
            if not c["unlinked"]:
                f, l = self.new_name()
                c["unlinked"].append(self.new_person(f, l, self.corp_email(rng, f, l, c["domain"], False),
                                                     rng.choice(ADMIN_TITLES), "admin", c, linked=False))
            return c["unlinked"][0], c, False
        c = self.pick_customer(filters)
        return rng.choice(c["requesters"]), c, True

    # -- dates --------------------------------------------------------------
    def sample_day(self, lo, hi, shape=None):
        days = list(range(lo, hi + 1))
        weights = []
        for d in days:
            w = 0.28 if day_date(d).weekday() >= 5 else 1.0
            if shape == "falling":
                w *= max(0.35, 1.5 - 0.08 * (d - lo))
            elif shape == "rising":
                w *= 0.6 + 0.12 * (d - lo)
            weights.append(w)
        return self.rng.choices(days, weights)[0]

    def sample_problem_day(self, p):
        rng = self.rng
        key, trend = p["key"], p["trend"]
        if trend == "steady":
            return self.sample_day(0, N_DAYS - 1)
        if trend == "emerging":
            if rng.random() < 0.12:
                return self.sample_day(21, 22)
            return self.sample_day(LAST7_FROM, N_DAYS - 1, "rising")
        # declining
        if key.startswith("terminal_clock_not_adjusted"):
            return self.sample_day(9, 12, "falling") if rng.random() < 0.88 else self.sample_day(13, 17)
        if rng.random() < 0.86:
            return self.sample_day(0, FIRST14_TO, "falling")
        return self.sample_day(FIRST14_TO + 1, FIRST14_TO + 5)

    @staticmethod
    def window(p):
        trend = p["trend"]
        if trend == "steady":
            return (0, N_DAYS - 1)
        if trend == "emerging":
            return (21, N_DAYS - 1)
        if p["key"].startswith("terminal_clock_not_adjusted"):
            return (9, 17)
        return (0, FIRST14_TO + 5)

    def sample_time(self, day, state):
        """Local business-hours time on `day`, returned as naive UTC."""
        rng = self.rng
        _, off, dst = tz_of(state)
        for _ in range(50):
            hour = rng.choices(range(24), LOCAL_HOUR_WEIGHTS)[0]
            local = dt.datetime.combine(day_date(day), dt.time(hour, rng.randint(0, 59), rng.randint(0, 59)))
            o = off + (1 if dst and local.date() < dt.date(2026, 11, 1) else 0)
            utc = local - dt.timedelta(hours=o)
            if dt.datetime.combine(START, dt.time(0)) <= utc <= WINDOW_END:
                return utc
        return dt.datetime.combine(day_date(day), dt.time(15, 0))

    @staticmethod
    def to_local(t, state):
        _, off, dst = tz_of(state)
        o = off + (1 if dst and (t + dt.timedelta(hours=off)).date() < dt.date(2026, 11, 1) else 0)
        return t + dt.timedelta(hours=o)

    # -- planning -----------------------------------------------------------
    def plan(self):
        rng = self.rng
        plans = []
        n_single_recurring = N_TICKETS - N_NO_ISSUE - N_TWO_ISSUE - len(SINGLETONS)
        total_occ = n_single_recurring + 2 * N_TWO_ISSUE
        weight_sum = sum(p["total"] for p in PROBLEMS)
        targets = [p["total"] * total_occ / weight_sum for p in PROBLEMS]
        counts = [int(t) for t in targets]
        rest = total_occ - sum(counts)
        order = sorted(range(len(PROBLEMS)), key=lambda i: -(targets[i] - counts[i]))
        for i in order[:rest]:
            counts[i] += 1
        occ = []
        for p, n in zip(PROBLEMS, counts):
            for _ in range(n):
                occ.append((p["key"], self.sample_problem_day(p)))
        rng.shuffle(occ)
        # pair up occurrences into two-issue tickets
        pairs = []
        while len(pairs) < N_TWO_ISSUE:
            a = occ.pop(rng.randrange(len(occ)))
            pa = PROBLEM_BY_KEY[a[0]]
            cand = []
            for idx, b in enumerate(occ):
                pb = PROBLEM_BY_KEY[b[0]]
                lo, hi = self.window(pb)
                if b[0] == a[0] or pb["sub"] == pa["sub"] or not (lo <= a[1] <= hi):
                    continue
                if self.pick_customer_pool_empty([pa["filter"], pb["filter"]]):
                    continue
                cand.append(idx)
            if not cand:
                occ.append(a)
                continue
            b = occ.pop(rng.choice(cand))
            pairs.append((a, b))
        for a, b in pairs:
            plans.append(dict(kind="two", problems=[a[0], b[0]], day=a[1]))
        for key, day in occ:
            plans.append(dict(kind="one", problems=[key], day=day))
        for s in SINGLETONS:
            lo, hi = s[4] or (0, N_DAYS - 1)
            plans.append(dict(kind="singleton", singleton=s, problems=[], day=self.sample_day(lo, hi)))
        for cat, spec in NO_ISSUE.items():
            for _ in range(spec[0]):
                plans.append(dict(kind="none", cat=cat, problems=[], day=self.sample_day(0, N_DAYS - 1)))
        # requester + time
        for pl in plans:
            filters = []
            employee_ok = False
            if pl["kind"] in ("one", "two"):
                filters = [PROBLEM_BY_KEY[k]["filter"] for k in pl["problems"]]
                if pl["kind"] == "one":
                    employee_ok = any(voice_of(b) in ("e", "*") for b in PROBLEM_BY_KEY[pl["problems"][0]]["bodies"])
            elif pl["kind"] == "singleton":
                filters = [pl["singleton"][3]]
            elif pl["kind"] == "none":
                employee_ok = pl["cat"] == "access"
                if pl["cat"] in ("ooo", "contact_change", "billing", "sales"):
                    filters = ["__org_only__"]
            if "__org_only__" in filters:
                c = self.pick_customer([])
                person = rng.choice(c["requesters"])
                linked = rng.random() > 0.05
                pl.update(person=person, customer=c, linked=linked)
            else:
                person, c, linked = self.pick_requester(filters, employee_ok)
                pl.update(person=person, customer=c, linked=linked)
        # every organization should show up at least once: hand org-only, non-issue
        # tickets from the busiest customers to the ones that got nothing
        used = Counter(pl["customer"]["org_id"] for pl in plans if pl["linked"])
        movable = [pl for pl in plans if pl["kind"] == "none" and pl["cat"] in ("contact_change", "billing", "sales", "ooo")]
        for c in self.customers:
            if used[c["org_id"]] == 0 and movable:
                movable.sort(key=lambda pl: -used[pl["customer"]["org_id"]])
                pl = movable.pop(0)
                used[pl["customer"]["org_id"]] -= 1
                pl.update(customer=c, person=rng.choice(c["requesters"]), linked=True)
                used[c["org_id"]] += 1
        for pl in plans:
            pl["created"] = self.sample_time(pl["day"], pl["customer"]["state"])
        plans.sort(key=lambda x: (x["created"], x["person"]["id"]))
        return plans

    def pick_customer_pool_empty(self, filters):
        return not any(all(self.fits(c, f) for f in filters) for c in self.customers)

    # -- context for templates ------------------------------------------------
    def make_ctx(self, pl, agent):
        rng = self.rng
        c, person = pl["customer"], pl["person"]
        created = pl["created"]
        local = self.to_local(created, c["state"])
        today = local.date()
        ind = INDUSTRIES[c["industry"]]
        site = rng.choice(ind["sites"]).format(city=c["city"], num=rng.randint(2, 48), street=rng.choice(STREETS),
                                               client=rng.choice(CLIENTS))
        emps, genders = [], []
        while len(emps) < 3:
            gender = rng.choice("fm")
            f, l = rng.choice(FEMALE_NAMES if gender == "f" else MALE_NAMES), rng.choice(LAST_NAMES)
            if f != person["first"] and f"{f} {l}" not in emps:
                emps.append(f"{f} {l}")
                genders.append(gender)
        emp2_f = f"{rng.choice(FEMALE_NAMES)} {rng.choice(LAST_NAMES)}"
        hc = c["headcount"]
        n_emp = max(2, min(hc // 4, rng.choice([2, 3, 3, 4, 5, 6, 8, 11, 12, 15, 23, 30, 40])))
        # pay dates: Fridays
        days_to_fri = (4 - today.weekday()) % 7
        next_pay = today + dt.timedelta(days=days_to_fri if days_to_fri else 7)
        last_pay = today - dt.timedelta(days=(today.weekday() - 4) % 7 or 7)
        base = dt.date(2026, 10, 11)
        k = (today - base).days // 14
        cur_start = base + dt.timedelta(days=14 * k)
        prev_start = cur_start - dt.timedelta(days=14)
        prev_end = cur_start - dt.timedelta(days=1)
        recent = today - dt.timedelta(days=rng.randint(1, 4))
        since = today - dt.timedelta(days=rng.randint(2, 6))
        since_day = rng.choice([WEEKDAYS[since.weekday()], md(since), f"the {ordinal(since.day)}"])
        anniv = today - dt.timedelta(days=rng.randint(15, 50))
        years = rng.choice([3, 5, 5, 6, 10])
        rate_old = rng.choice([3.08, 4.62, 3.69])
        bal_web = rng.choice([24, 32, 40.5, 56, 61.25, 72, 80, 18.5])
        bal_app = round(bal_web - rng.choice([8, 16, 24, 12.5]), 2)
        if bal_app < 0:
            bal_app = 0
        hsa = rng.choice([41.67, 87.50, 62.50, 120.00, 150.00, 75.00])
        pair = c["pair"] or (c["state"], c["state"])
        res_state, work_state = pair
        ssn_mid, ssn_last = rng.randint(10, 99), rng.randint(1000, 9999)
        acct4 = f"{rng.randint(0, 9999):04d}"
        tel_ac = rng.choice(AREA_CODES.get(c["state"], ["555"]))
        tel_num = f"555-01{rng.randint(0, 99):02d}"
        tel = rng.choice([f"({tel_ac}) {tel_num}", f"{tel_ac}-{tel_num}", f"{tel_ac}.{tel_num.replace('-', '.')}"])
        amount = rng.choice([rng.uniform(180, 2400), rng.uniform(40, 900)])
        qwages = rng.uniform(0.9e6, 4.5e6) * hc / 400
        devs = rng.sample(ANDROID_DEVICES, 2)
        if created >= dt.datetime(2026, 11, 19):
            app_new = rng.choice(["5.14.0", "5.14.1"])
        else:
            app_new = "5.14.0"
        app_ver = app_new if created >= dt.datetime(2026, 11, 13, 18) else "5.13.2"
        tzname = tz_of(c["state"])[0]
        ctx = dict(
            product=PRODUCT, org_name=c["name"], city=c["city"], state=STATE_NAMES[c["state"]], st=c["state"],
            domain=c["domain"] or "example.com", first=person["first"], name=person["name"], email=person["email"],
            emp=emps[0], emp2=emps[1], emp3=emps[2], emp2_f=emp2_f, _emp2_used=False, _emp_gender=genders[0], _emp_used=False, email2=f"{emps[1].split()[0].lower()}@{c['domain'] or 'gmail.com'}",
            n_emp=n_emp, headcount=hc, site=site, site_short=site.replace("the ", "").replace("our ", ""),
            dept1=ind["depts"][0], dept2=ind["depts"][1], job=person["title"] if person["kind"] == "employee" else rng.choice(ind["jobs"]),
            device=devs[0], device2=devs[1], iphone=rng.choice(IPHONES), app_new=app_new, app_ver=app_ver,
            fw=rng.choice(["3.2.0", "3.2.1"]), serial=f"TCX2-{rng.randint(100000, 999999)}", q=rng.randint(12, 140),
            since_day=since_day, tz=tzname, close_day=rng.choice(["Monday", "tomorrow at noon", "Wednesday", "end of day tomorrow"]),
            next_pay=f"{WEEKDAYS[next_pay.weekday()]} {md(next_pay)}" if rng.random() < 0.5 else md(next_pay),
            last_pay=md(last_pay), prev_period=f"{md(prev_start)}-{md(prev_end)}",
            date_prev_period=md(prev_start + dt.timedelta(days=rng.randint(0, 13))), date_recent=md(recent),
            weekday=WEEKDAYS[recent.weekday()], anniv_date=md(anniv),
            hire_date=f"{anniv.month}/{anniv.day}/{anniv.year - years}", years=years,
            rate_old=f"{rate_old:.2f}", rate_new=f"{rate_old * 1.5:.2f}",
            since_month=MONTHS[(today.month - rng.randint(2, 4) - 1) % 12], bal_web=f"{bal_web:g}", bal_app=f"{bal_app:g}",
            amount=money(amount), amount_big=money(qwages), amount_big2=money(qwages * rng.uniform(0.96, 0.995)),
            check=rng.randint(10200, 48999), fein4=f"{rng.randint(0, 9999):04d}", run_id=rng.randint(300000, 899999),
            garn=rng.choice(GARNISHMENTS), res_state=res_state, work_state=work_state,
            res_state_name=STATE_NAMES[res_state], work_state_name=STATE_NAMES[work_state],
            routing="110000000", acct4=acct4, acct_full=f"00012345{acct4}", bank=rng.choice(BANKS),
            accounting=rng.choice(ACCOUNTING), hours=rng.choice(["9.5", "10", "10.5", "11.25", "9", "12.5"]),
            ssn_lz=f"0{ssn_mid}-00-{ssn_last}", ssn4=f"{ssn_last}", ssn_fake=f"000-{ssn_mid}-{ssn_last}", ssn_stripped=f"{ssn_mid}00{ssn_last}",
            start_date=md(today + dt.timedelta(days=(7 - today.weekday()) or 7)),
            old_clock=rng.choice(OLD_CLOCKS), hsa=money(hsa), hsa2=money(hsa * 2), broker=rng.choice(BROKERS),
            limit401="$24,500", ytd401=money(24500 + rng.uniform(300, 2400)), recordkeeper=rng.choice(RECORDKEEPERS),
            tel=tel, agent=agent[1].split()[0], inv=f"2026-{rng.randint(10000, 99999)}", po=f"PO-{rng.randint(40000, 99999)}",
            zip=f"{rng.randint(10000, 99999)}", city2=rng.choice(OTHER_CITIES),
            plan="Enterprise" if hc >= 500 else "Pro" if hc >= 150 else "Essentials",
            local_time=f"{rng.choice([6, 7, 7, 8, 9, 14, 15])}:{rng.choice(['00', '05', '10', '30', '45'])}",
            ooo_until=md(today + dt.timedelta(days=rng.randint(2, 10))),
            crew=INDUSTRY_WORDS[c["industry"]][0], ppe=INDUSTRY_WORDS[c["industry"]][1], hands=INDUSTRY_WORDS[c["industry"]][2],
        )
        return ctx

    # -- text assembly --------------------------------------------------------
    def deck(self, store, key, items):
        if key not in store:
            store[key] = Deck(self.rng, items)
        return store[key]

    def problem_body(self, p, voice, ctx):
        bodies = p["bodies"]
        d = self.deck(self.body_decks, p["key"], bodies)
        idx = d.draw(lambda i: voice_ok(voice_of(bodies[i]), voice))
        return idx, self.fill(text_of(bodies[idx]), ctx)

    def fill(self, raw, ctx):
        """Format a customer template; {emp_f}/{emp_m} pick a female/male name for {emp}."""
        need = "f" if "{emp_f}" in raw else "m" if "{emp_m}" in raw else None
        emp = ctx["emp"]
        if need and need != ctx["_emp_gender"]:
            names = FEMALE_NAMES if need == "f" else MALE_NAMES
            emp = f"{self.rng.choice(names)} {self.rng.choice(LAST_NAMES)}"
            if not ctx["_emp_used"]:
                ctx["emp"], ctx["_emp_gender"] = emp, need
            else:  # two different people named in one ticket: keep agent replies name-free
                ctx["_emp_used"] = False
                return raw.format(**dict(ctx, emp_f=emp, emp_m=emp))
        if "{emp" in raw.replace("{emp2", "").replace("{emp3", ""):
            ctx["_emp_used"] = True
        if "{emp2" in raw:
            ctx["_emp2_used"] = True
        return raw.format(**dict(ctx, emp_f=emp, emp_m=emp))

    def subject_for(self, key, subjects, ctx):
        d = self.deck(self.subject_decks, key, subjects)
        s = subjects[d.draw()].format(**ctx)
        return self.decorate_subject(s)

    def decorate_subject(self, s):
        rng = self.rng
        r = rng.random()
        if r < 0.06 and not s.startswith("Re:"):
            s = "Re: " + s
        elif r < 0.09:
            s = "Fwd: " + s
        elif r < 0.13:
            s = s.upper()
        elif r < 0.17:
            s = s.rstrip("!?.") + rng.choice(["!!", "?", "!!!", " - please help"])
        return s

    def signature(self, person, c, ctx, channel):
        rng = self.rng
        if person["kind"] == "employee":
            return rng.choice(["\n\n- {first}", "\n\n{name}", "\n\nThanks\n{first}", "\n\nSent from my Galaxy", ""]).format(**ctx)
        if channel == "web" and rng.random() < 0.6:
            return rng.choice(["\n\nThanks,\n{first}", "\n\n{name}", ""]).format(**ctx)
        lines = [rng.choice(["Thanks,", "Thank you,", "Best regards,", "Regards,", "Best,", "Thanks!"]), person["name"]]
        if person["title"] and rng.random() < 0.75:
            lines.append(person["title"])
        if rng.random() < 0.8:
            lines.append(c["name"])
        if rng.random() < 0.38:
            lines.append(rng.choice(["", "Direct: ", "Cell: ", "P: ", "Office: "]) + ctx["tel"] +
                         (rng.choice(["", "", " ext. 2{:02d}".format(rng.randint(0, 99))])))
        sig = "\n\n" + "\n".join(lines)
        if rng.random() < 0.07:
            sig += ("\n\nCONFIDENTIALITY NOTICE: This email and any attachments are for the sole use of the intended "
                    "recipient(s) and may contain confidential information. If you are not the intended recipient, "
                    "please contact the sender and destroy all copies.")
        elif rng.random() < 0.06:
            sig += "\n\nSent from my iPhone"
        return sig

    def wrap_customer(self, core, pl, ctx, channel, typos=True):
        rng = self.rng
        person, c = pl["person"], pl["customer"]
        if typos and rng.random() < (0.3 if channel == "chat" else 0.15):
            core = add_typos(rng, core)
        if channel == "chat":
            parts = re.split(r"(?<=[.!?])\s+", core)
            msgs, buf = [], []
            for s in parts:
                buf.append(s)
                if len(buf) >= rng.randint(1, 3):
                    msgs.append(" ".join(buf))
                    buf = []
            if buf:
                msgs.append(" ".join(buf))
            t = self.to_local(pl["created"], c["state"]) - dt.timedelta(minutes=len(msgs) + 1)
            out = [f"Chat started: {t.strftime('%Y-%m-%d %I:%M %p')}", ""]
            if rng.random() < 0.5:
                out.append(f"({t.strftime('%I:%M:%S %p')}) {person['name']}: " + rng.choice(["hi", "hello", "Hi there", "hey"]))
            for m in msgs:
                t += dt.timedelta(seconds=rng.randint(15, 70))
                out.append(f"({t.strftime('%I:%M:%S %p')}) {person['name']}: {m}")
            return "\n".join(out)
        if channel == "api":
            android = "android" in pl["problems"][0] or rng.random() < 0.6
            os_dev = f"Android 14; {ctx['device']}" if android else f"iOS {rng.choice(['18.0.1', '18.1', '17.6.1'])}; {ctx['iphone']}"
            return f"[In-app feedback]\nApp: {PRODUCT} {ctx['app_ver']} ({os_dev})\nUser: {person['name']}\nMessage: {core}"
        parts = []
        g = rng.choice(GREETINGS).format(**ctx)
        if g and person["kind"] != "employee":
            parts.append(g)
        elif person["kind"] == "employee" and rng.random() < 0.5:
            parts.append(rng.choice(["Hi,", "Hello", "hi"]))
        if person["kind"] != "employee" and channel == "email" and rng.random() < 0.25:
            core = rng.choice(INTROS).format(**ctx) + " " + core
        closer = rng.choice(CLOSERS)
        if closer and person["kind"] != "employee":
            core = core + ("\n\n" if rng.random() < 0.5 else " ") + closer
        if rng.random() < 0.05 and person["kind"] != "employee":
            core += "\n\n" + rng.choice(EXTRAS).format(**ctx)
        parts.append(core)
        return "\n\n".join(parts) + self.signature(person, c, ctx, channel)

    def agent_msg(self, ctx, body, followup=False):
        rng = self.rng
        greets = AGENT_FOLLOWUP_GREETS if followup else AGENT_GREETS
        return (rng.choice(greets).format(**ctx) + "\n\n" + body + "\n\n" + rng.choice(AGENT_CLOSES).format(**ctx))

    # -- threads ----------------------------------------------------------------
    def response_delay(self, urgent=False):
        rng = self.rng
        w = [70, 25, 5, 0] if urgent else [25, 40, 25, 10]
        lo, hi = rng.choices([(6, 40), (40, 180), (180, 600), (600, 1500)], w)[0]
        return dt.timedelta(minutes=rng.randint(lo, hi))

    def build(self):
        rng = self.rng
        plans = self.plan()
        tickets, labels = [], []
        comment_id = FIRST_COMMENT_ID
        recent_subjects = []
        recent_by_customer = {}
        for n, pl in enumerate(plans):
            tid = FIRST_TICKET_ID + n
            agent = AGENTS[rng.randrange(len(AGENTS))]
            ctx = self.make_ctx(pl, agent)
            c, person = pl["customer"], pl["person"]
            voice = "e" if person["kind"] == "employee" else "a"
            probs = [PROBLEM_BY_KEY[k] for k in pl["problems"]]
            meta = dict(id=tid, kind=pl["kind"], templates=[])
            # channel
            if probs and any(p["mobile"] for p in probs) and rng.random() < 0.22:
                channel = "api"
            elif pl["kind"] == "none" and pl["cat"] in ("ooo", "thanks"):
                channel = "email"
            else:
                channel = rng.choices(["email", "web", "chat"], [58, 31, 11])[0]
            # description
            if pl["kind"] in ("one", "two"):
                idx_a, body = self.problem_body(probs[0], voice, ctx)
                meta["templates"].append((probs[0]["key"], idx_a))
                if pl["kind"] == "two":
                    idx_b, body_b = self.problem_body(probs[1], voice, ctx)
                    meta["templates"].append((probs[1]["key"], idx_b))
                    conn = rng.choice(CONNECTORS)
                    body_b = re.sub(r"^(Hi|Hey|Hello)\b[,!]?\s*(-\s*)?(quick (question|one)\s*[-:]\s*)?", "", body_b, flags=re.I)
                    body_b = body_b[0].upper() + body_b[1:]
                    if conn.endswith(", ") or conn.endswith(": "):
                        body_b = lower_first(body_b, ctx)
                    body = body + conn + body_b
                    r = rng.random()
                    if r < 0.45:
                        subject = self.subject_for(probs[0]["key"], probs[0]["subjects"], ctx)
                    else:
                        subject = self.decorate_subject(rng.choice(TWO_SUBJECTS).format(shortA=probs[0]["short"], shortB=probs[1]["short"]))
                else:
                    subject = self.subject_for(probs[0]["key"], probs[0]["subjects"], ctx)
                description = self.wrap_customer(body, pl, ctx, channel)
            elif pl["kind"] == "singleton":
                s = pl["singleton"]
                subject = self.decorate_subject(s[5])
                description = self.wrap_customer(self.fill(s[6], ctx), pl, ctx, channel)
            else:
                items = NO_ISSUE[pl["cat"]][2]
                own = recent_by_customer.get(c["name"])
                prev = rng.choice(own[-3:]) if own else rng.choice(recent_subjects) if recent_subjects else ("PTO balances wrong", FIRST_TICKET_ID)
                ctx.update(prev_subject=re.sub(r"^((Re|Fwd): )+", "", prev[0]), prev_id=prev[1])
                d = self.deck(self.misc_decks, pl["cat"], items)
                bi = d.draw(lambda i: voice_ok(items[i][0], voice))
                item = items[bi]
                pl["noissue_item"] = item
                body = self.fill(item[2], ctx)
                subject = rng.choice(item[1]).format(**ctx)
                if pl["cat"] not in ("ooo", "thanks"):
                    subject = self.decorate_subject(subject)
                if pl["cat"] == "ooo":
                    description = body + "\n\n" + person["name"] + ("\n" + c["name"] if rng.random() < 0.7 else "")
                elif pl["cat"] == "thanks":
                    description = body + ("\n\n" + person["first"] if rng.random() < 0.6 else "")
                else:
                    description = self.wrap_customer(body, pl, ctx, channel)
            if pl["kind"] in ("one", "two", "singleton"):
                recent_subjects.append((subject, tid))
                recent_subjects = recent_subjects[-40:]
                recent_by_customer.setdefault(c["name"], []).append((subject, tid))
            comments, status = self.thread(pl, probs, ctx, agent, person, description)
            # timestamps / status
            last = comments[-1][3]
            updated = last + dt.timedelta(minutes=rng.randint(0, 12))
            if status == "solved" and last + dt.timedelta(days=4) < SNAPSHOT and rng.random() < 0.85:
                status = "closed"
                updated = last + dt.timedelta(days=4, minutes=rng.randint(0, 90))
            updated = min(updated, SNAPSHOT - dt.timedelta(minutes=1))
            # priority
            if status == "new" or rng.random() < 0.18:
                priority = None
            elif pl["kind"] == "none":
                priority = rng.choice(["low", "low", "normal"])
            elif probs:
                base = probs[0]["prio"]
                ladder = ["low", "normal", "high", "urgent"]
                i = ladder.index(base)
                i = max(0, min(3, i + rng.choice([0, 0, 0, -1, 1])))
                priority = ladder[i]
            else:
                priority = rng.choice(["normal", "normal", "high", "low"])
            # tags
            tags = []
            if status != "new":
                if probs:
                    for p in probs:
                        k = rng.randint(max(1, len(p["tags"]) - 2), len(p["tags"]))
                        tags += sorted(rng.sample(p["tags"], k))
                elif pl["kind"] == "singleton":
                    tags.append({"TIME_AND_ATTENDANCE": "time_and_attendance", "PAYROLL": "payroll",
                                 "SETTINGS": "settings"}[pl["singleton"][1]])
                else:
                    tags += NO_ISSUE[pl["cat"]][1]
            tags.append({"email": "email_in", "web": "web_form", "chat": "zopim_chat", "api": "in_app_feedback"}[channel])
            if pl["linked"] and c["org_id"] is not None:
                tags.append("plan_" + ctx["plan"].lower())
                if c["headcount"] >= 600 and pl["linked"]:
                    tags.append("vip")
            if rng.random() < 0.05:
                tags.append(rng.choice(["needs_review", "callback_requested", "csat_offered"]))
            seen = []
            for t in tags:
                if t not in seen:
                    seen.append(t)
            tags = seen
            # assemble
            out_comments = []
            for author, public, body, t in comments:
                out_comments.append(dict(id=comment_id, author_id=author, public=public, body=body, created_at=iso(t)))
                comment_id += 1
            ticket = dict(
                id=tid, subject=subject, description=description, status=status, priority=priority, tags=tags,
                created_at=iso(pl["created"]), updated_at=iso(updated), via=dict(channel=channel),
                requester=dict(id=person["id"], name=person["name"], email=person["email"]),
                organization=(dict(id=c["org_id"], name=c["name"]) if (pl["linked"] and c["org_id"] is not None) else None),
                comments=out_comments,
            )
            tickets.append(ticket)
            issues = [dict(category=p["cat"], subcategory=p["sub"], problem=p["key"]) for p in probs]
            if pl["kind"] == "singleton":
                s = pl["singleton"]
                issues = [dict(category=s[1], subcategory=s[2], problem=s[0])]
            labels.append(dict(id=tid, issues=issues))
            meta["customer"] = c["name"]
            self.meta.append(meta)
        return tickets, labels

    def thread(self, pl, probs, ctx, agent, person, description):
        """Returns ([(author_id, public, body, time)], status)."""
        rng = self.rng
        t0 = pl["created"]
        cmts = [(person["id"], True, description, t0)]
        age_h = (SNAPSHOT - t0).total_seconds() / 3600
        aid = agent[0]
        limit = SNAPSHOT - dt.timedelta(minutes=5)

        def add(author, public, body, t):
            if t >= limit:
                return False
            cmts.append((author, public, body, t))
            return True

        def amsg(text):
            return self.agent_msg(ctx, text, followup=any(a == aid and pub for a, pub, _, _ in cmts))

        def note_for(kind_probs):
            if kind_probs and rng.random() < 0.85:
                return rng.choice(rng.choice(kind_probs)["notes"]).format(**ctx)
            return rng.choice(GENERIC_NOTES).format(**ctx)

        # non-issue tickets
        if pl["kind"] == "none":
            cat = pl["cat"]
            t = t0 + self.response_delay()
            if cat == "ooo":
                if rng.random() < 0.9:
                    add(aid, False, rng.choice(NOISSUE_NOTES["ooo"]), t)
                return cmts, ("solved" if len(cmts) > 1 else "new")
            if age_h < 6 and rng.random() < 0.5:
                return cmts, "new"
            if rng.random() < 0.15:
                add(aid, False, rng.choice(NOISSUE_NOTES[cat]).format(**ctx), t - dt.timedelta(minutes=3))
            replies = pl["noissue_item"][3]
            if not add(aid, True, self.agent_msg(ctx, rng.choice(replies).format(**ctx), followup=(cat == "thanks")), t):
                return cmts, "open"
            if cat not in ("thanks",) and rng.random() < 0.3:
                add(person["id"], True, rng.choice(THANKS_FOLLOWUPS), t + self.response_delay())
            return cmts, rng.choice(["solved", "solved", "solved", "pending"]) if cat in ("billing", "sales") else "solved"

        # issue tickets
        trend = probs[0]["trend"] if probs else "steady"
        if age_h < 48 and rng.random() < (0.35 if trend == "emerging" else 0.25):
            return cmts, "new"
        note_p = 0.45 if probs else 0.3
        t = t0 + self.response_delay(urgent=bool(probs) and probs[0]["prio"] == "urgent")
        if rng.random() < (0.3 if probs else 0.45):
            mobile = bool(probs) and any(p["mobile"] for p in probs)
            ask, answers = rng.choice(ASKS if mobile else ASKS[:-1])
            if not add(aid, True, amsg(ask), t):
                return cmts, "open"
            t += self.response_delay()
            if not add(person["id"], True, rng.choice(answers).format(**ctx), t):
                return cmts, "pending"
            t += self.response_delay()
        if rng.random() < note_p:
            if not add(aid, False, note_for(probs), t):
                return cmts, "open"
            t += dt.timedelta(minutes=rng.randint(2, 25))
        if not probs:  # singleton
            if rng.random() < 0.6:
                msg = rng.choice(["Thanks - I was able to reproduce this and have passed it to our engineering team. I'll update you as soon as I hear back.",
                                  "Thanks for the details. This isn't expected behavior; I've logged it with our product team and will follow up with a workaround or fix."])
                if not add(aid, True, amsg(msg), t):
                    return cmts, "open"
                if age_h > 72 and rng.random() < 0.7:
                    t += dt.timedelta(hours=rng.randint(20, 70))
                    if add(aid, True, amsg(rng.choice(["Following up: engineering released a fix for this today. Please let us know if you still see it.",
                                                       "Good news - this is fixed as of this morning's release. Closing the ticket, but reply anytime if it comes back."])), t):
                        return cmts, "solved"
                return cmts, rng.choice(["open", "pending"])
            msg = rng.choice(["I've looked into this and corrected the setting on our side. Could you check again and confirm it looks right now?",
                              "This needed a change in your account configuration, which I've made. Can you try again and let me know?"])
            if not add(aid, True, amsg(msg), t):
                return cmts, "open"
            if age_h > 48 and rng.random() < 0.75:
                t += self.response_delay()
                if add(person["id"], True, rng.choice(THANKS_FOLLOWUPS), t):
                    return cmts, "solved"
            return cmts, "pending"

        def combined(kind):
            parts = []
            for i, p in enumerate(probs):
                pool = p.get(kind) or p["acks"]
                pool = [x for x in pool if ("{emp}" not in x or ctx["_emp_used"]) and ("{emp2}" not in x or ctx["_emp2_used"])] or pool
                txt = rng.choice(pool).format(**ctx)
                if i == 1:
                    txt = "Regarding " + p["topic"] + ": " + lower_first(txt, ctx)
                parts.append(txt)
            return "\n\n".join(parts)

        fix_at = probs[0]["fix_at"]
        if trend == "emerging":
            if not add(aid, True, amsg(combined("acks")), t):
                return cmts, "open"
            status = "pending"
            if rng.random() < 0.45:
                t += dt.timedelta(hours=rng.randint(4, 40))
                if add(person["id"], True, rng.choice(CHASERS).format(**ctx), t):
                    status = "open"
                    t += self.response_delay()
                    if rng.random() < 0.7 and add(aid, True, amsg(rng.choice(probs[0]["updates"])), t):
                        status = "pending"
            return cmts, status
        if trend == "declining" and fix_at is not None:
            if t < fix_at:
                if not add(aid, True, amsg(combined("acks")), t):
                    return cmts, "open"
                t = max(fix_at + dt.timedelta(hours=rng.randint(1, 30)), t + dt.timedelta(hours=2))
            if not add(aid, True, amsg(combined("fixes")), t):
                return cmts, "pending"
            if rng.random() < 0.35:
                add(person["id"], True, rng.choice(THANKS_FOLLOWUPS), t + self.response_delay())
            return cmts, "solved"
        # steady (and 941)
        if not add(aid, True, amsg(combined("acks")), t):
            return cmts, "open"
        resolve_p = 0.85 if age_h > 240 else 0.55 if age_h > 96 else 0.2
        if rng.random() < resolve_p:
            t += dt.timedelta(hours=rng.randint(3, min(150, max(4, int(age_h * 0.6)))))
            if add(aid, True, amsg(combined("fixes")), t):
                if rng.random() < 0.35:
                    add(person["id"], True, rng.choice(THANKS_FOLLOWUPS), t + self.response_delay())
                return cmts, "solved"
            return cmts, "pending"
        if rng.random() < 0.3:
            t += dt.timedelta(hours=rng.randint(5, 48))
            if add(person["id"], True, rng.choice(CHASERS).format(**ctx), t):
                return cmts, "open"
        return cmts, rng.choice(["pending", "open", "pending"])


# ---------------------------------------------------------------------------
# Output / check
# ---------------------------------------------------------------------------

def render():
    g = Generator()
    tickets, labels = g.build()
    t_txt = "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tickets)
    l_txt = "".join(json.dumps(l, ensure_ascii=False) + "\n" for l in labels)
    return t_txt, l_txt, g


def write():
    t_txt, l_txt, _ = render()
    TICKETS_PATH.write_text(t_txt, encoding="utf-8", newline="\n")
    LABELS_PATH.write_text(l_txt, encoding="utf-8", newline="\n")
    print(f"wrote {TICKETS_PATH.name} ({t_txt.count(chr(10))} tickets) and {LABELS_PATH.name}")


def check():
    ok = True

    def fail(msg):
        nonlocal ok
        ok = False
        print("FAIL:", msg)

    t_lines = TICKETS_PATH.read_text(encoding="utf-8").splitlines()
    l_lines = LABELS_PATH.read_text(encoding="utf-8").splitlines()
    tickets = [json.loads(x) for x in t_lines]
    labels = [json.loads(x) for x in l_lines]
    t_txt, l_txt, g = render()
    if t_txt != TICKETS_PATH.read_text(encoding="utf-8") or l_txt != LABELS_PATH.read_text(encoding="utf-8"):
        fail("regeneration is not byte-identical")
    keys = ["id", "subject", "description", "status", "priority", "tags", "created_at", "updated_at", "via",
            "requester", "organization", "comments"]
    ids = [t["id"] for t in tickets]
    if len(set(ids)) != len(ids):
        fail("duplicate ticket ids")
    if [l["id"] for l in labels] != ids:
        fail("labels ids differ from ticket ids")
    lo, hi = "2026-10-24T00:00:00Z", "2026-11-22T23:59:59Z"
    agent_ids = {a[0] for a in AGENTS}
    cids = []
    n_private = 0
    for t in tickets:
        if list(t) != keys:
            fail(f"{t['id']}: keys {list(t)}")
        if not (lo <= t["created_at"] <= hi):
            fail(f"{t['id']}: created_at out of range")
        if t["updated_at"] < t["created_at"]:
            fail(f"{t['id']}: updated_at < created_at")
        if t["status"] not in ("open", "pending", "solved", "closed", "new"):
            fail(f"{t['id']}: status")
        if t["priority"] not in ("urgent", "high", "normal", "low", None):
            fail(f"{t['id']}: priority")
        if t["via"]["channel"] not in ("email", "web", "api", "chat"):
            fail(f"{t['id']}: channel")
        c0 = t["comments"][0]
        if c0["body"] != t["description"] or not c0["public"] or c0["author_id"] != t["requester"]["id"]:
            fail(f"{t['id']}: first comment is not the description")
        for c in t["comments"][1:]:
            if not c["public"] and c["author_id"] not in agent_ids:
                fail(f"{t['id']}: private comment by non-agent")
            if c["author_id"] not in agent_ids and c["author_id"] != t["requester"]["id"]:
                fail(f"{t['id']}: unknown author")
            if c["created_at"] < t["created_at"] or c["created_at"] > t["updated_at"]:
                fail(f"{t['id']}: comment time outside ticket times")
        if t["requester"]["id"] in agent_ids:
            fail(f"{t['id']}: requester is an agent")
        n_private += any(not c["public"] for c in t["comments"])
        cids += [c["id"] for c in t["comments"]]
    if len(set(cids)) != len(cids):
        fail("duplicate comment ids")
    N = len(tickets)
    n_none = sum(1 for l in labels if not l["issues"])
    n_two = sum(1 for l in labels if len(l["issues"]) == 2)
    occ = Counter(i["problem"] for l in labels for i in l["issues"])
    recurring = {p["key"] for p in PROBLEMS}
    n_single = sum(1 for l in labels if len(l["issues"]) == 1 and l["issues"][0]["problem"] not in recurring)
    n_orgless = sum(1 for t in tickets if t["organization"] is None)
    orgs = {t["organization"]["id"] for t in tickets if t["organization"]}
    statuses = Counter(t["status"] for t in tickets)
    channels = Counter(t["via"]["channel"] for t in tickets)
    n_pii_phone = sum(1 for t in tickets if re.search(r"555[-.]01\d\d", t["description"]))
    n_pii_money = sum(1 for t in tickets if re.search(r"110000000|000-\d\d-\d{4}|0\d\d-00-\d{4}|4111 1111|acct|ending \d{4}", t["description"]))
    for l in labels:
        for i in l["issues"]:
            p = PROBLEM_BY_KEY.get(i["problem"])
            if p and (p["cat"], p["sub"]) != (i["category"], i["subcategory"]):
                fail(f"{l['id']}: taxonomy mismatch")
    print(f"{'tickets (lines)':34s} {N}")
    print(f"{'labels (lines)':34s} {len(labels)}")
    print(f"{'unique ticket ids':34s} {len(set(ids))}  ({min(ids)}..{max(ids)})")
    print(f"{'organizations seen':34s} {len(orgs)}")
    print(f"{'requesters':34s} {len({t['requester']['id'] for t in tickets})}")
    rows = [("no product issue", n_none), ("two distinct problems", n_two), ("one-off (singleton) problem", n_single),
            ("organization = null", n_orgless), ("with internal note", n_private),
            ("PII: 555-01xx phone in description", n_pii_phone), ("PII: SSN/bank/card in description", n_pii_money)]
    for name, v in rows:
        print(f"{name:34s} {v:4d}  {100 * v / N:5.1f}%")
    print(f"{'status':34s} " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    print(f"{'channel':34s} " + ", ".join(f"{k} {v}" for k, v in sorted(channels.items())))
    # per-problem table
    by_id = {t["id"]: t for t in tickets}
    used_tpl = defaultdict(set)
    for m in g.meta:
        for key, idx in m["templates"]:
            used_tpl[key].add(idx)
    print()
    print(f"{'problem':50s} {'trend':9s} {'n':>3s} {'cust':>4s} {'tpl':>3s} {'d1-14':>6s} {'last7':>6s}  daily histogram (10/24..11/22)")
    for p in PROBLEMS:
        k = p["key"]
        tids = [l["id"] for l in labels if any(i["problem"] == k for i in l["issues"])]
        days = [(dt.date.fromisoformat(by_id[i]["created_at"][:10]) - START).days for i in tids]
        custs = {g.meta[i - FIRST_TICKET_ID]["customer"] for i in tids}
        first14 = sum(1 for d in days if d <= FIRST14_TO) / len(days)
        last7 = sum(1 for d in days if d >= LAST7_FROM) / len(days)
        hist = [0] * N_DAYS
        for d in days:
            hist[d] += 1
        spark = "".join(" " if h == 0 else ".:-=+*#%@"[min(8, h - 1)] for h in hist)
        print(f"{k:50s} {p['trend']:9s} {len(tids):3d} {len(custs):4d} {len(used_tpl[k]):3d} {first14:6.0%} {last7:6.0%}  |{spark}|")
        if not 10 <= len(tids) <= 60:
            fail(f"{k}: count {len(tids)} not in 10..60")
        if len(used_tpl[k]) < 6:
            fail(f"{k}: fewer than 6 phrasings used")
        if p["trend"] == "emerging" and last7 < 0.7:
            fail(f"{k}: emerging but only {last7:.0%} in last 7 days")
        if p["trend"] == "declining" and (first14 < 0.7 or last7 > 0.05):
            fail(f"{k}: declining but {first14:.0%} in first 14 days")
        if p["trend"] == "steady" and not (0.1 <= last7 <= 0.4):
            fail(f"{k}: steady but {last7:.0%} in last 7 days")
    if N < 560:
        fail("fewer than 560 tickets")
    print()
    print("OK" if ok else "CHECK FAILED")
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="validate existing files and print stats")
    args = ap.parse_args(argv)
    if args.check:
        sys.exit(0 if check() else 1)
    write()


if __name__ == "__main__":
    main()
