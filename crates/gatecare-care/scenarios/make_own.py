#!/usr/bin/env python3
"""Writes own.jsonl: care scenarios of our own, read from the texts in
shared/domain.md §3, each with the expectation the law gives. Times carry the
airports' real UTC offsets (zoneinfo). Run: python3 make_own.py"""
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

TZ = {"AMS": "Europe/Amsterdam", "BCN": "Europe/Madrid", "CDG": "Europe/Paris", "JFK": "America/New_York",
      "ATH": "Europe/Athens", "RUN": "Indian/Reunion", "ZRH": "Europe/Zurich", "OSL": "Europe/Oslo",
      "BKK": "Asia/Bangkok", "LHR": "Europe/London", "EDI": "Europe/London", "YYZ": "America/Toronto",
      "YVR": "America/Vancouver", "ORD": "America/Chicago", "LAX": "America/Los_Angeles",
      "NRT": "Asia/Tokyo", "PVG": "Asia/Shanghai", "PEK": "Asia/Shanghai", "TSN": "Asia/Shanghai",
      "HKG": "Asia/Hong_Kong", "KMG": "Asia/Shanghai", "GRU": "America/Sao_Paulo", "GIG": "America/Sao_Paulo"}
out = []


def t(code, local):
    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(TZ[code]))


def iso(dt, code):
    return dt.astimezone(ZoneInfo(TZ[code])).isoformat()


def case(id, o, d, carrier, block_min, expect, kind="delay", cause="technical", sched="2026-03-10T10:00",
         delay_min=None, arr_delay_min=None, at_min=None, **extra):
    dep = t(o, sched)
    arr = dep + timedelta(minutes=block_min)
    s = {"id": id, "origin": o, "destination": d, "operating_carrier": carrier, "disruption": kind, "cause": cause,
         "scheduled_departure": iso(dep, o), "scheduled_arrival": iso(arr, d)}
    if delay_min is not None:
        s["expected_departure"] = iso(dep + timedelta(minutes=delay_min), o)
        ad = delay_min if arr_delay_min is None else arr_delay_min
        s["expected_arrival"] = iso(arr + timedelta(minutes=ad), d)
    for k in ("reroute_dep_min", "reroute_arr_min"):
        pass
    if "reroute" in extra:
        rd, ra = extra.pop("reroute")
        s["reroute"] = {"departure": iso(dep + timedelta(minutes=rd), o), "arrival": iso(arr + timedelta(minutes=ra), d)}
    if "informed_before_min" in extra:
        s["informed_at"] = iso(dep - timedelta(minutes=extra.pop("informed_before_min")), o)
    s.update(extra)
    if "causes" in s:
        del s["cause"]
    s["at"] = iso(dep + timedelta(minutes=at_min if at_min is not None else (delay_min or 0) + 5), o)
    out.append({"scenario": s, "expect": expect})


