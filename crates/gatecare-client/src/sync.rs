//! Sync with central: enrolment, push of this device's event log, pull of
//! the station feed, and the background worker that does both with backoff.
//!
//! Issuance never waits for the network: it writes the ledger and the sync
//! log in one local transaction; the worker ships the log later. A page of
//! the feed and the cursor that follows it are applied in one transaction,
//! so a crash between pages repeats a page (harmlessly) and never skips one.

use std::time::Duration;

use chrono::{DateTime, Utc};
use gatecare_sync::{
    ClaimRequest, ClaimResponse, EnrolRequest, EnrolResponse, ErrorBody, Event, EventKind, Expected,
    FeedItem, FeedPage, PageError, PushRequest, PushResponse, RootKey, RotateKeyRequest, RotateKeyResponse,
    Topic,
};
use serde::Serialize;
use sqlx::Row;

use crate::store::{parse_time, rfc3339};
use crate::{Store, StoreError};

/// Events per push: well under central's batch and body limits.
pub const PUSH_BATCH: i64 = 500;
/// Feed items per pull.
pub const PULL_PAGE: u32 = 500;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("central is unreachable: {0}")]
    Offline(String),
    #[error("central refused ({status}): {code}: {message}")]
    Rejected { status: u16, code: String, message: String },
    #[error("central answered something unexpected: {0}")]
    Protocol(String),
    #[error("this device is not enrolled with central")]
    NotEnrolled,
    /// The root key central showed is not the one the administrator named.
    #[error(
        "central's root key ({got}) is not the one the administrator gave ({given}): \
         this is not the airline's central, or someone is in between; nothing was sent"
    )]
    RootMismatch { given: String, got: String },
    #[error("{0:?} is not a root key fingerprint (sha256: and 64 hex digits, as enrolment-code printed it)")]
    BadFingerprint(String),
    /// Enrolled before feed pages were signed, without a trust list to pin.
    #[error("no root key is pinned for this device: enrol it again with --root-fingerprint")]
    RootNotPinned,
    /// A store is one device: enrolled as one code, it is not enrolled as another.
    #[error("this store is enrolled as {enrolled}; a store is one device (use a new store for {asked})")]
    AnotherDevice { enrolled: String, asked: String },
    /// A feed page that did not verify: nothing of it was stored.
    #[error("a feed page was refused: {0}")]
    PageRefused(PageError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Offline(_) => "sync.offline",
            SyncError::Rejected { status: 401 | 403, .. } => "sync.unauthorised",
            SyncError::Rejected { status: 409, .. } => "sync.conflict",
            SyncError::Rejected { .. } => "sync.rejected",
            SyncError::Protocol(_) => "sync.protocol",
            SyncError::NotEnrolled => "sync.not_enrolled",
            SyncError::RootMismatch { .. } => "sync.root_mismatch",
            SyncError::BadFingerprint(_) => "sync.bad_fingerprint",
            SyncError::RootNotPinned => "sync.root_not_pinned",
            SyncError::PageRefused(_) => "sync.page_refused",
            SyncError::AnotherDevice { .. } => "sync.another_device",
            SyncError::Store(e) => e.code(),
        }
    }
}

impl From<sqlx::Error> for SyncError {
    fn from(e: sqlx::Error) -> Self {
        SyncError::Store(StoreError::from(e))
    }
}

/// This device's enrolment with central.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub central_url: String,
    pub device_id: uuid::Uuid,
    pub station: String,
    pub token: String,
    /// The airline CA (PEM) trusted for central's certificate, besides the
    /// system's roots.
    pub ca_pem: Option<String>,
    /// The airline's root key (hex) that signs every feed page, pinned at
    /// enrolment.
    pub root_public_key: Option<String>,
}

/// What the UI shows about sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    pub enrolled: bool,
    pub central_url: Option<String>,
    /// Events not yet acknowledged by central.
    pub backlog: i64,
    pub last_push_at: Option<DateTime<Utc>>,
    pub last_pull_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// Double issuances central reported at this station.
    pub conflicts: i64,
    /// Events central refused (they had no effect there), and the latest
    /// refusal's code and reason; kept here, they never hold up the rest.
    pub refused: i64,
    pub last_refusal: Option<String>,
    pub cursor: i64,
    /// Feed pages refused (not signed by the pinned root key, or not made
    /// for this device): nothing of them was stored.
    pub feed_refused: i64,
    pub last_feed_refusal: Option<String>,
    /// Central's time on the newest page this device accepted.
    pub feed_signed_at: Option<DateTime<Utc>>,
    /// Enrolled and the last round reached central.
    pub online: bool,
}

/// An HTTP client for central's API.
#[derive(Clone)]
pub struct CentralClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl CentralClient {
    pub fn new(base: &str, token: Option<String>) -> Result<CentralClient, SyncError> {
        CentralClient::trusting(base, token, None)
    }

