//! One passenger's full picture for the agent: what is owed and why, what
//! is held, the booking, the stars, the recovery history and the limits.

use super::*;

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct EntitlementRow {
    pub kind: CareKind,
    pub ordinal: u32,
    pub due: bool,
    pub from: DateTime<Utc>,
    pub source: String,
    pub citation: &'static str,
    pub citation_zh: String,
    pub passenger_pays: bool,
    /// The live voucher for it, from whichever device of the station: not
    /// offered again.
    pub held: Option<HeldVoucher>,
    /// Its voucher was voided and none replaces it yet: an agent may issue
    /// a replacement.
    pub replaceable: bool,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct HeldVoucher {
    pub serial: String,
    pub device: String,
    pub remote: bool,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct VoucherRow {
    pub voucher_id: String,
    pub serial: String,
    pub kind: gatecare_ledger::EntitlementKind,
    pub value_minor: i64,
    pub currency: String,
    /// The currency's exponent (none without a currency): the screen
    /// divides by Rust's table, never its own.
    pub exponent: Option<u8>,
    pub statutory: bool,
    /// None for a voucher another device issued before this device kept times.
    pub issued_at: Option<DateTime<Utc>>,
    pub actor: String,
    pub approver: Option<String>,
    pub reason: String,
    pub voided: bool,
    /// Why it was voided: the agent's words, or central's (`double_issuance`).
    pub void_reason: Option<String>,
    pub reprints: i64,
    /// The device that issued it (its code, e.g. `HKG-K01`).
    pub device: String,
    /// Issued by another device of the station (known from central's feed):
    /// shown, never reprinted or voided here.
    pub remote: bool,
    pub entitlement_key: String,
    /// The voided voucher this one replaces.
    pub replaces: Option<String>,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct PassengerView {
    pub passenger_id: String,
    pub flight_id: String,
    pub surname: String,
    pub given_names: String,
    pub native_name: Option<String>,
    pub pnr: String,
    pub ticket_number: String,
    pub cabin: Cabin,
    pub booking_class: String,
    pub seat: Option<String>,
    pub tier: LoyaltyTier,
    pub ff_number: Option<String>,
    pub miles: i64,
    pub stars: u8,
    pub score: u8,
    pub factors: Vec<FactorScore>,
    pub lifetime_value: gatecare_core::Amount,
    pub needs: Vec<SpecialNeed>,
    pub group_id: Option<String>,
    pub group_size: i64,
    /// Everyone on the same booking (this passenger included), and whether
    /// each already holds a hotel: a family is housed together.
    pub booking: Vec<BookingMember>,
    pub entitlements: Vec<EntitlementRow>,
    pub vouchers: Vec<VoucherRow>,
    /// What this agent may grant this passenger at their own authority.
    pub authority_limit: Option<gatecare_core::Amount>,
    /// Where the passenger's recovery memory lives (see `recovery::profile_key`).
    pub profile_key: String,
    /// Every service-recovery case on the profile, oldest first.
    pub recovery: Vec<crate::cases::CaseView>,
    /// Two or more failures: the recovery paradox no longer holds (seed 002).
    pub repeat_failure: bool,
    /// Compensation, refund (and whether it was chosen), how to claim.
    pub rights: Option<crate::rights::Rights>,
    /// This passenger's own re-routing, where an agent set one.
    pub reroute: Option<PassengerRerouted>,
}

#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct BookingMember {
    pub passenger_id: String,
    pub surname: String,
    pub given_names: String,
    pub native_name: Option<String>,
    pub has_hotel: bool,
}

/// Marks each entitlement with the voucher that holds it (any device), or as
/// replaceable when its only vouchers were voided.
fn mark_held(entitlements: &mut [EntitlementRow], vouchers: &[VoucherRow]) {
    for e in entitlements {
        let kind = e.kind.as_str();
        let suffix = format!("/{kind}/{}", e.ordinal);
        let mine: Vec<&VoucherRow> = vouchers
            .iter()
            .filter(|v| v.kind.as_str() == kind && v.entitlement_key.ends_with(&suffix))
            .collect();
        e.held = mine.iter().find(|v| !v.voided).map(|v| HeldVoucher {
            serial: v.serial.clone(),
            device: v.device.clone(),
            remote: v.remote,
        });
        e.replaceable = e.held.is_none() && !mine.is_empty();
    }
}

impl Station {
    /// One passenger as the agent sees them.
    pub async fn passenger_view(
        &self,
        passenger_id: &str,
        flight_id: &str,
        agent: &AuthenticatedAgent,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<PassengerView, StoreError> {
        /// The passenger's booking on the flight with their loyalty profile.
        #[derive(sqlx::FromRow)]
        struct PassengerRow {
            id: String,
            surname: String,
            given_names: String,
            native_name: Option<String>,
            birth_year: Option<i64>,
            needs: String,
            pnr: String,
            ticket_number: String,
            #[sqlx(try_from = "String")]
            cabin: Cabin,
            booking_class: String,
            seat: Option<String>,
            group_id: Option<String>,
            tier: Option<String>,
            ff_number: Option<String>,
            miles: Option<i64>,
            scheduled_departure: String,
            #[sqlx(flatten)]
            stars: crate::manifest::StarInputsRow,
        }
        let r = sqlx::query_as::<_, PassengerRow>(concat!(
            "SELECT p.id, p.surname, p.given_names, p.native_name, p.birth_year, p.lives_in_departure_city, p.needs, \
                    s.pnr, s.ticket_number, s.cabin, s.booking_class, s.seat, s.group_id, \
                    l.tier, l.ff_number, l.miles, l.complaints_filed, l.service_sensitivity, l.flights_last_12_months, \
                    l.weekday_share_pct, l.channel, l.occupation, l.staff_notes, f.scheduled_departure, ",
            gatecare_store::recovery_cases_sql!(),
            " FROM segments s JOIN passengers p ON p.id = s.passenger_id JOIN flights f ON f.id = s.flight_id \
             LEFT JOIN loyalty_profiles l ON l.passenger_id = p.id \
             WHERE s.passenger_id = ? AND s.flight_id = ?",
        ))
        .bind(passenger_id)
        .bind(flight_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::Data(format!("no booking of {passenger_id} on {flight_id}")))?;
        let tier = r.tier.and_then(|t| LoyaltyTier::parse(&t).ok()).unwrap_or(LoyaltyTier::None);
        let booking_class = r.booking_class;
        let inputs = star_inputs(r.stars, tier, &booking_class);
        let rating = rate(&inputs, policy);
        let needs = parse_needs(&r.needs);
        let cabin = r.cabin;
        let year = i64::from(chrono::Datelike::year(&parse_time(r.scheduled_departure)?));
        let age = r.birth_year.map(|b| (year - b).clamp(0, 130) as u16);
        let ltv = lifetime_value(inputs.flights_last_12_months, cabin, age, policy);
        let group_id = r.group_id;
        let group_size: i64 = match &group_id {
            Some(g) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM segments WHERE group_id = ? AND flight_id = ?")
                    .bind(g)
                    .bind(flight_id)
                    .fetch_one(self.pool())
                    .await?
            }
            None => 0,
        };
        let pnr = r.pnr;
        /// A passenger of the same booking on the flight.
        #[derive(sqlx::FromRow)]
        struct BookingMemberRow {
            id: String,
            surname: String,
            given_names: String,
            native_name: Option<String>,
            has_hotel: i64,
        }
        let booking = sqlx::query_as::<_, BookingMemberRow>(
            "SELECT p.id, p.surname, p.given_names, p.native_name, \
                    EXISTS (SELECT 1 FROM station_vouchers i WHERE i.passenger_id = p.id AND i.flight_id = s.flight_id \
                      AND i.kind = 'hotel' AND i.void_reason IS NULL) AS has_hotel \
             FROM segments s JOIN passengers p ON p.id = s.passenger_id WHERE s.pnr = ? AND s.flight_id = ? ORDER BY p.id",
        )
        .bind(&pnr)
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|m| BookingMember {
            passenger_id: m.id,
            surname: m.surname,
            given_names: m.given_names,
            native_name: m.native_name,
            has_hotel: m.has_hotel != 0,
        })
        .collect();
        let mut entitlements = Vec::new();
        let mut rights = None;
        let case = self.passenger_case(flight_id, passenger_id, policy, now).await?;
        let reroute = case.as_ref().and_then(|c| c.reroute.clone());
        if let Some(c) = case {
            rights = Some(crate::rights::rights(&c.scenario, &c.evaluation, c.refund_chosen_at));
            for i in c.evaluation.care {
                entitlements.push(EntitlementRow {
                    kind: i.kind,
                    ordinal: i.ordinal,
                    due: i.due,
                    from: i.from,
                    source: source_name(i.source),
                    citation: i.citation,
                    citation_zh: gatecare_rights::citation_zh(i.citation),
                    passenger_pays: i.passenger_pays,
                    held: None,
                    replaceable: false,
                });
            }
        }
        /// A voucher of the station for this passenger, as `station_vouchers` holds it.
        #[derive(sqlx::FromRow)]
        struct StationVoucherRow {
            voucher_id: String,
            entitlement_key: String,
            serial: String,
            kind: String,
            value_minor: i64,
            currency: String,
            statutory: i64,
            issued_at: String,
            actor: String,
            approver: Option<String>,
            reason: String,
            device: String,
            remote: i64,
            replaces: Option<String>,
            void_reason: Option<String>,
            reprints: i64,
        }
        let vouchers: Vec<VoucherRow> = sqlx::query_as::<_, StationVoucherRow>(
            "SELECT voucher_id, entitlement_key, serial, kind, value_minor, currency, statutory, issued_at, actor, approver, \
                    reason, device, remote, replaces, void_reason, reprints \
             FROM station_vouchers WHERE passenger_id = ? AND flight_id = ? ORDER BY issued_at, voucher_id",
        )
        .bind(passenger_id)
        .bind(flight_id)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|v| {
            Ok(VoucherRow {
                kind: gatecare_ledger::EntitlementKind::parse(&v.kind)
                    .ok_or_else(|| StoreError::Data(format!("voucher {}: kind {:?}", v.voucher_id, v.kind)))?,
                voucher_id: v.voucher_id,
                serial: v.serial,
                value_minor: v.value_minor,
                exponent: gatecare_core::Currency::parse(&v.currency).ok().map(|c| c.minor_digits()),
                currency: v.currency,
                statutory: v.statutory != 0,
                issued_at: Some(v.issued_at).filter(|t| !t.is_empty()).map(parse_time).transpose()?,
                actor: v.actor,
                approver: v.approver,
                reason: v.reason,
                voided: v.void_reason.is_some(),
                void_reason: v.void_reason,
                reprints: v.reprints,
                device: v.device,
                remote: v.remote != 0,
                entitlement_key: v.entitlement_key,
                replaces: v.replaces,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        mark_held(&mut entitlements, &vouchers);
        let ff_number = r.ff_number;
        let profile_key = crate::cases::profile_key(passenger_id, ff_number.as_deref());
        let recovery: Vec<crate::cases::CaseView> = self
            .cases_of_profile(&profile_key)
            .await?
            .into_iter()
            .map(|c| crate::cases::case_view(c, policy, now))
            .collect();
        Ok(PassengerView {
            passenger_id: r.id,
            flight_id: flight_id.to_owned(),
            surname: r.surname,
            given_names: r.given_names,
            native_name: r.native_name,
            pnr,
            ticket_number: r.ticket_number,
            cabin,
            booking_class,
            seat: r.seat,
            tier,
            ff_number,
            miles: r.miles.unwrap_or(0),
            stars: rating.stars,
            score: rating.score,
            factors: rating.factors,
            lifetime_value: ltv.into(),
            needs,
            group_id,
            group_size,
            booking,
            entitlements,
            vouchers,
            authority_limit: gatecare_policy::authority::limit(policy, agent.role, rating.stars)
                .map(Into::into),
            repeat_failure: recovery.len() >= 2,
            profile_key,
            recovery,
            rights,
            reroute,
        })
    }
}
