// Generated from the Rust types by `cargo xtask ipc-types` (gatecare-api's ipc_types.rs).
// Do not edit: a test fails when this file and the Rust types disagree.

/**
 * Who did something to a case.
 */
export type Actor = { "type": "kiosk", device: string, } | { "type": "agent" } & AgentRef;

export type AgentCaseOpen = { passenger_id: string, flight_id: string, category: Category, severity: Severity, description: string, };

export type AgentCaseResolve = { case_id: string, apology: boolean, 
/**
 * A goodwill voucher as the agent typed it, in major units of the
 * recovery currency ("50" HKD, "500" JPY, "1.5" KWD); empty for none.
 */
voucher?: string, miles?: number, upgrade: boolean, refund_referral: boolean, note: string, approver?: Approval, };

export type AgentCaseUpdate = { case_id: string, action: CaseAction, note: string, told_passenger: boolean, 
/**
 * Transfer: the agent's code.
 */
to?: string, };

export type AgentCases = { cases: Array<CaseView>, 
/**
 * Today's counts (station time) with the alerts.
 */
today: EarlyWarning, 
/**
 * The last seven days, for the trend.
 */
week: EarlyWarning, agents: Array<AgentRef>, 
/**
 * What remedies are counted in (vouchers are entered in it).
 */
currency: string, };

export type AgentInfo = { code: string, name: string, role: Role, idle_seconds: number, };

export type AgentIssue = { passenger_id: string, flight_id: string, kind: EntitlementKind, 
/**
 * Statutory care only: which of the kind (the second meal is 2); the
 * first when absent. Goodwill and upgrades are counted by the station.
 */
ordinal?: number, 
/**
 * Goodwill only: the amount as the agent typed it, in major units of
 * the station's currency ("50" HKD, "500" JPY, "1.5" KWD).
 */
amount?: string, hotel_block_id?: string, reason?: string, approver?: Approval, };

/**
 * A named agent, as recorded in a case (the name is kept so the history
 * reads the same on a console that never saw this agent).
 */
export type AgentRef = { code: string, name: string, role: Role, };

export type Alert = { day: string, dimension: Dimension, key: string, count: number, threshold: number, };

/**
 * Money as a screen receives it: the amount with its currency's exponent
 * ([`Currency::minor_digits`]), so no screen keeps a table of its own and
 * JPY (0) and KWD (3) read as they should.
 */
export type Amount = { amount_minor: number, currency: string, exponent: number, };

export type ApiError = { code: string, message: string, 
/**
 * The code of the refusal behind it, when it wraps one (a case left
 * open because its voucher was refused: the ledger's reason), so the
 * screen says why in its own language.
 */
cause?: string, };

export type AppInfo = { version: string, mode: Mode, station: string, station_name: string, station_city: string, station_city_zh: string | null, time_zone: string, now: string, language: string, 
/**
 * "ok", or the error code of the store when it could not be opened.
 */
store: string, kiosk_idle_seconds: number, };

/**
 * A supervisor's (or duty manager's) ID and PIN.
 */
export type Approval = { code: string, pin: string, };

export type BookingMember = { passenger_id: string, surname: string, given_names: string, native_name: string | null, has_hotel: boolean, };

/**
 * How far a bulk issuance is (the `bulk-progress` event).
 */
export type BulkProgress = { done: number, total: number, };

export type BulkResult = { summary: BulkSummary, 
/**
 * The batch went to the printer as this job; the screen follows it
 * with `agent_print_job`.
 */
print_job: string | null, 
/**
 * The printer refused the job outright.
 */
print_error: string | null, 
/**
 * The vouchers of the job (or of the refused one), to follow or show.
 */
voucher_ids: Array<string>, 
/**
 * When the printer refused it: each voucher's QR for the screen.
 */
unprinted: Array<VoucherQr>, };

