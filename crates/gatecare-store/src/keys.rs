//! The device's voucher-signing keys: `{device}#N`, the newest signs;
//! each is kept (owner-only store) and its kid never reused.

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;

use crate::store::{Store, StoreError, rfc3339};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A device's voucher-signing key.
pub struct DeviceSigner {
    pub kid: String,
    key: SigningKey,
}

impl DeviceSigner {
    /// A new random key under `kid` (not yet stored).
    pub fn generate(kid: &str) -> Result<DeviceSigner, StoreError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| StoreError::Hash(e.to_string()))?;
        Ok(DeviceSigner { kid: kid.to_owned(), key: SigningKey::from_bytes(&seed) })
    }

    pub fn public_hex(&self) -> String {
        hex(self.key.verifying_key().as_bytes())
    }

    pub fn verifying_key(&self) -> ed25519_dalek::VerifyingKey {
        self.key.verifying_key()
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }
}

impl Store {
    /// This device's signing key: its newest (`{device}#N` with the highest
    /// N: keys rotate, see `sync::renew_key_if_due`), created as `#1` on
    /// first use.
    pub async fn device_signer(&self, device: &str, now: DateTime<Utc>) -> Result<DeviceSigner, StoreError> {
        if let Some(signer) = self.newest_key(device).await? {
            return Ok(signer);
        }
        // Two first issues at once both find no key: the first `#1` written
        // is the device's, and the other takes it.
        let first = DeviceSigner::generate(&format!("{device}#1"))?;
        self.insert_key(&first, now, "ON CONFLICT (kid) DO NOTHING").await?;
        self.newest_key(device).await?.ok_or_else(|| StoreError::Data("device key was not kept".into()))
    }

    /// The key this device signs with: its newest, once the root's trust
    /// list (from the signed feed) certifies it. A renewed key waits for
    /// its certificate there, so an answer forged on the way to the renewal
    /// cannot have the device sign with a key no merchant accepts. Before
    /// any certificate of the device is on the list (standalone, or not
    /// yet synced), the newest.
    async fn newest_key(&self, device: &str) -> Result<Option<DeviceSigner>, StoreError> {
        self.newest_key_kept(device, true).await
    }

    /// The newest key this device keeps, certified or not: a renewal whose
    /// certificate the feed has not brought yet is sent to central again
    /// as it is, never replaced (central answers the same key alike).
    pub async fn newest_kept_key(&self, device: &str) -> Result<Option<DeviceSigner>, StoreError> {
        self.newest_key_kept(device, false).await
    }

    async fn newest_key_kept(
        &self,
        device: &str,
        certified_only: bool,
    ) -> Result<Option<DeviceSigner>, StoreError> {
        let keys: Vec<(String, String, String)> =
            sqlx::query_as("SELECT kid, secret_hex, public_hex FROM device_keys WHERE kid LIKE ? || '#%'")
                .bind(device)
                .fetch_all(self.pool())
                .await?;
        let certified: Vec<(String, String)> = match self.trust_list().await {
            Ok(Some(list)) if certified_only => list
                .devices
                .into_iter()
                .filter(|d| d.kid.strip_prefix(device).is_some_and(|n| n.starts_with('#')))
                .map(|d| (d.kid, d.public_key.to_ascii_lowercase()))
                .collect(),
            _ => Vec::new(),
        };
        let newest = keys
            .into_iter()
            .filter(|(kid, _, public)| {
                certified.is_empty()
                    || certified.iter().any(|(k, p)| k == kid && *p == public.to_ascii_lowercase())
            })
            .filter_map(|(kid, secret, _)| {
                let n: u32 = kid.strip_prefix(device)?.strip_prefix('#')?.parse().ok()?;
                Some((n, kid, secret))
            })
            .max_by_key(|(n, _, _)| *n);
        let Some((_, kid, secret)) = newest else { return Ok(None) };
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = secret
                .get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| StoreError::Data("device key is corrupt".into()))?;
        }
        Ok(Some(DeviceSigner { kid, key: SigningKey::from_bytes(&bytes) }))
    }

    /// Stores a signing key (owner-only store); its kid is never reused.
    pub async fn keep_key(&self, signer: &DeviceSigner, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.insert_key(signer, now, "").await
    }

    /// Writes a key; `on_conflict` is empty (a taken kid is an error) or an
    /// `ON CONFLICT` clause.
    async fn insert_key(
        &self,
        signer: &DeviceSigner,
        now: DateTime<Utc>,
        on_conflict: &'static str,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO device_keys (kid, secret_hex, public_hex, created_at) VALUES (?, ?, ?, ?) {on_conflict}"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&signer.kid)
            .bind(hex(signer.key.as_bytes()))
            .bind(signer.public_hex())
            .bind(rfc3339(now))
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
