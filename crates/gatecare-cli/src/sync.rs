//! `gatecare sync …` and `gatecare voucher redeem`: the kiosk's side of
//! central, from the command line.

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use gatecare_link::{CentralClient, enrol_with_central_trusting, sync_once};
use gatecare_store_sync::SyncStore;
use gatecare_sync::{RedeemRequest, RedeemResponse};

use crate::{BadInput, ledger, print_json};

/// Checks `--central`: an https URL, or plain http only to this machine
/// (an airport network is hostile: a token or a feed over plain http is
/// anyone's), unless `insecure_http` says the operator accepts that.
pub fn check_central(central: &str, insecure_http: bool) -> anyhow::Result<()> {
    let url = reqwest::Url::parse(central)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| BadInput(format!("--central must be an http(s) URL, not {central:?}")))?;
    if url.scheme() == "https" {
        return Ok(());
    }
    let host = url.host_str().unwrap_or_default();
    // IPv6 hosts come bracketed (`[::1]`).
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    match (loopback, insecure_http) {
        (true, _) => Ok(()),
        (false, true) => {
            eprintln!(
                "gatecare: warning: plain http:// to {host}: tokens and the feed cross the network unprotected"
            );
            Ok(())
        }
        (false, false) => Err(BadInput(format!(
            "--central {central:?}: plain http:// reaches only this machine (127.0.0.1, ::1, localhost); use \
             https:// (with --ca for the airline's CA), or --insecure-http to accept the risk"
        ))
        .into()),
    }
}

/// Checks `--central` and reads `--ca` (the airline's CA, PEM), if given.
fn central_and_ca(central: &str, ca: Option<&Path>, insecure_http: bool) -> anyhow::Result<Option<String>> {
    check_central(central, insecure_http)?;
    Ok(match ca {
        Some(p) => {
            Some(std::fs::read_to_string(p).map_err(|e| BadInput(format!("--ca {}: {e}", p.display())))?)
        }
        None => None,
    })
}

/// What an administrator hands over to enrol a device: where central is
/// (and how to trust its certificate), the one-time code and the root
/// key's fingerprint.
pub struct Invitation<'a> {
    pub central: &'a str,
    pub ca: Option<&'a Path>,
    pub insecure_http: bool,
    pub code: &'a str,
    pub root_fingerprint: &'a str,
}

pub async fn enrol(
    db: &Path,
    invitation: Invitation<'_>,
    device: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let Invitation { central, ca, insecure_http, code, root_fingerprint } = invitation;
    if !gatecare_sync::page::is_fingerprint(root_fingerprint) {
        return Err(BadInput(format!(
            "--root-fingerprint {root_fingerprint:?}: sha256: and 64 hex digits, as `gatecare-central admin \
             enrolment-code` printed it"
        ))
        .into());
    }
    let ca_pem = central_and_ca(central, ca, insecure_http)?;
    // A new device starts with an empty store: enrolment creates it (and
    // removes it again when central refuses, so a retry starts clean).
    let created = !db.exists();
    let store =
        gatecare_station::Station::open(db).await.with_context(|| format!("opening {}", db.display()))?;
    let e = match enrol_with_central_trusting(
        &store,
        central,
        ca_pem.as_deref(),
        code,
        root_fingerprint,
        device,
        now,
    )
    .await
    {
        Ok(e) => e,
        Err(err) => {
            store.close().await;
            if created {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
                }
            }
            return Err(err.into());
        }
    };
    print_json(&serde_json::json!({
        "enrolled": true, "central": e.central_url, "device_id": e.device_id, "station": e.station, "device": device,
    }))
}

/// Enrols a merchant's till with a one-time merchant code and prints the
/// token `voucher redeem` takes (keep it secret: it redeems vouchers).
pub async fn enrol_merchant(
    central: &str,
    ca: Option<&Path>,
    code: &str,
    name: &str,
    insecure_http: bool,
) -> anyhow::Result<()> {
    let ca_pem = central_and_ca(central, ca, insecure_http)?;
    let client = CentralClient::trusting(central, None, ca_pem.as_deref())?;
    let r = client
        .enrol(&gatecare_sync::EnrolRequest {
            code: code.to_owned(),
            name: name.to_owned(),
            signing_kid: None,
            signing_public_key: None,
        })
        .await?;
    print_json(&serde_json::json!({
        "enrolled": true, "device_id": r.device_id, "station": r.station, "role": r.role, "token": r.token,
    }))
}

/// Rounds until nothing is left to push or pull.
pub async fn once(db: &Path, device: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
    let store = ledger::open_existing(db).await?;
    let e =
        store.enrolment().await?.context("this store is not enrolled with central (gatecare sync enrol)")?;
    let client = CentralClient::for_enrolment(&e)?;
    let (mut pushed, mut pulled) = (0, 0);
    for _ in 0..10_000 {
        // A failed round is kept for `sync status`, as the app's worker keeps it.
        let r = match sync_once(&store, &client, &e, device, now).await {
            Ok(r) => r,
            Err(err) => {
                SyncStore(&store).record_sync_error(err.code(), &err.to_string(), now).await?;
                return Err(err.into());
            }
        };
        pushed += r.pushed;
        pulled += r.pulled;
        if !r.more {
            break;
        }
    }
    print_json(
        &serde_json::json!({"pushed": pushed, "pulled": pulled, "status": SyncStore(&store).sync_status().await?}),
    )
}

pub async fn status(db: &Path) -> anyhow::Result<()> {
    let store = ledger::open_existing(db).await?;
    let sync = SyncStore(&store);
    print_json(
        &serde_json::json!({"status": sync.sync_status().await?, "conflicts": sync.sync_conflicts().await?}),
    )
}

/// Redeems a voucher at central as a merchant; Ok(true) when redeemed.
pub async fn redeem(
    qr: &str,
    central: &str,
    token: &str,
    redemption_id: Option<uuid::Uuid>,
    station_tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(15)).build()?;
    let body = RedeemRequest {
        redemption_id: redemption_id.unwrap_or_else(uuid::Uuid::now_v7),
        qr: qr.trim().to_owned(),
        offline_at: None,
    };
    let resp = http
        .post(format!("{}/v1/vouchers/redeem", central.trim_end_matches('/')))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .with_context(|| format!("central at {central} is unreachable"))?;
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        anyhow::bail!("central refused ({status}): {text}");
    }
    let r: RedeemResponse = serde_json::from_str(&text).context("central's answer")?;
    print_json(&r)?;
    // The voucher's own times say why it is not yet or no longer valid
    // (central checked its signature; this only reads them).
    let voucher = gatecare_voucher::signed::decode(qr.trim()).ok().map(|u| u.payload);
    Ok(not_redeemed(&r, voucher.as_ref(), station_tz, now))
}

/// Why central did not redeem, in a line (None when it did), its time on
/// the station's clock.
fn not_redeemed(
    r: &RedeemResponse,
    voucher: Option<&gatecare_voucher::VoucherPayload>,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Option<String> {
    if r.redeemed {
        return None;
    }
    let mut why = format!(
        "not redeemed: {}",
        crate::voucher::why_not_valid(&r.reason, voucher, tz, now, crate::voucher::CheckedAt::Central)
    );
    if let Some(at) = r.redeemed_at {
        why.push_str(&format!(
            ", first redeemed at {}",
            at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S %:z")
        ));
    }
    if let Some(by) = &r.redeemed_by {
        why.push_str(&format!(" by {by}"));
    }
    Some(why)
}