export type BulkSummary = { issued: number, 
/**
 * Already held here: not issued again (nor printed by bulk).
 */
reprinted: number, 
/**
 * Passengers owed nothing of this kind yet, with why.
 */
not_due: number, 
/**
 * Issued by another device of the station (central told us), or this
 * device's own voucher lost to one: not printed here.
 */
elsewhere: number, 
/**
 * Refused for this passenger alone (leased to another device, voided,
 * no rooms): the batch goes on.
 */
skipped: number, 
/**
 * In priority order.
 */
vouchers: Array<Issued>, };

/**
 * The cabin a passenger is booked in, by IATA compartment group.
 */
export type Cabin = "economy" | "premium_economy" | "business" | "first";

export type CabinRow = { cabin: Cabin, seats: number, booked: number, };

export type CareKind = "meal" | "communication" | "hotel" | "transport";

/**
 * What an agent does to a case.
 */
export type CaseAction = "take" | "transfer" | "progress" | "follow_up";

/**
 * A case with where it stands now, for the screens.
 */
export type CaseView = { clock: Clock, 
/**
 * A second (or later) failure for this passenger: more care.
 */
repeat: boolean, 
/**
 * What the passenger quotes ([`case_reference`]).
 */
reference: string, 
/**
 * The station's time zone: screens show every time of the case in it.
 */
time_zone: string, 
/**
 * The exponent of the recovery currency, which every remedy of the
 * case is counted in, from Rust's table.
 */
exponent: number, opened: Opened, status: Status, owner: AgentRef | null, first_answer_at: string | null, resolution: Resolution | null, followed_up_at: string | null, history: Array<HistoryEntry>, };

/**
 * What went wrong, in the passenger's words (the issue's list).
 */
export type Category = "delay_handling" | "staff_attitude" | "baggage" | "voucher_refused" | "hotel_problem" | "information" | "other";

/**
 * A disruption's cause. An agent may also type an IATA delay code, so a
 * cause crosses to Rust as text and is parsed there (`Cause::parse`); the
 * screen's menu of common causes is typed by this enum.
 */
export type Cause = "technical" | "crew" | "scheduling" | "commercial" | "weather" | "atc" | "atc_strike" | "airport" | "security" | "strike_external" | "strike_own_staff" | "passenger" | "medical" | "bird_strike" | "safety_required" | "political";

/**
 * One cause of a delay and its minutes.
 */
export type CauseInput = { cause: string, minutes: number, 
/**
 * Code 93 (late inbound aircraft): the inbound flight's cause, when
 * known. A carrier may rely on what hit the aircraft's previous flight
 * (CJEU C-74/19); unknown, the late aircraft is the carrier's.
 */
inbound_cause?: string | null, };

export type Change = { "action": "take" } | { "action": "transfer", to: AgentRef, note: string, } | { "action": "progress", note: string, told_passenger: boolean, } | { "action": "resolve", remedies: Array<Remedy>, note: string, 
/**
 * Discretionary value of the remedies, in the policy's currency.
 */
value: Money, 
/**
 * Who approved it when it was above the resolver's own limit.
 */
approver: AgentRef | null, } | { "action": "follow_up", note: string, };

/**
 * One regime's written notice for one passenger.
 */
export type ClaimNotice = { regime: Regime, title_en: string, title_zh: string, 
/**
 * What this passenger may claim on this flight (amount, refund), then
 * how to claim.
 */
lines_en: Array<string>, lines_zh: Array<string>, body: EnforcementBody, citation: string, };

export type Clock = { urgency: Urgency, first_answer_due: string, 
/**
 * Minutes to the first-answer deadline; negative once overdue; `None`
 * once answered.
 */
minutes_left: number | null, 
/**
 * Who should be looking at it now, beyond its owner.
 */
escalated_to: Role | null, follow_up_due: string | null, 
/**
 * Whether the first answer came (or has not yet come) after the deadline.
 */
answered_late: boolean, };

/**
 * One compensation a passenger may claim.
 */
export type CompensationRow = { regime: Regime, amount_minor: number, currency: string, 
/**
 * The currency's exponent, from Rust's table.
 */
exponent: number, citation: string, };

/**
 * A double issuance, as agents see it.
 */