    /// A client that also trusts `ca_pem` (the airline's CA) for an
    /// `https://` central.
    pub fn trusting(
        base: &str,
        token: Option<String>,
        ca_pem: Option<&str>,
    ) -> Result<CentralClient, SyncError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(15));
        if let Some(pem) = ca_pem {
            let cert = reqwest::Certificate::from_pem(pem.as_bytes())
                .map_err(|e| SyncError::Protocol(format!("the CA certificate is not PEM: {e}")))?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder.build().map_err(|e| SyncError::Protocol(e.to_string()))?;
        Ok(CentralClient { http, base: base.trim_end_matches('/').to_owned(), token })
    }

    pub fn for_enrolment(e: &Enrolment) -> Result<CentralClient, SyncError> {
        CentralClient::trusting(&e.central_url, Some(e.token.clone()), e.ca_pem.as_deref())
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    async fn send<T: serde::de::DeserializeOwned>(&self, r: reqwest::RequestBuilder) -> Result<T, SyncError> {
        let bytes = self.send_raw(r).await?;
        serde_json::from_slice(&bytes).map_err(|e| SyncError::Protocol(e.to_string()))
    }

    async fn send_raw(&self, r: reqwest::RequestBuilder) -> Result<bytes::Bytes, SyncError> {
        let resp = r.send().await.map_err(|e| SyncError::Offline(e.to_string()))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| SyncError::Offline(e.to_string()))?;
        if !status.is_success() {
            let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
            return Err(match body {
                Some(b) => SyncError::Rejected { status: status.as_u16(), code: b.code, message: b.message },
                // A proxy or a restarting service: try again later.
                None if status.is_server_error() => SyncError::Offline(format!("HTTP {status}")),
                None => SyncError::Rejected {
                    status: status.as_u16(),
                    code: "http".into(),
                    message: status.to_string(),
                },
            });
        }
        Ok(bytes)
    }

    /// Central's root key, to compare with the administrator's fingerprint.
    pub async fn root(&self) -> Result<RootKey, SyncError> {
        self.send(self.request(reqwest::Method::GET, "/v1/root")).await
    }

    pub async fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse, SyncError> {
        self.send(self.request(reqwest::Method::POST, "/v1/devices/enrol").json(req)).await
    }

    pub async fn push(&self, events: &[Event]) -> Result<PushResponse, SyncError> {
        let body = PushRequest { events: events.to_vec() };
        self.send(self.request(reqwest::Method::POST, "/v1/sync/push").json(&body)).await
    }

    /// A page of the feed as central signed it; [`FeedPage::open`] it.
    pub async fn pull(&self, after: i64, limit: u32) -> Result<bytes::Bytes, SyncError> {
        self.send_raw(
            self.request(reqwest::Method::GET, &format!("/v1/sync/pull?after={after}&limit={limit}")),
        )
        .await
    }

    /// Certifies this device's next signing key.
    pub async fn rotate_key(&self, req: &RotateKeyRequest) -> Result<RotateKeyResponse, SyncError> {
        self.send(self.request(reqwest::Method::POST, "/v1/devices/key").json(req)).await
    }

    pub async fn claim(&self, req: &ClaimRequest) -> Result<ClaimResponse, SyncError> {
        self.send(self.request(reqwest::Method::POST, "/v1/claims").json(req)).await
    }

    /// Gives a claim back (the issue after it failed).
    pub async fn release_claim(&self, req: &ClaimRequest) -> Result<serde_json::Value, SyncError> {
        self.send(self.request(reqwest::Method::POST, "/v1/claims/release").json(req)).await
    }

    /// Central's service-recovery summary of every station for local days
    /// `from..=to`, passed through as central wrote it (for display).
    pub async fn recovery_summary(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<serde_json::Value, SyncError> {
        self.send(self.request(reqwest::Method::GET, &format!("/v1/recovery/summary?from={from}&to={to}")))
            .await
    }
}