H = 60
# ---- EU261 band A: AMS-BCN (about 1,240 km) on KLM ----
case("eu-a-exactly-2h", "AMS", "BCN", "KL", 145, {"regime": "EU261", "band": "A", "care_exactly": ["communication", "meal"]}, delay_min=2*H, at_min=2*H)
case("eu-a-1h59", "AMS", "BCN", "KL", 145, {"care_exactly": [], "compensation": None}, delay_min=119, at_min=119)
case("eu-a-arrival-exactly-3h", "AMS", "BCN", "KL", 145, {"compensation": {"amount_minor": 25000, "currency": "EUR"}}, delay_min=3*H)
case("eu-a-arrival-2h59", "AMS", "BCN", "KL", 145, {"compensation": None}, delay_min=3*H, arr_delay_min=179)
case("eu-a-weather-no-compensation", "AMS", "BCN", "KL", 145, {"care_exactly": ["communication", "meal"], "compensation": None}, cause="weather", delay_min=4*H)
case("eu-a-atc-code-81", "AMS", "BCN", "KL", 145, {"compensation": None, "care_includes": ["meal"]}, cause="81", delay_min=4*H)
case("eu-a-technical-code-41", "AMS", "BCN", "KL", 145, {"compensation": {"amount_minor": 25000, "currency": "EUR"}}, cause="41", delay_min=4*H)
case("eu-a-own-strike", "AMS", "BCN", "KL", 145, {"compensation": {"amount_minor": 25000, "currency": "EUR"}}, cause="strike_own_staff", delay_min=4*H)
case("eu-a-refund-at-5h", "AMS", "BCN", "KL", 145, {"refund_option": True}, delay_min=5*H)
case("eu-a-no-refund-4h59", "AMS", "BCN", "KL", 145, {"refund_option": False}, delay_min=299)
case("eu-a-overnight-hotel", "AMS", "BCN", "KL", 145, {"care_includes": ["hotel", "transport", "meal"]}, sched="2026-03-10T20:00", delay_min=12*H, at_min=2*H + 30)
# Art 6(1)(ii): the hotel is owed as soon as the next-day departure is expected,
# not from the policy's evening hour (a policy may only add to the law).
case("eu-a-overnight-hotel-at-once", "AMS", "BCN", "KL", 145, {"care_exactly": ["communication", "hotel", "meal", "transport"]}, sched="2026-03-10T18:00", delay_min=15*H, at_min=2*H + 30)
case("eu-a-same-day-no-hotel", "AMS", "BCN", "KL", 145, {"care_exactly": ["communication", "meal"]}, sched="2026-03-10T08:00", delay_min=10*H, at_min=10*H)
case("eu-a-cancel-14-days", "AMS", "BCN", "KL", 145, {"compensation": None, "refund_option": True}, kind="cancellation", notice_days=14, at_min=-60)
case("eu-a-cancel-3-days-no-reroute", "AMS", "BCN", "KL", 145, {"compensation": {"amount_minor": 25000, "currency": "EUR"}, "refund_option": True, "care_includes": ["meal"]}, kind="cancellation", notice_days=3, at_min=0)
case("eu-a-cancel-3-days-good-reroute", "AMS", "BCN", "KL", 145, {"compensation": None}, kind="cancellation", notice_days=3, reroute=(-30, 90), at_min=0)
case("eu-a-cancel-10-days-reroute-3h-late", "AMS", "BCN", "KL", 145, {"compensation": None}, kind="cancellation", notice_days=10, reroute=(-60, 3*H), at_min=0)
case("eu-a-cancel-10-days-reroute-3h-early", "AMS", "BCN", "KL", 145, {"compensation": {"amount_minor": 25000, "currency": "EUR"}}, kind="cancellation", notice_days=10, reroute=(-3*H, 5*H), at_min=0)
case("eu-a-cancel-same-day-reroute-1h30", "AMS", "BCN", "KL", 145, {"compensation": None}, kind="cancellation", notice_days=0, reroute=(60, 90), at_min=0)
case("eu-a-cancel-same-day-reroute-2h-halved", "AMS", "BCN", "KL", 145, {"compensation": {"amount_minor": 12500, "currency": "EUR"}}, kind="cancellation", notice_days=0, reroute=(2*H, 2*H), at_min=0)
case("eu-a-denied-boarding-halved", "AMS", "BCN", "KL", 145, {"compensation": {"amount_minor": 12500, "currency": "EUR"}, "care_exactly": ["communication", "meal"], "refund_option": True}, kind="denied_boarding", reroute=(60, 60), at_min=10)
case("eu-a-denied-boarding-full", "AMS", "BCN", "KL", 145, {"compensation": {"amount_minor": 25000, "currency": "EUR"}}, kind="denied_boarding", reroute=(3*H, 3*H), at_min=10)
case("eu-a-denied-boarding-weather-still-paid", "AMS", "BCN", "KL", 145, {"compensation": {"amount_minor": 25000, "currency": "EUR"}}, kind="denied_boarding", cause="weather", reroute=(4*H, 4*H), at_min=10)
# ---- EU261 band C: CDG-JFK on Air France ----
case("eu-c-arrival-exactly-4h-halved", "CDG", "JFK", "AF", 440, {"band": "C", "compensation": {"amount_minor": 30000, "currency": "EUR"}}, delay_min=4*H)
case("eu-c-arrival-4h01-full", "CDG", "JFK", "AF", 440, {"compensation": {"amount_minor": 60000, "currency": "EUR"}}, delay_min=4*H + 1)
case("eu-c-care-at-exactly-4h", "CDG", "JFK", "AF", 440, {"care_exactly": ["communication", "meal"]}, delay_min=4*H, at_min=4*H)
case("eu-c-care-3h59", "CDG", "JFK", "AF", 440, {"care_exactly": []}, delay_min=239, at_min=239)
case("eu-c-scope-excludes-us-dot", "CDG", "JFK", "AF", 440, {"regimes_exactly": ["EU261"]}, delay_min=60)
# ---- bands B and the outermost regions ----
case("eu-b-athens-2h59", "CDG", "ATH", "AF", 210, {"band": "B", "care_exactly": []}, delay_min=179, at_min=179)
case("eu-b-athens-3h", "CDG", "ATH", "AF", 210, {"band": "B", "care_exactly": ["communication", "meal"], "compensation": {"amount_minor": 40000, "currency": "EUR"}}, delay_min=3*H, at_min=3*H)
case("eu-b-reunion-is-intra-eu", "CDG", "RUN", "AF", 660, {"band": "B", "compensation": {"amount_minor": 40000, "currency": "EUR"}}, delay_min=3*H + 30)
case("eu-inbound-eu-carrier", "JFK", "CDG", "AF", 430, {"regime": "EU261", "band": "C"}, delay_min=60)
case("eu-inbound-us-carrier", "JFK", "CDG", "DL", 430, {"regimes_exactly": ["US_DOT"]}, delay_min=60)
case("eu-switzerland", "ZRH", "BCN", "LX", 110, {"regime": "EU261"}, delay_min=60)
case("eu-norway-outbound", "OSL", "BKK", "TG", 660, {"regime": "EU261", "band": "C"}, delay_min=60)
case("eu-norway-inbound-thai", "BKK", "OSL", "TG", 720, {"regimes_exclude": ["EU261"]}, delay_min=60)
# ---- UK261 ----
case("uk-a-exactly-2h", "LHR", "EDI", "BA", 85, {"regime": "UK261", "care_exactly": ["communication", "meal"]}, delay_min=2*H, at_min=2*H)
case("uk-c-halved", "LHR", "JFK", "BA", 480, {"band": "C", "compensation": {"amount_minor": 26000, "currency": "GBP"}}, delay_min=3*H + 30)
case("uk-c-full-and-refund", "LHR", "JFK", "BA", 480, {"compensation": {"amount_minor": 52000, "currency": "GBP"}, "refund_option": True}, delay_min=5*H)
case("uk-and-eu-on-ba-from-paris", "CDG", "LHR", "BA", 75, {"regime": "UK261", "compensation_all": [{"amount_minor": 25000, "currency": "EUR"}, {"amount_minor": 22000, "currency": "GBP"}]}, delay_min=3*H + 10)
case("uk-inbound-on-uk-carrier", "JFK", "LHR", "BA", 420, {"regime": "UK261", "regimes_exclude": ["EU261"]}, delay_min=60)
case("uk-weather", "LHR", "EDI", "BA", 85, {"compensation": None, "care_includes": ["meal"]}, cause="weather", delay_min=4*H)
# ---- Canada APPR ----
case("ca-arrival-exactly-3h", "YYZ", "YVR", "AC", 290, {"regime": "APPR", "compensation": {"amount_minor": 40000, "currency": "CAD"}}, cause="crew", delay_min=3*H)
case("ca-arrival-2h59", "YYZ", "YVR", "AC", 290, {"compensation": None}, cause="crew", delay_min=3*H, arr_delay_min=179)
case("ca-arrival-6h", "YYZ", "YVR", "AC", 290, {"compensation": {"amount_minor": 70000, "currency": "CAD"}}, cause="crew", delay_min=6*H)
case("ca-arrival-9h", "YYZ", "YVR", "AC", 290, {"compensation": {"amount_minor": 100000, "currency": "CAD"}}, cause="crew", delay_min=9*H)
case("ca-small-carrier-6h", "YYZ", "YVR", "AC", 290, {"compensation": {"amount_minor": 25000, "currency": "CAD"}}, cause="crew", delay_min=6*H, carrier_size="small")
case("ca-weather-outside-control", "YYZ", "YVR", "AC", 290, {"care_exactly": [], "compensation": None, "passenger_pays_care": True}, cause="weather", delay_min=5*H)
case("ca-safety-care-no-money", "YYZ", "YVR", "AC", 290, {"care_exactly": ["communication", "meal"], "compensation": None}, cause="safety_required", delay_min=5*H)
case("ca-told-13h-before-no-care", "YYZ", "YVR", "AC", 290, {"care_exactly": [], "compensation": {"amount_minor": 40000, "currency": "CAD"}}, cause="crew", delay_min=4*H, informed_before_min=13*H)
case("ca-waited-1h59-care-later", "YYZ", "YVR", "AC", 290, {"care_exactly": [], "care_later_includes": ["meal", "communication"]}, cause="crew", delay_min=5*H, at_min=119)
case("ca-overnight-hotel", "YYZ", "YVR", "AC", 290, {"care_includes": ["hotel", "transport"]}, cause="technical", sched="2026-03-10T21:00", delay_min=12*H, at_min=2*H + 30)
case("ca-denied-boarding-7h", "YYZ", "YVR", "AC", 290, {"compensation": {"amount_minor": 180000, "currency": "CAD"}}, kind="denied_boarding", cause="commercial", reroute=(7*H, 7*H), at_min=10)
case("ca-cancel-refund", "YYZ", "YVR", "AC", 290, {"refund_option": True}, kind="cancellation", cause="crew", at_min=0)
case("ca-and-uk", "YYZ", "LHR", "BA", 420, {"regime": "APPR", "regimes_exactly": ["UK261", "APPR"]}, cause="crew", delay_min=60)
# ---- United States ----
case("us-weather-no-commitment", "ORD", "LAX", "UA", 260, {"regimes_exactly": ["US_DOT"], "care_exactly": [], "passenger_pays_care": True}, cause="weather", delay_min=4*H)
case("us-2h59-no-meal", "ORD", "LAX", "UA", 260, {"care_exactly": []}, delay_min=179, at_min=179)
case("us-exactly-3h-meal", "ORD", "LAX", "UA", 260, {"care_exactly": ["meal"], "refund_option": True}, delay_min=3*H, at_min=3*H)
case("us-overnight-cancel-hotel", "ORD", "LAX", "UA", 260, {"care_includes": ["hotel", "transport", "meal"]}, kind="cancellation", sched="2026-03-10T19:00", at_min=3*H + 30)
case("us-foreign-carrier-refund-6h", "JFK", "NRT", "JL", 840, {"regimes_exactly": [], "refund_option": True}, delay_min=6*H)
case("us-foreign-carrier-5h59", "JFK", "NRT", "JL", 840, {"refund_option": False}, delay_min=359)
# ---- China, 2016 rules ----
case("cn-weather-passenger-pays", "PVG", "PEK", "MU", 135, {"regime": "CN_MOT_2016", "care_includes": ["hotel"], "passenger_pays_care": True}, cause="weather", sched="2026-03-10T20:00", delay_min=12*H, at_min=4*H)
case("cn-cz342-afternoon", "HKG", "KMG", "CZ", 150, {"regimes_exactly": ["CN_MOT_2016"], "care_exactly": ["meal"], "passenger_pays_care": False, "care_later_includes": ["hotel", "transport", "meal"]}, sched="2026-11-22T13:30", delay_min=14*H, at_min=2*H + 30)
case("cn-cz342-night", "HKG", "KMG", "CZ", 150, {"care_includes": ["meal", "hotel", "transport"]}, sched="2026-11-22T13:30", delay_min=14*H, at_min=8*H + 30)
case("cn-1h59-nothing-yet", "PVG", "PEK", "MU", 135, {"care_exactly": []}, delay_min=5*H, at_min=119)
case("cn-domestic-diversion-free", "PVG", "PEK", "MU", 135, {"passenger_pays_care": False}, kind="diversion", cause="weather", delay_min=5*H, diverted_to="TSN")
case("no-regime-policy-care", "HKG", "NRT", "CX", 270, {"regimes_exactly": [], "care_includes": ["meal"], "passenger_pays_care": False}, delay_min=5*H, at_min=2*H + 10)
case("no-regime-weather-nothing", "HKG", "NRT", "CX", 270, {"regimes_exactly": [], "care_exactly": [], "passenger_pays_care": True}, cause="weather", delay_min=5*H, at_min=2*H + 10)
# ---- Brazil, ANAC 400 ----
case("br-exactly-1h-nothing", "GRU", "GIG", "G3", 65, {"regime": "ANAC_400", "care_exactly": []}, delay_min=3*H, at_min=60)
case("br-1h01-communication", "GRU", "GIG", "G3", 65, {"care_exactly": ["communication"]}, delay_min=3*H, at_min=61)
case("br-2h01-food", "GRU", "GIG", "G3", 65, {"care_exactly": ["communication", "meal"]}, delay_min=3*H, at_min=121)
case("br-same-day-no-lodging", "GRU", "GIG", "G3", 65, {"care_exactly": ["communication", "meal"]}, sched="2026-03-10T08:00", delay_min=5*H, at_min=4*H + 30)
case("br-special-assistance-lodging", "GRU", "GIG", "G3", 65, {"care_includes": ["hotel", "transport"]}, sched="2026-03-10T08:00", delay_min=5*H, at_min=4*H + 1, passenger={"special_assistance": True})
case("br-lives-here-taken-home", "GRU", "GIG", "G3", 65, {"care_includes": ["transport"], "care_excludes": ["hotel"]}, sched="2026-03-10T20:00", delay_min=12*H, at_min=4*H + 30, passenger={"lives_in_departure_city": True})
case("br-weather-still-cared", "GRU", "GIG", "G3", 65, {"care_exactly": ["communication", "meal"], "passenger_pays_care": False}, cause="weather", delay_min=3*H, at_min=121)
case("br-refund-over-4h", "GRU", "GIG", "G3", 65, {"refund_option": True}, delay_min=4*H + 1)
case("br-no-refund-exactly-4h", "GRU", "GIG", "G3", 65, {"refund_option": False}, delay_min=4*H)