export type ConflictReport = { entitlement_key: string, flight_id: string, passenger_id: string, winner_voucher_id: string, winner_device: string, loser_voucher_id: string, loser_device: string, detected_at: string, 
/**
 * What the agent should do, in plain words.
 */
advice: string, };

export type Count = { key: string, count: number, };

export type DayCount = { day: string, total: number, 
/**
 * Every category, in the fixed order, zeros included.
 */
by_category: Array<Count>, };

export type Dimension = "category" | "station" | "flight";

export type DisruptionEntry = { kind: EntryKind, 
/**
 * A category (`technical`, `weather`, …) or an IATA delay code (`41`),
 * kept as entered.
 */
cause: string, 
/**
 * A delay's new departure; a cancellation's re-routed departure, or
 * None while the re-routing is not yet known.
 */
expected_departure: string | null, 
/**
 * A delay as hours and minutes after the scheduled departure (what the
 * console's form sends); used when `expected_departure` is absent.
 */
delay_minutes: number | null, 
/**
 * Several causes with their minutes (an MVT's `DL41/93/0045/0130`);
 * `cause` is then ignored and the main one is recorded in its place.
 */
causes: Array<CauseInput> | null, 
/**
 * The same time as the departure airport's clock shows it (what an
 * agent types); used when `expected_departure` is absent.
 */
departure_local: string | null, 
/**
 * A cancellation's re-routing flight (e.g. `LH797`).
 */
reroute_flight: string | null, };

export type DisruptionNow = { kind: EntryKind, 
/**
 * The cause's category (`technical`).
 */
cause: string, 
/**
 * The IATA delay code the agent entered (`41`), kept beside its category.
 */
iata_code: number | null, 
/**
 * Several causes with their minutes, as entered (empty for one cause).
 */
causes: Array<CauseInput>, cause_en: string, cause_zh: string, 
/**
 * A delay's expected departure; a cancellation's re-routed one (None:
 * not yet known).
 */
expected_departure: string | null, 
/**
 * The flight a cancellation's passengers are re-routed on, when known.
 */
reroute_flight: string | null, delay_minutes: number, recorded_at: string, recorded_by: string, };

export type EarlyWarning = { 
/**
 * Local days, inclusive.
 */
from: string, to: string, threshold: number, total: number, by_category: Array<Count>, 
/**
 * Busiest first.
 */
by_station: Array<Count>, by_flight: Array<Count>, by_day: Array<DayCount>, alerts: Array<Alert>, };

/**
 * The body a passenger complains to when the carrier does not settle.
 */
export type EnforcementBody = { name: string, name_zh: string, 
/**
 * Where to reach it: a web address and, where there is one, a telephone.
 */
contact: string, };

export type EntitlementKind = "meal" | "hotel" | "transport" | "upgrade" | "goodwill";

export type EntitlementRow = { kind: CareKind, ordinal: number, due: boolean, from: string, source: string, citation: string, citation_zh: string, passenger_pays: boolean, 
/**
 * The live voucher for it, from whichever device of the station: not
 * offered again.
 */
held: HeldVoucher | null, 
/**
 * Its voucher was voided and none replaces it yet: an agent may issue
 * a replacement.
 */
replaceable: boolean, };

/**
 * What an agent records.
 */
export type EntryKind = "delay" | "cancellation";

export type FactorScore = { factor: string, points: number, max: number, why: string, };

export type FlightBoard = { 
/**
 * The station-local date shown.
 */
date: string, 
/**
 * True when today had no flights and the stored demo day is shown instead.
 */
demo_day: boolean, flights: Array<FlightSummary>, };

export type FlightStatus = "on_time" | "delayed" | "cancelled";

/**
 * One row of the flights board.
 */
