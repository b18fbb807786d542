//! A disruption as an agent records it: a delay or a cancellation, its
//! cause (or several, with their minutes) and the new times.

use super::*;

/// What an agent records.
#[derive(ts_rs::TS, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Delay,
    Cancellation,
}

impl EntryKind {
    pub fn parse(text: &str) -> Option<EntryKind> {
        match text {
            "delay" => Some(EntryKind::Delay),
            "cancellation" => Some(EntryKind::Cancellation),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Delay => "delay",
            EntryKind::Cancellation => "cancellation",
        }
    }
}

#[derive(ts_rs::TS, Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisruptionEntry {
    pub kind: EntryKind,
    /// A category (`technical`, `weather`, …) or an IATA delay code (`41`),
    /// kept as entered.
    pub cause: String,
    /// A delay's new departure; a cancellation's re-routed departure, or
    /// None while the re-routing is not yet known.
    #[serde(default)]
    pub expected_departure: Option<DateTime<Utc>>,
    /// A delay as hours and minutes after the scheduled departure (what the
    /// console's form sends); used when `expected_departure` is absent.
    #[serde(default)]
    pub delay_minutes: Option<i64>,
    /// Several causes with their minutes (an MVT's `DL41/93/0045/0130`);
    /// `cause` is then ignored and the main one is recorded in its place.
    #[serde(default)]
    pub causes: Option<Vec<gatecare_care::scenario::CauseInput>>,
    /// The same time as the departure airport's clock shows it (what an
    /// agent types); used when `expected_departure` is absent.
    #[serde(default)]
    pub departure_local: Option<chrono::NaiveDateTime>,
    /// A cancellation's re-routing flight (e.g. `LH797`).
    #[serde(default)]
    pub reroute_flight: Option<String>,
}

impl Station {
    /// Records a delay or cancellation entered by an agent: a new row (the
    /// history keeps every change), audited and queued for central.
    pub async fn record_disruption(
        &self,
        flight_id: &str,
        entry: &DisruptionEntry,
        agent: &AuthenticatedAgent,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        // Several causes: checked as the care engine reads them; the main one
        // (the most minutes) stands in `cause`.
        let several = entry.causes.as_ref().filter(|c| !c.is_empty());
        let main_text = match several {
            Some(list) => {
                gatecare_care::scenario::parse_causes(list).map_err(|e| LedgerError::Field {
                    code: "disruption.causes_invalid",
                    reason: e.reason,
                })?;
                let main =
                    list.iter().fold(&list[0], |best, c| if c.minutes > best.minutes { c } else { best });
                // Code 93 stands for its inbound flight's cause, when known.
                main.inbound_cause.clone().unwrap_or_else(|| main.cause.clone())
            }
            None => entry.cause.clone(),
        };
        let cause = Cause::parse(&main_text).ok_or_else(|| LedgerError::Field {
            code: "disruption.cause_unknown",
            reason: format!("unknown cause {main_text:?}: a category or an IATA code"),
        })?;
        // An IATA code is kept as entered (two digits); a category as its name.
        let recorded_cause = match gatecare_care::cause::iata_code(&main_text) {
            Some(code) => format!("{code:02}"),
            None => cause.as_str().to_owned(),
        };
        let causes_json = several.map(|c| serde_json::to_string(c).unwrap_or_default());
        /// Where and when the flight is scheduled.
        #[derive(sqlx::FromRow)]
        struct ScheduleRow {
            origin: String,
            scheduled_departure: String,
            scheduled_arrival: String,
        }
        let row = sqlx::query_as::<_, ScheduleRow>(
            "SELECT origin, scheduled_departure, scheduled_arrival FROM flights WHERE id = ?",
        )
        .bind(flight_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| LedgerError::Invalid(format!("no flight {flight_id}")))?;
        let scheduled = parse_time(row.scheduled_departure)?;
        let block = parse_time(row.scheduled_arrival)? - scheduled;
        let tz = gatecare_reference::time_zone(&row.origin);
        let typed = match entry.departure_local {
            Some(t) => Some(
                chrono::TimeZone::from_local_datetime(&tz, &t)
                    .earliest()
                    .ok_or_else(|| {
                        LedgerError::Invalid(format!("{t} does not exist on the airport's clock"))
                    })?
                    .to_utc(),
            ),
            None => None,
        };
        let by_minutes = entry.delay_minutes.map(|m| delayed_departure(scheduled, m));
        use EntryKind::{Cancellation, Delay};
        let (kind, expected_departure) = match (entry.kind, entry.expected_departure.or(by_minutes).or(typed))
        {
            (Delay, Some(t)) if t > scheduled && t - scheduled <= Duration::hours(72) => ("delay", Some(t)),
            (Delay, _) => {
                return Err(LedgerError::Field {
                    code: "disruption.delay_out_of_range",
                    reason: "a delay needs a new departure time after the scheduled one, within 72 h".into(),
                });
            }
            // A re-routing may leave a little earlier (Art 5(1)(c)(iii)) or
            // days later; None: not yet known.
            (Cancellation, Some(t))
                if t >= scheduled - Duration::hours(24) && t - scheduled <= Duration::hours(72) =>
            {
                ("cancellation", Some(t))
            }
            (Cancellation, None) => ("cancellation", None),
            (Cancellation, Some(_)) => {
                return Err(LedgerError::Field {
                    code: "disruption.reroute_out_of_range",
                    reason: "a re-routed departure is at most 24 h before and 72 h after the scheduled one"
                        .into(),
                });
            }
        };
        // A delay's causes account for its minutes, never for more.
        if let (Some(list), "delay", Some(t)) = (several, kind, expected_departure) {
            let given: i64 = list.iter().map(|c| i64::from(c.minutes)).sum();
            let late = (t - scheduled).num_minutes();
            if given > late {
                return Err(LedgerError::Field {
                    code: "disruption.causes_exceed_delay",
                    reason: format!("{given} minutes of causes, but the flight is {late} minutes late"),
                });
            }
        }
        let reroute_flight = match (kind, entry.reroute_flight.as_deref().map(str::trim)) {
            ("cancellation", Some(f)) if !f.is_empty() => Some(
                gatecare_core::FlightDesignator::parse(f)
                    .map_err(|e| LedgerError::Field {
                        code: "disruption.reroute_flight_invalid",
                        reason: format!("re-routing flight {f:?}: {e}"),
                    })?
                    .to_string(),
            ),
            _ => None,
        };
        let expected_arrival = expected_departure.map(|t| t + block);
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "INSERT INTO disruption_updates (id, flight_id, kind, cause, expected_departure, expected_arrival, \
             reroute_flight, recorded_at, recorded_by, causes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(flight_id)
        .bind(kind)
        .bind(&recorded_cause)
        .bind(expected_departure.map(rfc3339))
        .bind(expected_arrival.map(rfc3339))
        .bind(&reroute_flight)
        .bind(rfc3339(now))
        .bind(&agent.code)
        .bind(&causes_json)
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({
            "id": id, "flight_id": flight_id, "kind": kind, "cause": recorded_cause,
            "expected_departure": expected_departure, "expected_arrival": expected_arrival,
            "reroute_flight": reroute_flight, "recorded_by": agent.code, "causes": several,
        });
        audit(&mut tx, &agent.code, device, "disruption.recorded", &details, now).await?;
        gatecare_store::ledger::append_sync(&mut tx, "disruption_updated", &details, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