# ---- Several causes with their minutes (an MVT's DL codes) ----
# EU261 (Pešková C-315/15): extraordinary minutes come off the arrival delay.
case("eu-mixed-atc-strike-90-of-240", "AMS", "BCN", "KL", 145, {"compensation": None, "care_includes": ["meal"]}, delay_min=4*H, causes=[{"cause": "atc_strike", "minutes": 90}, {"cause": "41", "minutes": 150}])
case("eu-mixed-atc-strike-30-of-240", "AMS", "BCN", "KL", 145, {"compensation": {"amount_minor": 25000, "currency": "EUR"}}, delay_min=4*H, causes=[{"cause": "atc_strike", "minutes": 30}, {"cause": "41", "minutes": 210}])
# Minutes no cause accounts for are the carrier's.
case("eu-mixed-unaccounted-carrier", "AMS", "BCN", "KL", 145, {"compensation": {"amount_minor": 25000, "currency": "EUR"}}, delay_min=4*H, causes=[{"cause": "weather", "minutes": 60}])
# Code 93 (C-74/19): the inbound flight's cause when known, else the carrier's.
case("eu-93-inbound-weather", "AMS", "BCN", "KL", 145, {"compensation": None}, delay_min=4*H, causes=[{"cause": "41", "minutes": 120}, {"cause": "93", "minutes": 120, "inbound_cause": "weather"}])
case("eu-93-inbound-unknown", "AMS", "BCN", "KL", 145, {"compensation": {"amount_minor": 25000, "currency": "EUR"}}, delay_min=4*H, causes=[{"cause": "41", "minutes": 120}, {"cause": "93", "minutes": 120}])
# APPR judges the main cause; unaccounted minutes count as the carrier's.
case("appr-weather-30-of-300", "YYZ", "YVR", "AC", 300, {"compensation": {"amount_minor": 40000, "currency": "CAD"}, "care_includes": ["meal"]}, delay_min=5*H, causes=[{"cause": "weather", "minutes": 30}])
case("appr-weather-200-of-300", "YYZ", "YVR", "AC", 300, {"compensation": None, "care_exactly": []}, delay_min=5*H, causes=[{"cause": "weather", "minutes": 200}, {"cause": "41", "minutes": 100}])

with open("own.jsonl", "w") as f:
    for c in out:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(len(out), "scenarios")