export type FlightSummary = { id: string, flight: string, origin: string, destination: string, destination_city: string, 
/**
 * The city in Chinese, when the airline has it.
 */
destination_city_zh: string | null, scheduled_departure: string, expected_departure: string | null, 
/**
 * The scheduled local date against the board's day: -1 for yesterday's
 * flight whose care is still open.
 */
scheduled_day_offset: number, 
/**
 * Local to the departure airport, for display: "13:30".
 */
scheduled_local: string, expected_local: string | null, 
/**
 * The local date of the expected departure when it differs from the
 * scheduled one ("+1" days), so the board can say "tomorrow".
 */
expected_day_offset: number, gate: string | null, status: FlightStatus, delay_minutes: number, cause: string | null, passengers: number, 
/**
 * Passengers with a voucher on this flight (not voided).
 */
served: number, 
/**
 * Passengers the care engine says are owed care now (filled in by
 * the station's `with_care_owed`; 0 for a flight on time).
 */
owed: number, };

export type FlightView = { flight_id: string, flight: string, destination: string, destination_city: string, 
/**
 * The city in Chinese, when the airline has it.
 */
destination_city_zh: string | null, scheduled_departure: string, 
/**
 * The re-routing form's first guess: the same time on the airport's
 * clock the next day.
 */
reroute_guess: string, gate: string | null, time_zone: string, disruption: DisruptionNow | null, 
/**
 * Every change, newest first: who and when.
 */
updates: Array<DisruptionNow>, passengers: number, 
/**
 * Passengers with at least one voucher issued on this flight.
 */
served: number, 
/**
 * What becomes due when, for a passenger without special needs.
 */
timeline: Array<TimelineItem>, 
/**
 * When passengers must next hear from the gate.
 */
next_update_due: string | null, update_overdue: boolean, announcement_en: string, announcement_zh: string, hotels: Array<HotelBlockRow>, 
/**
 * Rooms left across the station's blocks, and passengers a hotel is
 * owed to who have none yet: warn before the blocks run out.
 */
rooms_left: number, hotel_owed_unserved: number, hotel_warning: boolean, cabins: Array<CabinRow>, 
/**
 * Passengers a kiosk would not serve alone (unaccompanied minors), who
 * asked for staff: shown at the top, with their place in the queue.
 */
staff_requests: Array<StaffRequestRow>, 
/**
 * The regimes that cover the flight, and why each applies.
 */
regimes: Array<RegimeReason>, 
/**
 * Compensation, refund and how to claim, for a passenger without
 * special needs (what the agent announces and prints for everyone).
 */
rights: Rights | null, };

export type HeldVoucher = { serial: string, device: string, remote: boolean, };

/**
 * One line of a case's history; `refused` says why an update that
 * arrived from another device did not apply.
 */
export type HistoryEntry = { update: Update, refused: string | null, };

export type HotelBlockRow = { id: string, name: string, name_zh: string | null, stars: number, rooms_left: number, rooms_total: number, transport: string, };

export type Issued = { voucher_id: string, serial: string, entitlement_key: string, ledger_seq: number, 
/**
 * True when the entitlement had been issued before: this is a reprint.
 */
reprint: boolean, 
/**
 * A hotel room allocated offline from the local block.
 */
provisional: boolean, };

/**
 * Where a batch job is.
 */
export type JobProgress = "pending" | "printed" | "failed";

/**
 * What the passenger is told after complaining.
 */
export type KioskCase = { 
/**
 * The case's short reference, to quote to staff.
 */
reference: string, due: string, time_zone: string, repeat: boolean, };

export type KioskEntitlement = { kind: CareKind, ordinal: number, due: boolean, from_local: string, from_day_offset: number, 
/**
 * "EU261", "CN_MOT_2016", … or "policy".
 */
source: string, citation: string, passenger_pays: boolean, 
/**
 * The kiosk prints meals and transport; hotels need a room choice.
 */
printable: boolean, issued_serial: string | null, 
/**
 * Issued by another device at the station (central told us): not
 * printed again here; staff can help with a lost voucher.
 */
issued_elsewhere: boolean, 
/**
 * ... by an agent at a gate console (not a kiosk).
 */
issued_at_gate: boolean, 
/**
 * The citation as the Chinese screen shows it.
 */
citation_zh: string, };

