//! The HTTP client of central's API, and the errors of talking to it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use gatecare_store::StoreError;
use gatecare_store::central::Enrolment;
use gatecare_sync::{
    ClaimRequest, ClaimResponse, EnrolRequest, EnrolResponse, ErrorBody, Event, PageError, PushRequest,
    PushResponse, RootKey, RotateKeyRequest, RotateKeyResponse, SeqClash,
};

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
    /// A push reused numbers central holds otherwise (see
    /// [`SyncError::of_push`], which says what it means).
    #[error("central holds other events under this device's seq {}", .0.seq)]
    SeqClash(SeqClash),
    /// Central holds other events under this device's numbers: another
    /// device pushes as this one (a copied disk or token), or this store
    /// was restored from an old copy. Every push fails the same way until
    /// IT acts; the words say what to do, with the time to revoke from.
    #[error("{}", identity_clash_words(*seq, *held_since, device))]
    IdentityClash { seq: i64, held_since: Option<DateTime<Utc>>, device: String },
    /// Central revoked this device: nothing of it is taken any more.
    #[error(
        "central has revoked this device: central takes nothing more from it, merchants refuse every voucher \
         of its key but those central received before the revocation took effect, and it issues nothing more. \
         IT enrols a freshly installed one under the same device code with a new one-time code"
    )]
    Revoked,
    /// A feed page that did not verify: nothing of it was stored.
    #[error("a feed page was refused: {0}")]
    PageRefused(PageError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// A push's clash as what it means for device `device` (see
    /// [`SyncError::IdentityClash`]); any other error as it is.
    pub fn of_push(self, device: uuid::Uuid) -> SyncError {
        match self {
            SyncError::SeqClash(c) => {
                SyncError::IdentityClash { seq: c.seq, held_since: c.held_since, device: device.to_string() }
            }
            // A central from before the clash was given whole: its number
            // from the words, and no time.
            SyncError::Rejected { status: 409, code, message } if code == "seq_conflict" => {
                let seq = message
                    .split_whitespace()
                    .find_map(|w| w.trim_matches(|c: char| !c.is_ascii_digit()).parse::<i64>().ok())
                    .unwrap_or(0);
                SyncError::IdentityClash { seq, held_since: None, device: device.to_string() }
            }
            other => other,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Offline(_) => "sync.offline",
            SyncError::Rejected { status: 401 | 403, .. } => "sync.unauthorised",
            SyncError::IdentityClash { .. } => "sync.identity_clash",
            SyncError::SeqClash(_) => "sync.conflict",
            SyncError::Revoked => "sync.device_revoked",
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

/// What an identity clash means and what IT does about it: revoke the
/// device from when central took the other events (what a thief pushed from
/// then on is voided with it), then enrol a fresh store.
fn identity_clash_words(seq: i64, held_since: Option<DateTime<Utc>>, device: &str) -> String {
    let at = match held_since {
        Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        None => "<the last time this device was surely in the right hands>".to_owned(),
    };
    let since = held_since.map_or(String::new(), |_| format!(", received by central at {at}"));
    format!(
        "central holds other events under this device's numbers (from seq {seq}{since}): another device is using \
         this device's identity (a copied disk or token), or this store was restored from an old copy. This \
         device's records no longer reach central (the feed still arrives). Ask IT to revoke device {device} from \
         that moment (gatecare-central admin revoke {device} --at {at}; if this store was restored from a copy and \
         nothing was stolen, without --at, so what central received stays valid), then to enrol a freshly \
         installed store under the same device code. This device issues nothing more. Its vouchers that \
         central never received are refused by merchants: the fresh store issues those passengers' care again (an agent replaces what \
         central voided); this store's unsent records stay here and do not reach central"
    )
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
                Some(ErrorBody { clash: Some(clash), ref code, .. })
                    if status.as_u16() == 409 && code == "seq_conflict" =>
                {
                    SyncError::SeqClash(clash)
                }
                Some(b) if status.as_u16() == 403 && b.code == "device_revoked" => SyncError::Revoked,
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

    /// A page of the feed for a device that has logged events up to seq
    /// `logged`: central says in the page when it holds more under this
    /// device's numbers (`FeedPage::clash`).
    pub async fn pull_logged(&self, after: i64, limit: u32, logged: i64) -> Result<bytes::Bytes, SyncError> {
        self.send_raw(self.request(
            reqwest::Method::GET,
            &format!("/v1/sync/pull?after={after}&limit={limit}&logged={logged}"),
        ))
        .await
    }

    /// The role central enrolled this device in, signed (`RoleStatement`).
    pub async fn device_role(&self) -> Result<bytes::Bytes, SyncError> {
        self.send_raw(self.request(reqwest::Method::GET, "/v1/devices/role")).await
    }

    /// Certifies this device's next signing key.
    pub async fn rotate_key(&self, req: &RotateKeyRequest) -> Result<RotateKeyResponse, SyncError> {
        self.send(self.request(reqwest::Method::POST, "/v1/devices/key").json(req)).await
    }

    pub async fn claim(&self, req: &ClaimRequest) -> Result<ClaimResponse, SyncError> {
        self.send(self.request(reqwest::Method::POST, "/v1/claims").json(req)).await
    }

    /// Claims a console's bulk issuance's entitlements, answered in order.
    pub async fn claim_batch(
        &self,
        batch: &gatecare_sync::ClaimBatch,
    ) -> Result<gatecare_sync::ClaimAnswers, SyncError> {
        self.send(self.request(reqwest::Method::POST, "/v1/claims/batch").json(batch)).await
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
    ) -> Result<gatecare_recovery::summary::RecoverySummary, SyncError> {
        self.send(self.request(reqwest::Method::GET, &format!("/v1/recovery/summary?from={from}&to={to}")))
            .await
    }
}
