//! Complaint cases as stored: the events that open and update a case, as
//! they travel (`case_opened`, `case_updated`), and a case as their fold
//! (`gatecare-recovery`), so every device shows the same owner and clock.

use gatecare_recovery::{Case, Opened, Update};
use uuid::Uuid;

use crate::StoreError;
use crate::store::rfc3339;

/// The SQL column of a passenger row's recovery count (`p` passengers, `l`
/// loyalty profiles), for the star rating's complaint factor; a macro so
/// queries can `concat!` it into their literal text.
#[macro_export]
macro_rules! recovery_cases_sql {
    () => {
        "(SELECT COUNT(*) FROM cases rc \
          WHERE rc.profile_key = COALESCE('ff:' || NULLIF(l.ff_number, ''), 'pax:' || p.id)) AS recovery_cases"
    };
}

pub async fn load_case(conn: &mut sqlx::SqliteConnection, case_id: Uuid) -> Result<Option<Case>, StoreError> {
    let id = case_id.to_string();
    let opened = sqlx::query_as("SELECT case_id, body FROM cases WHERE case_id = ?")
        .bind(&id)
        .fetch_all(&mut *conn)
        .await?;
    let updates = sqlx::query_as("SELECT case_id, body FROM case_updates WHERE case_id = ?")
        .bind(&id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(fold_rows(opened, updates)?.pop())
}

/// Cases from their stored events: `(case_id, body)` rows of `cases`, in the
/// order wanted, and of `case_updates` for the same cases, in any order.
pub fn fold_rows(
    opened: Vec<(String, String)>,
    updates: Vec<(String, String)>,
) -> Result<Vec<Case>, StoreError> {
    let mut by_case: std::collections::HashMap<String, Vec<Update>> = std::collections::HashMap::new();
    for (id, body) in updates {
        let u: Update =
            serde_json::from_str(&body).map_err(|e| StoreError::Data(format!("case {id} update: {e}")))?;
        by_case.entry(id).or_default().push(u);
    }
    opened
        .into_iter()
        .map(|(id, body)| {
            let o: Opened =
                serde_json::from_str(&body).map_err(|e| StoreError::Data(format!("case {id}: {e}")))?;
            Ok(Case::fold(o, by_case.remove(&id).unwrap_or_default()))
        })
        .collect()
}

pub async fn insert_opened(
    conn: &mut sqlx::SqliteConnection,
    o: &Opened,
    body: &str,
    device: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO cases (case_id, profile_key, passenger_id, flight_id, station, category, opened_at, body, origin_device) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO NOTHING",
    )
    .bind(o.case_id.to_string())
    .bind(&o.profile_key)
    .bind(&o.passenger_id)
    .bind(&o.flight_id)
    .bind(&o.station)
    .bind(o.category.as_str())
    .bind(rfc3339(o.at))
    .bind(body)
    .bind(device)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_update(
    conn: &mut sqlx::SqliteConnection,
    u: &Update,
    body: &str,
    device: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO case_updates (update_id, case_id, at, body, origin_device) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (update_id) DO NOTHING",
    )
    .bind(u.update_id.to_string())
    .bind(u.case_id.to_string())
    .bind(rfc3339(u.at))
    .bind(body)
    .bind(device)
    .execute(conn)
    .await?;
    Ok(())
}

/// Keeps a case event another device logged (from the feed). A malformed
/// one is skipped: one bad item must not stop the feed.
pub async fn apply_remote(
    conn: &mut sqlx::SqliteConnection,
    kind: &str,
    payload: &serde_json::Value,
    device: &str,
) -> Result<(), StoreError> {
    match kind {
        "case_opened" => {
            if let Ok(o) = serde_json::from_value::<Opened>(payload.clone())
                && o.check().is_ok()
            {
                insert_opened(conn, &o, &payload.to_string(), device).await?;
            }
        }
        "case_updated" => {
            if let Ok(u) = serde_json::from_value::<Update>(payload.clone()) {
                insert_update(conn, &u, &payload.to_string(), device).await?;
            }
        }
        _ => {}
    }
    Ok(())
}