export type KioskFlight = { flight: string, destination: string, destination_city: string, 
/**
 * The city in Chinese, when the airline has it.
 */
destination_city_zh: string | null, scheduled_local: string, 
/**
 * A delay's expected departure; a cancellation's re-routed one.
 */
expected_local: string | null, expected_day_offset: number, 
/**
 * The re-routed flight of a cancellation, when known.
 */
reroute_flight: string | null, status: FlightStatus, cause: string | null, delay_minutes: number, gate: string | null, 
/**
 * When passengers next hear from the airline (every 30 minutes).
 */
next_update_local: string | null, };

/**
 * A hotel with rooms left, for the passenger to choose.
 */
export type KioskHotel = { id: string, name: string, name_zh: string | null, address: string, stars: number, rooms_left: number, transport: string, };

/**
 * Someone else on the booking the person at the kiosk may act for: a
 * passenger of the same surname they looked up, or a child under 18 when
 * they are an adult.
 */
export type KioskMember = { passenger_id: string, surname: string, given_names: string, native_name: string | null, minor: boolean, };

export type KioskPassenger = { surname: string, given_names: string, native_name: string | null, seat: string | null, cabin: Cabin, 
/**
 * Under 18 this year by birth year: no programme enrolment here.
 */
minor: boolean, };

export type KioskView = { 
/**
 * Already in the frequent-flyer programme (else the kiosk offers it).
 */
member: boolean, passenger: KioskPassenger, flight: KioskFlight, entitlements: Array<KioskEntitlement>, refund_option: boolean, 
/**
 * Compensation, refund and how to claim (the written notice).
 */
rights: Rights | null, time_zone: string, 
/**
 * The passenger's complaint cases: what they were told, what they got.
 */
cases: Array<PassengerCase>, 
/**
 * Others on the booking this person may switch to.
 */
booking: Array<KioskMember>, 
/**
 * An unaccompanied minor: nothing is issued here; staff come (the
 * console was told when the session began).
 */
needs_staff: boolean, };

/**
 * Frequent-flyer tier, lowest first.
 */
export type LoyaltyTier = "none" | "silver" | "gold" | "platinum";

export type Mode = "kiosk" | "agent";

/**
 * An amount in integer minor units of a currency. Never a float.
 */
export type Money = { amount_minor: number, currency: string, };

/**
 * Whether a printed notice reached the printer, and if not, why (a code).
 */
export type NoticePrint = { printed: boolean, error: string | null, };

/**
 * The `case_opened` event's payload.
 */
export type Opened = { case_id: string, station: string, flight_id: string, 
/**
 * The flight as people say it ("CZ342") and its scheduled local date.
 */
flight: string, flight_date: string, passenger_id: string, passenger_name: string, pnr: string, 
/**
 * Where the passenger's memory lives: `ff:<number>` for members (it
 * follows them across flights), else `pax:<passenger id>`.
 */
profile_key: string, category: Category, severity: Severity, description: string, opened_by: Actor, at: string, 
/**
 * Fixed when the case opens, so every device shows the same deadline
 * whatever its configuration.
 */
first_answer_due: string, 
/**
 * Cases this passenger had before this one (the second failure flag).
 */
earlier_cases: number, };

export type OverdueCase = { case_id: string, station: string, flight: string, category: Category, owner: string | null, first_answer_due: string, };

/**
 * A case as its passenger sees it at the kiosk: what they were told and
 * what they were given; never internal notes or agents' names.
 */
export type PassengerCase = { reference: string, category: Category, status: Status, opened_at: string, first_answer_due: string, 
/**
 * Progress the agent marked as told to the passenger, oldest first.
 */
told: Array<ToldUpdate>, given: Array<Remedy>, 
/**
 * The exponent of what was given's currency, from Rust's table (none
 * while nothing was given).
 */
exponent: number | null, };

/**
 * A passenger re-routed differently from the flight's default.
 */
export type PassengerReroute = { 
/**
 * The re-routing flight (e.g. `LH797`), when known.
 */
reroute_flight: string | null, 
/**
 * The departure as the airport's clock shows it.
 */
departure_local: string, };