impl Store {
    pub async fn enrolment(&self) -> Result<Option<Enrolment>, StoreError> {
        let row = sqlx::query(
            "SELECT central_url, device_id, station, token, ca_pem, root_public_key FROM sync_enrolment WHERE id = 1",
        )
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(Enrolment {
                central_url: r.try_get("central_url")?,
                device_id: uuid::Uuid::parse_str(&r.try_get::<String, _>("device_id")?)
                    .map_err(|e| StoreError::Data(e.to_string()))?,
                station: r.try_get("station")?,
                token: r.try_get("token")?,
                ca_pem: r.try_get("ca_pem")?,
                root_public_key: r.try_get("root_public_key")?,
            })
        })
        .transpose()
    }

    /// Enrols this kiosk with central using an administrator's one-time code
    /// and the root key's fingerprint printed with it, registering its
    /// voucher-signing key.
    pub async fn enrol_with_central(
        &self,
        central_url: &str,
        code: &str,
        root_fingerprint: &str,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<Enrolment, SyncError> {
        self.enrol_with_central_trusting(central_url, None, code, root_fingerprint, device, now).await
    }

    /// As [`Store::enrol_with_central`], trusting `ca_pem` (the airline's
    /// CA, PEM) for central's TLS certificate from now on.
    pub async fn enrol_with_central_trusting(
        &self,
        central_url: &str,
        ca_pem: Option<&str>,
        code: &str,
        root_fingerprint: &str,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<Enrolment, SyncError> {
        let enrolled_as: Option<Option<String>> =
            sqlx::query_scalar("SELECT device_code FROM sync_enrolment WHERE id = 1")
                .fetch_optional(self.pool())
                .await
                .map_err(StoreError::from)?;
        if let Some(Some(enrolled)) = enrolled_as
            && enrolled != device
        {
            return Err(SyncError::AnotherDevice { enrolled, asked: device.to_owned() });
        }
        let client = CentralClient::trusting(central_url, None, ca_pem)?;
        // The root first: a central that is not the airline's never sees
        // the one-time code.
        let root = client.root().await?;
        let key = gatecare_voucher::trust::verifying_key(&root.public_key)
            .ok_or_else(|| SyncError::Protocol("central's root key is not an Ed25519 key".into()))?;
        match gatecare_sync::page::fingerprint_matches(root_fingerprint, &key) {
            None => return Err(SyncError::BadFingerprint(root_fingerprint.to_owned())),
            Some(false) => {
                return Err(SyncError::RootMismatch {
                    given: root_fingerprint.trim().to_owned(),
                    got: gatecare_sync::page::fingerprint(&key),
                });
            }
            Some(true) => {}
        }
        let signer = self.device_signer(device, now).await?;
        let public = signer.public_hex();
        let resp = client
            .enrol(&EnrolRequest {
                code: code.to_owned(),
                name: device.to_owned(),
                signing_kid: Some(signer.kid.clone()),
                signing_public_key: Some(public),
            })
            .await?;
        let e = Enrolment {
            central_url: central_url.trim_end_matches('/').to_owned(),
            device_id: resp.device_id,
            station: resp.station,
            token: resp.token,
            ca_pem: ca_pem.map(str::to_owned),
            root_public_key: Some(root.public_key.to_ascii_lowercase()),
        };
        // The enrolled station is the store's: everything the feed delivers
        // is stored for it.
        let mut tx = self.pool().begin().await.map_err(StoreError::from)?;
        // A replaced device's key takes the next free number central gave
        // it, and its serials that number, so none repeats the old device's.
        let mut serial_prefix = None;
        if let Some(kid) = resp.signing_kid.as_deref().filter(|kid| *kid != signer.kid) {
            sqlx::query("UPDATE device_keys SET kid = ? WHERE kid = ?")
                .bind(kid)
                .bind(&signer.kid)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            if let Some((_, n)) = kid.rsplit_once('#') {
                serial_prefix = Some(format!("{device}.{n}"));
            }
        }
        sqlx::query(
            "INSERT INTO sync_enrolment (id, central_url, device_id, station, token, enrolled_at, ca_pem, device_code, root_public_key, serial_prefix) \
             VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET central_url = excluded.central_url, device_id = excluded.device_id, \
             station = excluded.station, token = excluded.token, enrolled_at = excluded.enrolled_at, \
             ca_pem = excluded.ca_pem, device_code = excluded.device_code, root_public_key = excluded.root_public_key, \
             serial_prefix = COALESCE(excluded.serial_prefix, sync_enrolment.serial_prefix)",
        )
        .bind(&e.central_url)
        .bind(e.device_id.to_string())
        .bind(&e.station)
        .bind(&e.token)
        .bind(rfc3339(now))
        .bind(&e.ca_pem)
        .bind(device)
        .bind(&e.root_public_key)
        .bind(&serial_prefix)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('station', ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(&e.station)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(e)
    }

    /// Appends an event to this device's outgoing log (for modules whose
    /// facts are not ledger entries: case updates, profile notes).
    pub async fn record_event(
        &self,
        kind: EventKind,
        payload: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        if !payload.is_object() || payload.to_string().len() > gatecare_sync::MAX_PAYLOAD_BYTES {
            return Err(StoreError::Data("an event payload is a JSON object of at most 16 KiB".into()));
        }
        let mut tx = self.pool().begin().await?;
        let seq = crate::ledger::append_sync(&mut tx, kind.as_str(), payload, at).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// The oldest events central has not acknowledged, in order.
    pub async fn unacked_events(&self, limit: i64) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, event_id, kind, payload, created_at FROM sync_events \
             WHERE seq > COALESCE((SELECT MAX(seq) FROM sync_acks), 0) ORDER BY seq LIMIT ?",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(Event {
                    seq: r.try_get("seq")?,
                    event_id: uuid::Uuid::parse_str(&r.try_get::<String, _>("event_id")?)
                        .map_err(|e| StoreError::Data(e.to_string()))?,
                    kind: EventKind::parse(&kind)
                        .ok_or_else(|| StoreError::Data(format!("sync event kind {kind}")))?,
                    at: parse_time(r.try_get("created_at")?)?,
                    payload: serde_json::from_str(&r.try_get::<String, _>("payload")?)
                        .map_err(|e| StoreError::Data(e.to_string()))?,
                })
            })
            .collect()
    }

    /// Records central's acknowledgements (and any conflict it reports).
    pub async fn record_acks(&self, resp: &PushResponse, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        for a in &resp.acks {
            let outcome = serde_json::to_string(&a.outcome).map_err(|e| StoreError::Data(e.to_string()))?;
            sqlx::query(
                "INSERT INTO sync_acks (seq, server_seq, outcome, acked_at) VALUES (?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING",
            )
            .bind(a.seq)
            .bind(a.server_seq)
            .bind(&outcome)
            .bind(rfc3339(now))
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE sync_events SET acked_at = ? WHERE seq = ? AND acked_at IS NULL")
                .bind(rfc3339(now))
                .bind(a.seq)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE sync_cursor SET last_push_at = ?, last_error = NULL, last_error_at = NULL WHERE id = 1",
        )
        .bind(rfc3339(now))
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO settings (key, value) VALUES ('last_sync_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(rfc3339(now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn feed_cursor(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT after FROM sync_cursor WHERE id = 1").fetch_one(self.pool()).await?)
    }

    /// Applies one page of the feed (opened: its signature checked) and
    /// moves the cursor, atomically.
    pub async fn apply_feed_page(
        &self,
        page: &FeedPage,
        my_device: uuid::Uuid,
        my_code: &str,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut tx = self.pool().begin().await?;
        for item in &page.items {
            apply_item(&mut tx, item, my_device, my_code).await?;
        }
        sqlx::query(
            "UPDATE sync_cursor SET after = MAX(after, ?), last_pull_at = ?, last_error = NULL, last_error_at = NULL, \
             feed_signed_at = CASE WHEN feed_signed_at IS NULL OR feed_signed_at < ?3 THEN ?3 ELSE feed_signed_at END \
             WHERE id = 1",
        )
        .bind(page.next_after)
        .bind(rfc3339(now))
        .bind(rfc3339(page.at))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(page.items.len())
    }

    /// The trust list central last sent (from the feed), if any.
    pub async fn trust_list(&self) -> Result<Option<gatecare_voucher::trust::TrustList>, StoreError> {
        let text: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'trust_list'")
            .fetch_optional(self.pool())
            .await?;
        text.map(|t| {
            gatecare_voucher::trust::TrustList::from_json(&t).map_err(|e| StoreError::Data(e.to_string()))
        })
        .transpose()
    }

    /// Central's time on the newest page this device accepted.
    pub async fn feed_signed_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at: Option<String> = sqlx::query_scalar("SELECT feed_signed_at FROM sync_cursor WHERE id = 1")
            .fetch_one(self.pool())
            .await?;
        at.map(parse_time).transpose()
    }

    /// Counts a page that did not verify; nothing of it is stored.
    pub async fn record_page_refusal(&self, e: &PageError, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sync_cursor SET feed_refused = feed_refused + 1, last_feed_refusal = ?, \
             last_error = ?, last_error_at = ? WHERE id = 1",
        )
        .bind(format!("{}: {e}", e.code()))
        .bind(format!("sync.page_refused: {}: {e}", e.code()))
        .bind(rfc3339(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn record_sync_error(&self, e: &SyncError, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE sync_cursor SET last_error = ?, last_error_at = ? WHERE id = 1")
            .bind(format!("{}: {e}", e.code()))
            .bind(rfc3339(now))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn sync_status(&self) -> Result<SyncStatus, StoreError> {
        let enrolment = self.enrolment().await?;
        let row = sqlx::query(
            "SELECT after, last_pull_at, last_push_at, last_error, last_error_at, feed_refused, last_feed_refusal, feed_signed_at, \
             (SELECT COUNT(*) FROM sync_events WHERE seq > COALESCE((SELECT MAX(seq) FROM sync_acks), 0)) AS backlog, \
             (SELECT COUNT(*) FROM sync_conflicts) AS conflicts, \
             (SELECT COUNT(*) FROM sync_acks WHERE json_extract(outcome, '$.result') = 'refused') AS refused, \
             (SELECT json_extract(outcome, '$.code') || ': ' || json_extract(outcome, '$.reason') FROM sync_acks \
               WHERE json_extract(outcome, '$.result') = 'refused' ORDER BY seq DESC LIMIT 1) AS last_refusal \
             FROM sync_cursor WHERE id = 1",
        )
        .fetch_one(self.pool())
        .await?;
        let t = |name: &str| -> Result<Option<DateTime<Utc>>, StoreError> {
            row.try_get::<Option<String>, _>(name)?.map(parse_time).transpose()
        };
        let last_error: Option<String> = row.try_get("last_error")?;
        let contacted = row.try_get::<Option<String>, _>("last_pull_at")?.is_some();
        Ok(SyncStatus {
            online: enrolment.is_some() && contacted && last_error.is_none(),
            enrolled: enrolment.is_some(),
            central_url: enrolment.map(|e| e.central_url),
            backlog: row.try_get("backlog")?,
            last_push_at: t("last_push_at")?,
            last_pull_at: t("last_pull_at")?,
            last_error,
            last_error_at: t("last_error_at")?,
            conflicts: row.try_get("conflicts")?,
            refused: row.try_get("refused")?,
            last_refusal: row.try_get("last_refusal")?,
            cursor: row.try_get("after")?,
            feed_refused: row.try_get("feed_refused")?,
            last_feed_refusal: row.try_get("last_feed_refusal")?,
            feed_signed_at: t("feed_signed_at")?,
        })
    }

    /// Double issuances central reported at this station (JSON bodies).
    pub async fn sync_conflicts(&self) -> Result<Vec<serde_json::Value>, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar("SELECT body FROM sync_conflicts ORDER BY detected_at")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|b| serde_json::from_str(b).map_err(|e| StoreError::Data(e.to_string()))).collect()
    }

    /// Whether a voucher is on the void list this kiosk knows.
    pub async fn is_on_void_list(&self, voucher_id: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) > 0 FROM void_list WHERE voucher_id = ?")
            .bind(voucher_id)
            .fetch_one(self.pool())
            .await?)
    }
}

