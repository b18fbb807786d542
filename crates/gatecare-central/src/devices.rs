//! A station's devices as the administrator manages them: their roles, and
//! leases of a flight's issuance to one device.

use chrono::{DateTime, Utc};
use gatecare_server_database::{Database, DbError, LeaseRecord};
use gatecare_sync::DeviceRole;
use uuid::Uuid;

/// Leases a flight's issuance to one device until `until`.
pub async fn lease_flight<D: Database>(
    db: &D,
    device: Uuid,
    station: &str,
    flight_id: &str,
    until: DateTime<Utc>,
    granted_by: &str,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    db.grant_lease(&LeaseRecord {
        id: Uuid::now_v7(),
        scope: "flight".into(),
        key: flight_id.to_owned(),
        device_id: device,
        station: station.to_owned(),
        expires_at: until,
        granted_by: granted_by.to_owned(),
        granted_at: now,
    })
    .await
}

/// Gives a station device a new role (`admin role`). The device learns it
/// from central's signed word within the hour. A device made a console is
/// sent the station's agents again: as a kiosk its feed skipped them.
/// Returns how many agents were published again.
pub async fn set_role<D: Database>(
    db: &D,
    device: uuid::Uuid,
    role: DeviceRole,
    now: DateTime<Utc>,
) -> Result<Option<usize>, DbError> {
    let Some(station) = db.devices().await?.into_iter().find(|d| d.id == device).map(|d| d.station) else {
        return Ok(None);
    };
    if !db.set_device_role(device, role).await? {
        return Ok(None);
    }
    let mut republished = 0;
    if role == DeviceRole::Console {
        for agent in db.station_agent_records(&station).await? {
            db.upsert_agent(&agent, now).await?;
            republished += 1;
        }
    }
    Ok(Some(republished))
}

/// Sends the station's agents to each console an upgrade found among
/// kiosks (as kiosks, their feeds skipped them); returns how many consoles.
/// Run whenever central opens its database: after the upgrade, once.
pub async fn send_agents_owed_to_consoles<D: Database>(db: &D, now: DateTime<Utc>) -> Result<usize, DbError> {
    let owed = db.consoles_owed_agents().await?;
    for &device in &owed {
        set_role(db, device, DeviceRole::Console, now).await?;
        db.agents_sent_to_console(device).await?;
    }
    Ok(owed.len())
}

/// Every enrolled device as `admin devices` lists it: when its token was
/// refused, from when its vouchers are (the revocation's effective time,
/// moved by `revoke --at`), and when central last took a push from it (a
/// thief pushing with its token shows here too).
pub async fn listing<D: Database>(db: &D) -> Result<Vec<serde_json::Value>, DbError> {
    let revocations = db.revocations().await?;
    let mut list = Vec::new();
    for d in db.devices().await? {
        let effective = revocations.iter().find(|r| r.device_id == d.id).map(|r| r.effective_at);
        let last_push = if d.high_seq > 0 { db.received_at(d.id, d.high_seq).await? } else { None };
        list.push(serde_json::json!({
            "id": d.id, "name": d.name, "station": d.station, "role": d.role, "enrolled_at": d.enrolled_at,
            "revoked_at": d.revoked_at, "revocation_effective_at": effective, "high_seq": d.high_seq,
            "last_push_at": last_push, "signing_kid": d.signing.map(|s| s.kid),
        }));
    }
    Ok(list)
}