/**
 * A passenger's own re-routing, where an agent set one.
 */
export type PassengerRerouted = { reroute_flight: string | null, departure: string, arrival: string, };

export type PassengerView = { passenger_id: string, flight_id: string, surname: string, given_names: string, native_name: string | null, pnr: string, ticket_number: string, cabin: Cabin, booking_class: string, seat: string | null, tier: LoyaltyTier, ff_number: string | null, miles: number, stars: number, score: number, factors: Array<FactorScore>, lifetime_value: Amount, needs: Array<SpecialNeed>, group_id: string | null, group_size: number, 
/**
 * Everyone on the same booking (this passenger included), and whether
 * each already holds a hotel: a family is housed together.
 */
booking: Array<BookingMember>, entitlements: Array<EntitlementRow>, vouchers: Array<VoucherRow>, 
/**
 * What this agent may grant this passenger at their own authority.
 */
authority_limit: Amount | null, 
/**
 * Where the passenger's recovery memory lives (see `recovery::profile_key`).
 */
profile_key: string, 
/**
 * Every service-recovery case on the profile, oldest first.
 */
recovery: Array<CaseView>, 
/**
 * Two or more failures: the recovery paradox no longer holds (seed 002).
 */
repeat_failure: boolean, 
/**
 * Compensation, refund (and whether it was chosen), how to claim.
 */
rights: Rights | null, 
/**
 * This passenger's own re-routing, where an agent set one.
 */
reroute: PassengerRerouted | null, };

/**
 * A batch job as the printer reports it.
 */
export type PrintJobState = { state: JobProgress, print_error: string | null, 
/**
 * When it failed: each voucher's QR for the screen.
 */
unprinted: Array<VoucherQr>, };

export type PriorityClass = "legal_priority" | "infant_or_elderly" | "top_customer" | "standard";

export type PriorityRow = { place: number, class: PriorityClass, reason: string, reason_zh: string, reach_out_first: boolean, 
/**
 * Vouchers issued (not voided) on this flight.
 */
vouchers: number, passenger_id: string, surname: string, given_names: string, native_name: string | null, pnr: string, ticket_number: string, ff_number: string | null, cabin: Cabin, booking_class: string, needs: Array<SpecialNeed>, birth_year: number | null, lives_in_departure_city: boolean, group_id: string | null, group_leader: boolean, tier: LoyaltyTier, stars: number, score: number, };

export type RecoverySummary = { at: string, stations: Array<StationCases>, overdue: Array<OverdueCase>, early_warning: EarlyWarning, 
/**
 * Events that did not parse (a device on another protocol version).
 */
skipped_events: number, };

export type Regime = "EU261" | "UK261" | "APPR" | "US_DOT" | "CN_MOT_2016" | "ANAC_400";

/**
 * Why a regime covers this flight, in both languages.
 */
export type RegimeReason = { regime: Regime, en: string, zh: string, };

/**
 * What a resolution gives the passenger (seed 002: outcome fairness —
 * matching the harm, not more).
 */
export type Remedy = { "kind": "apology" } | { "kind": "voucher", value: Money, } | { "kind": "miles", miles: number, } | { "kind": "upgrade" } | { "kind": "refund_referral" };

export type Resolution = { at: string, by: AgentRef, remedies: Array<Remedy>, value: Money, approver: AgentRef | null, note: string, };

/**
 * What a passenger may claim besides care, and how.
 */
export type Rights = { compensation: Array<CompensationRow>, refund_option: boolean, 
/**
 * When the passenger chose the refund (care ended then), if they did.
 */
refund_chosen_at: string | null, notices: Array<ClaimNotice>, };

/**
 * A gate agent's role, in order of authority.
 */
export type Role = "agent" | "supervisor" | "duty_manager";

export type Severity = "low" | "medium" | "high";

/**
 * Needs that change who is served first and how.
 */
export type SpecialNeed = "wheelchair" | "unaccompanied_minor" | "infant" | "elderly";

export type StaffRequestRow = { passenger_id: string, name: string, 
/**
 * Place in the priority list.
 */
place: number, reason: string, requested_at: string, };