fn s<'a>(v: &'a serde_json::Value, k: &str) -> &'a str {
    v.get(k).and_then(|x| x.as_str()).unwrap_or("")
}

async fn apply_item(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    item: &FeedItem,
    my_device: uuid::Uuid,
    my_code: &str,
) -> Result<(), StoreError> {
    let b = &item.body;
    match item.topic {
        Topic::Event => {
            let p = b.get("payload").unwrap_or(&serde_json::Value::Null);
            // Redemptions, feedback, enrolments and the rest are kept by
            // central; a kiosk needs only issuance (and voids, below).
            // Another console at the station changed a flight's disruption:
            // this kiosk shows the same cause and time.
            if s(b, "kind") == "disruption_updated" {
                let at = b.get("at").and_then(|v| v.as_str()).unwrap_or("");
                apply_disruption(tx, s(p, "id"), p, at, s(p, "recorded_by")).await?;
            }
            // Complaint cases opened or worked at another device: this
            // console shows the same case, owner and clock.
            if s(b, "kind") == "passenger_rerouted" {
                let at = b.get("at").and_then(|v| v.as_str()).unwrap_or("");
                crate::console::apply_remote_reroute(tx, p, at).await?;
            }
            if s(b, "kind") == "staff_requested" {
                crate::kiosk::apply_remote_staff_request(tx, p).await?;
            }
            if s(b, "kind") == "refund_chosen" {
                crate::rights::apply_remote(tx, p, s(b, "device")).await?;
            }
            if matches!(s(b, "kind"), "case_opened" | "case_updated") {
                crate::recovery::apply_remote(tx, s(b, "kind"), p, s(b, "device")).await?;
            }
            if s(b, "kind") == "issued" {
                // One row per voucher: a replacement is a second voucher for
                // the same entitlement.
                sqlx::query(
                    "INSERT INTO remote_vouchers (voucher_id, entitlement_key, device, device_code, flight_id, \
                     passenger_id, kind, serial, value_minor, currency, statutory, issued_at, actor, reason, replaces, \
                     server_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (voucher_id) DO NOTHING",
                )
                .bind(s(p, "voucher_id"))
                .bind(s(p, "entitlement_key"))
                .bind(s(b, "device"))
                .bind(Some(s(p, "device")).filter(|d| !d.is_empty()))
                .bind(s(p, "flight_id"))
                .bind(s(p, "passenger_id"))
                .bind(s(p, "kind"))
                .bind(Some(s(p, "serial")).filter(|v| !v.is_empty()))
                .bind(p.get("value_minor").and_then(|v| v.as_i64()))
                .bind(Some(s(p, "currency")).filter(|v| !v.is_empty()))
                .bind(p.get("statutory").and_then(|v| v.as_bool()).map(i64::from))
                .bind(
                    DateTime::parse_from_rfc3339(s(p, "at")).ok().map(|t| rfc3339(t.with_timezone(&Utc))),
                )
                .bind(Some(s(p, "actor")).filter(|a| !a.is_empty()))
                .bind(Some(s(p, "reason")).filter(|v| !v.is_empty()))
                .bind(Some(s(p, "replaces")).filter(|v| !v.is_empty()))
                .bind(item.server_seq)
                .execute(&mut **tx)
                .await?;
            }
        }
        Topic::Void => {
            sqlx::query("INSERT INTO void_list (voucher_id, voided_at, reason) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                .bind(s(b, "voucher_id"))
                .bind(s(b, "voided_at"))
                .bind(s(b, "reason"))
                .execute(&mut **tx)
                .await?;
        }
        Topic::TrustList => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ('trust_list', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(b.to_string())
                .execute(&mut **tx)
                .await?;
        }
        Topic::Lease => {
            // Our own leases are stored under this device's local code, which
            // is what issuance checks.
            let device = if s(b, "device") == my_device.to_string() {
                my_code.to_owned()
            } else {
                s(b, "device").to_owned()
            };
            let expires = b.get("expires_at").and_then(|v| v.as_str()).unwrap_or("");
            let expires = DateTime::parse_from_rfc3339(expires)
                .map(|t| rfc3339(t.with_timezone(&Utc)))
                .map_err(|e| StoreError::Data(format!("lease expiry: {e}")))?;
            let granted = DateTime::parse_from_rfc3339(s(b, "granted_at"))
                .map(|t| rfc3339(t.with_timezone(&Utc)))
                .map_err(|e| StoreError::Data(format!("lease time: {e}")))?;
            sqlx::query(
                "INSERT INTO leases (id, scope, key, device, expires_at, granted_by, granted_at) VALUES (?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(s(b, "id"))
            .bind(s(b, "scope"))
            .bind(s(b, "key"))
            .bind(device)
            .bind(expires)
            .bind(s(b, "granted_by"))
            .bind(granted)
            .execute(&mut **tx)
            .await?;
        }
        Topic::FlightUpdate => {
            sqlx::query("INSERT INTO remote_flight_updates (server_seq, flight_id, body) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                .bind(item.server_seq)
                .bind(s(b, "flight_id"))
                .bind(b.to_string())
                .execute(&mut **tx)
                .await?;
            apply_flight_update(tx, b, &format!("central-{}", item.server_seq), item.at).await?;
        }
        Topic::Agent => apply_agent(tx, b).await?,
        Topic::Flight
        | Topic::Manifest
        | Topic::Loyalty
        | Topic::HotelBlock
        | Topic::Policy
        | Topic::Lounge
        | Topic::StarBands => {
            crate::station::apply(tx, item.topic, b).await?;
        }
        Topic::Conflict => {
            sqlx::query(
                "INSERT INTO sync_conflicts (loser_voucher_id, entitlement_key, winner_voucher_id, body, detected_at) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(s(b, "loser_voucher_id"))
            .bind(s(b, "entitlement_key"))
            .bind(s(b, "winner_voucher_id"))
            .bind(b.to_string())
            .bind(rfc3339(item.at))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// What the online claim before an issuance found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimCheck {
    /// Central granted it: no other device will issue it.
    Granted,
    /// Not needed: standalone (not enrolled), leased to this device, or
    /// already issued here (a reprint).
    NotNeeded,
    /// Central did not answer in time: issue offline (the caps apply) and
    /// let central settle any double issuance.
    Unreachable,
}

/// How long a kiosk waits for central's claim answer before issuing offline.
pub const CLAIM_TIMEOUT: Duration = Duration::from_secs(2);

impl Store {
    /// The online compare-and-swap before issuing an entitlement that is not
    /// leased to this device (the issue's §5). A refusal is an error; an
    /// unreachable central is not.
    pub async fn claim_before_issue(
        &self,
        device: &str,
        passenger_id: &str,
        flight_id: &str,
        kind: gatecare_ledger::EntitlementKind,
        ordinal: u32,
        now: DateTime<Utc>,
    ) -> Result<ClaimCheck, crate::LedgerError> {
        let Some(enrolment) = self.enrolment().await? else { return Ok(ClaimCheck::NotNeeded) };
        let key = self.entitlement_key(passenger_id, flight_id, kind, ordinal).await?;
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM ledger_events WHERE entitlement_key = ? AND event = 'issued') \
                 + (SELECT COUNT(*) FROM station_vouchers WHERE entitlement_key = ?1 AND void_reason IS NOT NULL) AS here, \
               (SELECT COUNT(*) FROM leases WHERE device = ? AND expires_at > ? AND \
                  ((scope = 'flight' AND key = ?) OR (scope = 'entitlement' AND key = ?))) AS leased",
        )
        .bind(&key)
        .bind(device)
        .bind(rfc3339(now))
        .bind(flight_id)
        .bind(&key)
        .fetch_one(self.pool())
        .await?;
        if row.try_get::<i64, _>("here")? > 0 || row.try_get::<i64, _>("leased")? > 0 {
            return Ok(ClaimCheck::NotNeeded);
        }
        let client = CentralClient::for_enrolment(&enrolment).map_err(|e| StoreError::Data(e.to_string()))?;
        // The voucher id is not known before issuing; central confirms this
        // device's claim whatever voucher it then pushes.
        let req = ClaimRequest {
            entitlement_key: key,
            voucher_id: format!("claim:{}", enrolment.device_id),
            flight_id: flight_id.to_owned(),
        };
        match tokio::time::timeout(CLAIM_TIMEOUT, client.claim(&req)).await {
            Ok(Ok(ClaimResponse::Granted)) => Ok(ClaimCheck::Granted),
            // Central says no more than "elsewhere": which device is not ours to know.
            Ok(Ok(ClaimResponse::Refused { reason })) if reason == "not_your_station" => {
                Err(crate::LedgerError::Refused("this flight is another station's".into()))
            }
            Ok(Ok(ClaimResponse::Refused { reason })) if reason == "leased" => {
                Err(crate::LedgerError::LeasedElsewhere("another device".into()))
            }
            Ok(Ok(ClaimResponse::Refused { .. })) => {
                Err(crate::LedgerError::IssuedElsewhere("another device".into()))
            }
            Ok(Err(_)) | Err(_) => Ok(ClaimCheck::Unreachable),
        }
    }

    /// Issues (or, for an agent, replaces) after claiming the entitlement at
    /// central when online, and gives the claim back if the issue fails.
    /// Kiosks and consoles both go through here; bulk issuance relies on
    /// central settling double issuance instead of a claim per passenger.
    pub async fn issue_claimed(
        &self,
        ctx: &crate::IssueContext<'_>,
        req: &crate::IssueRequest,
        replacement: bool,
    ) -> Result<crate::Issued, crate::LedgerError> {
        let claim = self
            .claim_before_issue(ctx.device, &req.passenger_id, &req.flight_id, req.kind, req.ordinal, ctx.now)
            .await?;
        let issued =
            if replacement { self.issue_or_replace(ctx, req).await } else { self.issue(ctx, req).await };
        if issued.is_err() && claim == ClaimCheck::Granted {
            self.release_claim(&req.passenger_id, &req.flight_id, req.kind, req.ordinal).await?;
        }
        issued
    }

    /// Releases this device's claim on an entitlement whose issue failed
    /// (no room left, a printer-less refusal…), so another device, or a
    /// console, can issue it at once. Best effort: a claim not released
    /// lapses when its hold ends.
    pub async fn release_claim(
        &self,
        passenger_id: &str,
        flight_id: &str,
        kind: gatecare_ledger::EntitlementKind,
        ordinal: u32,
    ) -> Result<(), StoreError> {
        let Some(enrolment) = self.enrolment().await? else { return Ok(()) };
        let key = match self.entitlement_key(passenger_id, flight_id, kind, ordinal).await {
            Ok(k) => k,
            Err(_) => return Ok(()),
        };
        let Ok(client) = CentralClient::for_enrolment(&enrolment) else { return Ok(()) };
        let req = ClaimRequest {
            entitlement_key: key,
            voucher_id: format!("claim:{}", enrolment.device_id),
            flight_id: flight_id.to_owned(),
        };
        let _ = tokio::time::timeout(CLAIM_TIMEOUT, client.release_claim(&req)).await;
        Ok(())
    }
}

/// Records a disruption update from the feed when this store knows the
/// flight and the update is well formed; anything else is skipped (one bad
/// item must not stop the feed).
/// A gate agent as central publishes them (`AgentRecord::feed_body`): a
/// console checks PINs offline against these hashes. Malformed records are
/// skipped: one bad record must not stop the feed.
pub(crate) async fn apply_agent(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    b: &serde_json::Value,
) -> Result<(), StoreError> {
    let role = s(b, "role");
    if s(b, "pin_hash").starts_with("$argon2id$")
        && gatecare_core::Role::parse(role).is_ok()
        && !s(b, "code").is_empty()
    {
        sqlx::query(
                    "INSERT INTO agents (id, code, name, role, station, pin_hash) VALUES (?, ?, ?, ?, ?, ?) \
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, role = excluded.role, \
                     station = excluded.station, \
                     failed_attempts = CASE WHEN agents.pin_hash <> excluded.pin_hash THEN 0 ELSE agents.failed_attempts END, \
                     locked_until = CASE WHEN agents.pin_hash <> excluded.pin_hash THEN NULL ELSE agents.locked_until END, \
                     pin_hash = excluded.pin_hash",
                )
                .bind(format!("central:{}", s(b, "code")))
                .bind(s(b, "code"))
                .bind(s(b, "name"))
                .bind(role)
                .bind(s(b, "station"))
                .bind(s(b, "pin_hash"))
                .execute(&mut **tx)
                .await?;
    }
    Ok(())
}

/// A flight's disruption as the operations system published it (station
/// data's `disruptions`): kept under its own id, so a re-import adds nothing.
pub(crate) async fn apply_flight_update(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    b: &serde_json::Value,
    fallback_id: &str,
    fallback_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let id = Some(s(b, "id")).filter(|i| !i.is_empty()).unwrap_or(fallback_id);
    let at = DateTime::parse_from_rfc3339(s(b, "recorded_at")).map_or(fallback_at, |t| t.to_utc());
    apply_disruption(tx, id, b, &rfc3339(at), &format!("central:{}", s(b, "recorded_by"))).await
}

async fn apply_disruption(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    id: &str,
    d: &serde_json::Value,
    recorded_at: &str,
    recorded_by: &str,
) -> Result<(), StoreError> {
    let time = |k: &str| -> Option<String> {
        d.get(k)
            .and_then(|v| v.as_str())
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| rfc3339(t.with_timezone(&Utc)))
    };
    let Some(recorded_at) =
        DateTime::parse_from_rfc3339(recorded_at).ok().map(|t| rfc3339(t.with_timezone(&Utc)))
    else {
        return Ok(());
    };
    let kind = s(d, "kind");
    let valid = !id.is_empty()
        && matches!(kind, "delay" | "cancellation" | "denied_boarding" | "diversion" | "resolved")
        && gatecare_care::cause::Cause::parse(s(d, "cause")).is_some();
    let known: bool = sqlx::query_scalar("SELECT COUNT(*) > 0 FROM flights WHERE id = ?")
        .bind(s(d, "flight_id"))
        .fetch_one(&mut **tx)
        .await?;
    if !valid || !known {
        return Ok(());
    }
    // Several causes are kept only when they check as the care engine reads them.
    let causes = d
        .get("causes")
        .and_then(|c| serde_json::from_value::<Vec<gatecare_care::scenario::CauseInput>>(c.clone()).ok())
        .filter(|c| gatecare_care::scenario::parse_causes(c).is_ok())
        .map(|c| serde_json::to_string(&c).unwrap_or_default());
    sqlx::query(
        "INSERT INTO disruption_updates (id, flight_id, kind, cause, expected_departure, expected_arrival, \
         reroute_flight, recorded_at, recorded_by, causes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(s(d, "flight_id"))
    .bind(kind)
    .bind(s(d, "cause"))
    .bind(time("expected_departure"))
    .bind(time("expected_arrival"))
    .bind(
        d.get("reroute_flight")
            .and_then(|v| v.as_str())
            .and_then(|f| gatecare_core::FlightDesignator::parse(f).ok())
            .map(|f| f.to_string()),
    )
    .bind(recorded_at)
    .bind(recorded_by)
    .bind(causes)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What one round of sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncRound {
    pub pushed: usize,
    pub pulled: usize,
    /// More to push or pull: go again without waiting.
    pub more: bool,
}

/// One round: push a batch of the backlog, then pull a page of the feed.
pub async fn sync_once(
    store: &Store,
    client: &CentralClient,
    enrolment: &Enrolment,
    my_code: &str,
    now: DateTime<Utc>,
) -> Result<SyncRound, SyncError> {
    let mut round = SyncRound::default();
    let events = store.unacked_events(PUSH_BATCH).await?;
    // A push that fails does not keep the feed from coming in: the pull
    // runs either way, and the push's error is reported after it.
    let mut push_failed = None;
    if !events.is_empty() {
        match push_in_parts(client, &events).await {
            Ok(pushed) => {
                store.record_acks(&pushed, now).await?;
                round.pushed = events.len();
                round.more |= events.len() as i64 == PUSH_BATCH;
            }
            Err(e @ SyncError::Store(_)) => return Err(e),
            Err(e) => push_failed = Some(e),
        }
    }
    let root = enrolment
        .root_public_key
        .as_deref()
        .and_then(gatecare_voucher::trust::verifying_key)
        .ok_or(SyncError::RootNotPinned)?;
    let after = store.feed_cursor().await?;
    let bytes = client.pull(after, PULL_PAGE).await?;
    let expected = Expected {
        station: &enrolment.station,
        device: enrolment.device_id,
        after,
        newest: store.feed_signed_at().await?,
        now,
    };
    let page = match FeedPage::open(&bytes, &root, &expected) {
        Ok(page) => page,
        Err(e) => {
            tracing::warn!(code = e.code(), "refused a feed page: {e}");
            store.record_page_refusal(&e, now).await?;
            return Err(SyncError::PageRefused(e));
        }
    };
    round.pulled = store.apply_feed_page(&page, enrolment.device_id, my_code, now).await?;
    // A failed renewal is tried again next round; it never holds up sync.
    if let Err(e) = renew_key_if_due(store, client, my_code, now).await {
        tracing::warn!(code = e.code(), "renewing the signing key failed: {e}");
        store.record_sync_error(&e, now).await?;
    }
    round.more |= page.more;
    if let Some(e) = push_failed {
        return Err(e);
    }
    if events.is_empty() {
        store.record_sync(now).await?;
    }
    Ok(round)
}

/// How long before its certificate ends a device renews its key.
pub const RENEW_BEFORE: chrono::Duration = chrono::Duration::days(60);

/// Rotates this device's signing key when its certificate (as the trust
/// list from the feed shows it) ends within [`RENEW_BEFORE`]: a new key
/// `{code}#N+1`, certified by central, stored only once certified. The old
/// key stays on the trust list until its certificate ends, so what it
/// signed still verifies. Returns the new key id when it rotated.
pub async fn renew_key_if_due(
    store: &Store,
    client: &CentralClient,
    my_code: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, SyncError> {
    let current = store.device_signer(my_code, now).await?;
    let Some(list) = store.trust_list().await? else { return Ok(None) };
    let Some(cert) = list.devices.iter().find(|d| d.kid == current.kid) else { return Ok(None) };
    if cert.not_after - now > RENEW_BEFORE {
        return Ok(None);
    }
    let n: u32 = current.kid.rsplit_once('#').and_then(|(_, n)| n.parse().ok()).unwrap_or(1);
    let next = crate::vouchers::DeviceSigner::generate(&format!("{my_code}#{}", n + 1))?;
    let resp =
        client.rotate_key(&RotateKeyRequest { kid: next.kid.clone(), public_key: next.public_hex() }).await?;
    if resp.kid != next.kid {
        return Err(SyncError::Protocol(format!("central certified {} for {}", resp.kid, next.kid)));
    }
    store.keep_key(&next, now).await?;
    tracing::info!(kid = next.kid, until = %resp.not_after, "renewed the signing key");
    Ok(Some(next.kid))
}

/// Pushes a batch; when central answers 413 (the body is over its limit),
/// pushes it in halves instead, down to single events, so one large batch
/// never wedges the log. The acknowledgements are checked against the batch.
async fn push_in_parts(client: &CentralClient, events: &[Event]) -> Result<PushResponse, SyncError> {
    let resp = match client.push(events).await {
        Err(SyncError::Rejected { status: 413, .. }) if events.len() > 1 => {
            let (first, rest) = events.split_at(events.len() / 2);
            let mut a = Box::pin(push_in_parts(client, first)).await?;
            let b = Box::pin(push_in_parts(client, rest)).await?;
            a.acks.extend(b.acks);
            a.high_seq = a.high_seq.max(b.high_seq);
            return Ok(a);
        }
        other => other?,
    };
    if resp.acks.len() != events.len()
        || resp.acks.iter().zip(events).any(|(a, e)| a.seq != e.seq || a.event_id != e.event_id)
    {
        return Err(SyncError::Protocol("acknowledgements do not match the batch".into()));
    }
    Ok(resp)
}

/// The delay before the next attempt after `failures` failures in a row:
/// exponential from 1 s to 60 s, with ±50 % jitter so a station's kiosks do
/// not all retry at once when central comes back.
pub fn backoff(failures: u32, jitter_unit: f64) -> Duration {
    let base = 1000.0 * 2f64.powi(failures.min(6) as i32);
    let ms = base.min(60_000.0) * (0.5 + jitter_unit.clamp(0.0, 1.0));
    Duration::from_millis(ms as u64)
}

fn jitter_unit() -> f64 {
    let mut b = [0u8; 4];
    match getrandom::fill(&mut b) {
        Ok(()) => f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX),
        Err(_) => 0.5,
    }
}

/// The background worker: rounds until told to stop, never blocking
/// issuance (it only reads and appends through its own transactions).
pub async fn run_worker(
    store: Store,
    my_code: String,
    clock: impl Fn() -> DateTime<Utc> + Send + 'static,
    interval: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut failures = 0u32;
    loop {
        let wait = match store.enrolment().await {
            Ok(Some(e)) => match CentralClient::for_enrolment(&e) {
                Ok(client) => match sync_once(&store, &client, &e, &my_code, clock()).await {
                    Ok(round) => {
                        failures = 0;
                        if round.more { Duration::ZERO } else { interval }
                    }
                    Err(err) => {
                        let _ = store.record_sync_error(&err, clock()).await;
                        failures += 1;
                        backoff(failures, jitter_unit())
                    }
                },
                Err(_) => backoff(6, jitter_unit()),
            },
            // Not enrolled (yet): look again later.
            _ => interval.max(Duration::from_secs(5)),
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_minute_with_jitter() {
        assert_eq!(backoff(0, 0.5), Duration::from_secs(1));
        assert_eq!(backoff(1, 0.5), Duration::from_secs(2));
        assert_eq!(backoff(10, 0.5), Duration::from_secs(60));
        assert_eq!(backoff(10, 0.0), Duration::from_secs(30));
        assert_eq!(backoff(10, 1.0), Duration::from_secs(90));
    }
}
