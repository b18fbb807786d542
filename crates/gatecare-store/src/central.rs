//! What central told this device, as the rest of the device reads it: its
//! enrolment (station, device code, role), the trust and void lists, and
//! the airline policy. The feed writes them (`gatecare-store-sync`), and
//! enrolment (`gatecare-link`) the enrolment.

use gatecare_policy::Policy;

use crate::{Store, StoreError};

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

impl Store {
    pub async fn enrolment(&self) -> Result<Option<Enrolment>, StoreError> {
        /// `sync_enrolment`'s one row; the device id is parsed after reading.
        #[derive(sqlx::FromRow)]
        struct EnrolmentRow {
            central_url: String,
            device_id: String,
            station: String,
            token: String,
            ca_pem: Option<String>,
            root_public_key: Option<String>,
        }
        let row = sqlx::query_as::<_, EnrolmentRow>(
            "SELECT central_url, device_id, station, token, ca_pem, root_public_key FROM sync_enrolment WHERE id = 1",
        )
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(Enrolment {
                central_url: r.central_url,
                device_id: uuid::Uuid::parse_str(&r.device_id)
                    .map_err(|e| StoreError::Data(e.to_string()))?,
                station: r.station,
                token: r.token,
                ca_pem: r.ca_pem,
                root_public_key: r.root_public_key,
            })
        })
        .transpose()
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

    /// Stops this store issuing, for good: central revoked this device, or
    /// another holds its identity (`why`, the sync error's code and words).
    /// Merchants will refuse what it signs from now on, so it signs nothing
    /// more; a freshly installed store takes its place. The latest reason
    /// is kept (a clash, then the revocation IT made of it).
    pub async fn bar_issuing(&self, why: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('issuing_barred', ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(why)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Why this store may not issue, if it may not (see [`Store::bar_issuing`]).
    pub async fn issuing_barred(&self) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = 'issuing_barred'")
            .fetch_optional(self.pool())
            .await?)
    }

    /// Whether a voucher is on the void list this kiosk knows.
    pub async fn is_on_void_list(&self, voucher_id: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) > 0 FROM void_list WHERE voucher_id = ?")
            .bind(voucher_id)
            .fetch_one(self.pool())
            .await?)
    }

    /// The station central enrolled this store for, if it is enrolled.
    pub async fn enrolled_station(&self) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT station FROM sync_enrolment WHERE id = 1")
            .fetch_optional(self.pool())
            .await?)
    }

    /// The code central enrolled this device under (`HKG-K01`), if it is
    /// enrolled and recorded it (enrolments before migration 0016 did not).
    pub async fn enrolled_device(&self) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar::<_, Option<String>>("SELECT device_code FROM sync_enrolment WHERE id = 1")
            .fetch_optional(self.pool())
            .await?
            .flatten())
    }

    /// The role central enrolled this device in (`kiosk`, `console`), if
    /// it was enrolled since the role was kept.
    pub async fn enrolled_role(&self) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = 'enrolled_role'")
            .fetch_optional(self.pool())
            .await?)
    }

    /// The airline policy central distributed, if any (checked again here:
    /// a policy this build cannot read is ignored).
    pub async fn central_policy(&self) -> Result<Option<Policy>, StoreError> {
        let toml: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'central_policy'")
                .fetch_optional(self.pool())
                .await?;
        Ok(toml.and_then(|t| Policy::from_toml(&t).ok()))
    }
}