export type StationCases = { station: string, 
/**
 * Cases opened in the window.
 */
opened: number, 
/**
 * Of every case on record, those not yet resolved.
 */
open: number, overdue: number, 
/**
 * Resolved, a week has passed, and nobody called back.
 */
follow_up_due: number, 
/**
 * Of the window's cases, those answered (or still unanswered) past the deadline.
 */
answered_late: number, 
/**
 * Of the window's cases, those of a passenger's second or later failure.
 */
repeat: number, };

export type Status = "new" | "open" | "resolved" | "closed";

/**
 * What the UI shows about sync.
 */
export type SyncStatus = { enrolled: boolean, central_url: string | null, 
/**
 * Events not yet acknowledged by central.
 */
backlog: number, last_push_at: string | null, last_pull_at: string | null, last_error: string | null, last_error_at: string | null, 
/**
 * Double issuances central reported at this station.
 */
conflicts: number, 
/**
 * Events central refused (they had no effect there), and the latest
 * refusal's code and reason; kept here, they never hold up the rest.
 */
refused: number, last_refusal: string | null, cursor: number, 
/**
 * Feed pages refused (not signed by the pinned root key, or not made
 * for this device): nothing of them was stored.
 */
feed_refused: number, last_feed_refusal: string | null, 
/**
 * Central's time on the newest page this device accepted.
 */
feed_signed_at: string | null, 
/**
 * Enrolled and the last round reached central.
 */
online: boolean, };

export type TimelineItem = { kind: CareKind, ordinal: number, from: string, due: boolean, source: string, citation: string, citation_zh: string, };

export type ToldUpdate = { at: string, note: string, };

/**
 * The `case_updated` event's payload.
 */
export type Update = { update_id: string, case_id: string, at: string, by: AgentRef, change: Change, };

export type UpgradeCandidate = { passenger_id: string, surname: string, given_names: string, native_name: string | null, from_cabin: Cabin, to_cabin: Cabin, stars: number, tier: LoyaltyTier, upgraded: boolean, };

export type Upgrades = { 
/**
 * Free seats per higher cabin.
 */
free: Array<CabinRow>, 
/**
 * By stars, then tier: the first ones fit the free seats.
 */
candidates: Array<UpgradeCandidate>, };

export type Urgency = "on_track" | "due_soon" | "urgent" | "overdue" | "answered" | "resolved" | "follow_up_due" | "closed";

/**
 * What became of a voucher sent to the printer, for the screen.
 */
export type VoucherPrint = { voucher_id: string, serial: string, reprint: boolean, printed: boolean, 
/**
 * Why printing failed, as a code for the screen.
 */
print_error: string | null, 
/**
 * The voucher's QR, shown when the printer fails.
 */
qr_svg: string, 
/**
 * The QR of the link that opens the voucher on the passenger's phone
 * (central's `/pass/` page); absent on a device not enrolled.
 */
phone_qr_svg: string | null, };

/**
 * A voucher's QR for the screen, when its paper did not come out.
 */
export type VoucherQr = { voucher_id: string, serial: string, passenger: string, qr_svg: string, };

export type VoucherRow = { voucher_id: string, serial: string, kind: EntitlementKind, value_minor: number, currency: string, 
/**
 * The currency's exponent (none without a currency): the screen
 * divides by Rust's table, never its own.
 */
exponent: number | null, statutory: boolean, 
/**
 * None for a voucher another device issued before this device kept times.
 */
issued_at: string | null, actor: string, approver: string | null, reason: string, voided: boolean, 
/**
 * Why it was voided: the agent's words, or central's (`double_issuance`).
 */
void_reason: string | null, reprints: number, 
/**
 * The device that issued it (its code, e.g. `HKG-K01`).
 */
device: string, 
/**
 * Issued by another device of the station (known from central's feed):
 * shown, never reprinted or voided here.
 */
remote: boolean, entitlement_key: string, 
/**
 * The voided voucher this one replaces.
 */
replaces: string | null, };
