//! Why a voucher was issued: its decision replayed from what its device
//! pushed, under the policy text and rule versions it was decided with.

use gatecare_server_database::{Database, DbError};
/// Why central cannot explain a voucher.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("no voucher {0} (id or serial) was pushed to central")]
    UnknownVoucher(String),
    #[error(
        "voucher {0}'s issued event carries no decision (pushed by a device from before decisions were \
         recorded, or without one): nothing to replay"
    )]
    NoDecision(String),
    #[error("the recorded decision does not read: {0}")]
    Unreadable(String),
    #[error("central holds no text of policy {0}")]
    NoPolicy(String),
    #[error(transparent)]
    Replay(#[from] gatecare_care::decision::ReplayError),
}

/// A voucher's decision replayed from what its device pushed with it.
pub struct Explained {
    /// The record, the replay and whether it reproduced, as JSON.
    pub report: serde_json::Value,
    pub reproduced: bool,
}

/// Replays the decision a device recorded with a voucher's `issued` event,
/// under the policy text stored with it and the rules' versions compiled in.
pub async fn explain<D: Database>(db: &D, voucher_id: &str) -> Result<Explained, ExplainError> {
    let payload =
        db.issued_event(voucher_id).await?.ok_or_else(|| ExplainError::UnknownVoucher(voucher_id.into()))?;
    let decision = payload.get("decision").ok_or_else(|| ExplainError::NoDecision(voucher_id.into()))?;
    let decision: gatecare_care::DecisionRecord =
        serde_json::from_value(decision.clone()).map_err(|e| ExplainError::Unreadable(e.to_string()))?;
    let text = db
        .decision_policy(&decision.policy)
        .await?
        .ok_or_else(|| ExplainError::NoPolicy(decision.policy.clone()))?;
    // The text was checked against its hash on ingest; replay_stored checks again.
    let replay = gatecare_care::decision::replay_stored(&decision, &text, &gatecare_care::rules::COMPILED)?;
    let reproduced = replay.reproduced();
    // A voided voucher says so (a revoked key's, a double issuance's loser, …).
    let void = match payload.get("voucher_id").and_then(|v| v.as_str()) {
        Some(id) => db.void_of(id).await?,
        None => None,
    };
    let void = void
        .map(|v| serde_json::json!({"reason": v.reason, "voided_at": v.voided_at, "voided_by": v.voided_by}));
    let report = serde_json::json!({
        "void": void,
        "voucher_id": payload.get("voucher_id"),
        "device": payload.get("device"),
        "serial": payload.get("serial"),
        "entitlement_key": payload.get("entitlement_key"),
        "recorded": decision,
        "replay": replay,
        "reproduced": reproduced,
    });
    Ok(Explained { report, reproduced })
}
