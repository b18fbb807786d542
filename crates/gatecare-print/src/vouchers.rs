//! From ledger entries to signed, printable vouchers: the device's signing
//! key, the sheet (everything the paper says), and whole-flight or
//! per-passenger PDFs with progress.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use gatecare_care::cause::Cause;
use gatecare_voucher::VoucherPayload;
use gatecare_voucher::pdf::{Fonts, HotelDetails, Layout, VoucherSheet, render};
use gatecare_voucher::signed::sign;
use gatecare_voucher::terms::{hotel_wording, stays_the_night, valid_until};

use gatecare_store::DeviceSigner;
use gatecare_store::Store;
use gatecare_store::store::{StoreError, parse_time};

/// The CJK font could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the CJK font {path}: {reason} (Debian: fonts-noto-cjk; or set GATECARE_CJK_FONT)")]
pub struct FontError {
    pub path: String,
    pub reason: String,
}

/// The vouchers' CJK font: `GATECARE_CJK_FONT` (a path, optionally `#face`),
/// else Debian's Noto Sans CJK. The app and the CLI both load it here.
pub fn load_fonts() -> Result<Fonts, FontError> {
    let spec = std::env::var("GATECARE_CJK_FONT")
        .unwrap_or_else(|_| "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc#2".into());
    let (path, face) = spec.rsplit_once('#').map_or((spec.as_str(), 0), |(p, f)| (p, f.parse().unwrap_or(0)));
    let fail = |reason: String| FontError { path: path.to_owned(), reason };
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    Fonts::from_bytes(&bytes, face).map_err(|e| fail(e.to_string()))
}

/// The sheet of an issued voucher, with its signed QR.
pub async fn voucher_sheet(
    store: &Store,
    voucher_id: &str,
    signer: &DeviceSigner,
) -> Result<VoucherSheet, StoreError> {
    let policy = voucher_policy(store).await?;
    sheet(store, voucher_id, signer, &policy).await
}

/// The policy whose words the station's vouchers carry: central's, else
/// the shipped default.
async fn voucher_policy(store: &Store) -> Result<gatecare_policy::Policy, StoreError> {
    Ok(store.central_policy().await?.unwrap_or_else(gatecare_policy::Policy::default_policy))
}

async fn sheet(
    store: &Store,
    voucher_id: &str,
    signer: &DeviceSigner,
    policy: &gatecare_policy::Policy,
) -> Result<VoucherSheet, StoreError> {
    /// An issued voucher with its passenger and flight.
    #[derive(sqlx::FromRow)]
    struct IssuedRow {
        serial: String,
        kind: String,
        value_minor: i64,
        currency: String,
        details: String,
        at: String,
        passenger_id: String,
        surname: String,
        given_names: String,
        native_name: Option<String>,
        carrier: String,
        number: String,
        origin: String,
        destination: String,
        scheduled_departure: String,
        flight_id: String,
    }
    /// The flight's latest disruption.
    #[derive(sqlx::FromRow)]
    struct DisruptionRow {
        kind: String,
        cause: String,
        expected_departure: Option<String>,
        reroute_flight: Option<String>,
    }
    let r = sqlx::query_as::<_, IssuedRow>(
        "SELECT l.serial, l.kind, l.value_minor, l.currency, l.details, l.at, l.passenger_id, \
                p.surname, p.given_names, p.native_name, \
                f.carrier, f.number, f.origin, f.destination, f.scheduled_departure, f.id AS flight_id \
         FROM ledger_events l JOIN passengers p ON p.id = l.passenger_id JOIN flights f ON f.id = l.flight_id \
         WHERE l.voucher_id = ? AND l.event = 'issued'",
    )
    .bind(voucher_id)
    .fetch_optional(store.pool())
    .await?
    .ok_or_else(|| StoreError::Data(format!("no voucher {voucher_id}")))?;
    let origin = r.origin.clone();
    let tz: Tz = gatecare_core::AirportCode::parse(&origin)
        .ok()
        .and_then(|c| gatecare_reference::airport(&c))
        .map(|a| a.tz)
        .ok_or_else(|| StoreError::Data(format!("unknown airport {origin}")))?;
    let scheduled = parse_time(r.scheduled_departure.clone())?;
    let issued_at = parse_time(r.at.clone())?;
    let disruption = sqlx::query_as::<_, DisruptionRow>(
        "SELECT kind, cause, expected_departure, reroute_flight FROM disruption_updates WHERE flight_id = ? ORDER BY recorded_at DESC, rowid DESC LIMIT 1",
    )
    .bind(&r.flight_id)
    .fetch_optional(store.pool())
    .await?;
    let (cause, expected, cancelled, reroute_flight) = match disruption {
        Some(d) => (
            Cause::parse(&d.cause),
            d.expected_departure.map(parse_time).transpose()?,
            d.kind == "cancellation",
            d.reroute_flight,
        ),
        None => (None, None, false, None),
    };
    // A passenger re-routed apart from the flight travels at their own time.
    let own = if cancelled { store.passenger_reroute(&r.flight_id, &r.passenger_id).await? } else { None };
    let (expected, reroute_flight) = match own {
        Some(o) => (Some(o.departure), o.reroute_flight.or(reroute_flight)),
        None => (expected, reroute_flight),
    };
    let (cause_en, cause_zh) = cause.map(Cause::explained).unwrap_or(("being confirmed", "原因正在确认"));
    let new_departure = expected.unwrap_or(scheduled);
    let kind = r.kind.clone();
    let valid_until = valid_until(&kind, new_departure, issued_at);
    let currency =
        gatecare_core::Currency::parse(&r.currency).map_err(|e| StoreError::Data(e.to_string()))?;
    let value_minor = r.value_minor;
    let details: serde_json::Value = serde_json::from_str(&r.details).unwrap_or_default();
    let hotel = match details.get("hotel_block_id").and_then(|v| v.as_str()) {
        Some(block) => sqlx::query_as::<_, (String, Option<String>, String, String)>(
            "SELECT name, name_zh, address, transport FROM hotel_blocks WHERE id = ?",
        )
        .bind(block)
        .fetch_optional(store.pool())
        .await?
        .map(|(name, name_zh, address, transport)| HotelDetails {
            name,
            name_zh,
            address,
            nights: u32::from(stays_the_night(issued_at, valid_until, tz)),
            transport,
        }),
        None => None,
    };
    let (surname, given) = (r.surname.clone(), r.given_names.clone());
    let flight = format!("{}{}", r.carrier, r.number);
    let serial = r.serial.clone();
    let payload = VoucherPayload {
        version: gatecare_voucher::signed::PAYLOAD_VERSION,
        voucher_id: uuid::Uuid::parse_str(voucher_id).map_err(|e| StoreError::Data(e.to_string()))?,
        // The QR names no booking: the key stays on the devices and central.
        entitlement_key: None,
        kind: kind.clone(),
        value_minor,
        currency: currency.to_string(),
        surname: gatecare_core::fold_to_ascii(&surname),
        initial: gatecare_core::fold_to_ascii(&given).chars().next().map(String::from).unwrap_or_default(),
        flight: flight.clone(),
        flight_date: scheduled.with_timezone(&tz).format("%Y-%m-%d").to_string(),
        valid_from: issued_at.timestamp(),
        valid_until: valid_until.timestamp(),
        serial: serial.clone(),
    };
    let general = gatecare_voucher::terms::wording(&kind);
    let (tip_en, tip_zh) = (general.tip_en, general.tip_zh);
    let (buys_en, buys_zh) = match (kind.as_str(), policy.voucher_wording(&origin, &kind)) {
        ("hotel", _) => hotel_wording(issued_at, valid_until, tz),
        (_, Some((en, zh))) => (en.to_owned(), zh.to_owned()),
        (_, None) => (general.buys_en.to_owned(), general.buys_zh.to_owned()),
    };
    let citation = details
        .get("citation")
        .and_then(|c| c.as_str())
        .filter(|c| !c.is_empty())
        .unwrap_or("airline care policy");
    Ok(VoucherSheet {
        kind: kind.clone(),
        issuer: format!(
            "{} · {}",
            gatecare_reference::carrier(
                &gatecare_core::CarrierCode::parse(&flight[..2])
                    .map_err(|e| StoreError::Data(e.to_string()))?
            )
            .map(|c| c.name.clone())
            .unwrap_or_default(),
            origin
        ),
        passenger_latin: format!("{surname}/{given}"),
        passenger_native: r.native_name.clone(),
        route: format!("{origin} → {}", r.destination),
        flight_date: scheduled.with_timezone(&tz).format("%d %b %Y").to_string(),
        flight,
        cause_en: cause_en.into(),
        cause_zh: cause_zh.into(),
        cancelled,
        new_time: match (cancelled, expected) {
            (true, None) => "待定，请到登机口 / to be confirmed at the gate".into(),
            _ => gatecare_voucher::terms::departure_text(reroute_flight.as_deref(), new_departure, tz),
        },
        value: if value_minor > 0 {
            gatecare_core::Money::new(value_minor, currency).to_string()
        } else {
            "—".into()
        },
        buys_en,
        buys_zh,
        hotel,
        valid: gatecare_voucher::terms::validity_text(issued_at, valid_until, tz),
        serial,
        rule: citation.into(),
        tip_en: tip_en.into(),
        tip_zh: tip_zh.into(),
        qr_text: sign(&payload, &signer.kid, signer.signing_key()),
    })
}

/// A flight's vouchers this device issued, in the order it issued them
/// (the priority order), and how many other devices issued on it as
/// central reported them: what a whole-flight print takes, and why it is
/// empty when it is.
pub async fn flight_vouchers(store: &Store, flight_id: &str) -> Result<(Vec<String>, i64), StoreError> {
    let ids = sqlx::query_scalar(
        "SELECT voucher_id FROM ledger_events WHERE flight_id = ? AND event = 'issued' ORDER BY seq",
    )
    .bind(flight_id)
    .fetch_all(store.pool())
    .await?;
    // Void ones (a revoked key's, a double issuance's loser) are nobody's to print.
    let elsewhere = sqlx::query_scalar(
        "SELECT COUNT(*) FROM remote_vouchers r WHERE flight_id = ? \
         AND NOT EXISTS (SELECT 1 FROM void_list l WHERE l.voucher_id = r.voucher_id)",
    )
    .bind(flight_id)
    .fetch_one(store.pool())
    .await?;
    Ok((ids, elsewhere))
}

/// One PDF for a list of vouchers (a whole flight, in the order given),
/// reporting progress as each sheet is prepared.
pub async fn flight_pdf(
    store: &Store,
    voucher_ids: &[String],
    signer: &DeviceSigner,
    fonts: &Fonts,
    layout: Layout,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<u8>, StoreError> {
    let policy = voucher_policy(store).await?;
    let mut sheets = Vec::with_capacity(voucher_ids.len());
    for (i, id) in voucher_ids.iter().enumerate() {
        sheets.push(sheet(store, id, signer, &policy).await?);
        progress(i + 1, voucher_ids.len());
    }
    render(&sheets, layout, fonts, "Gatecare vouchers").map_err(|e| StoreError::Data(e.to_string()))
}

/// One PDF per voucher into `dir`, named by serial; returns the paths.
pub async fn voucher_pdfs(
    store: &Store,
    voucher_ids: &[String],
    signer: &DeviceSigner,
    fonts: &Fonts,
    layout: Layout,
    dir: &Path,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<PathBuf>, StoreError> {
    std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder { path: dir.to_owned(), source })?;
    let policy = voucher_policy(store).await?;
    let mut sheets = Vec::with_capacity(voucher_ids.len());
    for id in voucher_ids {
        sheets.push(sheet(store, id, signer, &policy).await?);
    }
    if sheets.is_empty() {
        return Ok(Vec::new());
    }
    // The glyphs every file shows are cut from the CJK face once; each
    // file adds only its own (the name, the serial).
    let mut batch = fonts.batch(&sheets).map_err(|e| StoreError::Data(e.to_string()))?;
    let mut out = Vec::with_capacity(sheets.len());
    for (i, sheet) in sheets.iter().enumerate() {
        let pdf = batch.render(i, layout).map_err(|e| StoreError::Data(e.to_string()))?;
        let path = dir.join(format!("{}.pdf", sheet.serial));
        std::fs::write(&path, pdf).map_err(|source| StoreError::Folder { path: path.clone(), source })?;
        out.push(path);
        progress(i + 1, voucher_ids.len());
    }
    Ok(out)
}

/// What became of a voucher sent to the printer, for the screen.
#[derive(ts_rs::TS, Debug, Clone, serde::Serialize)]
pub struct VoucherPrint {
    pub voucher_id: String,
    pub serial: String,
    pub reprint: bool,
    pub printed: bool,
    /// Why printing failed, as a code for the screen.
    pub print_error: Option<&'static str>,
    /// The voucher's QR, shown when the printer fails.
    pub qr_svg: String,
    /// The QR of the link that opens the voucher on the passenger's phone
    /// (central's `/pass/` page); absent on a device not enrolled.
    pub phone_qr_svg: Option<String>,
}

/// An issued voucher rendered to the spool, not yet printed.
#[derive(Debug, Clone)]
pub struct PreparedPrint {
    pub issued: gatecare_store::ledger::Issued,
    pub file: PathBuf,
    pub qr_svg: String,
    pub phone_qr_svg: Option<String>,
}

/// How long a kiosk waits for its voucher to come out (its printer is its own).
pub const KIOSK_PRINT_WAIT: std::time::Duration = std::time::Duration::from_secs(30);
/// How long a console waits: its printer may be busy with a whole flight's
/// job, and the agent has the next passenger in front of them.
pub const CONSOLE_PRINT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Submits and waits up to `wait` (blocking: `lp`/`lpstat`).
pub fn print_file(
    printer: &dyn crate::cups::Printer,
    p: &PreparedPrint,
    wait: std::time::Duration,
) -> Result<crate::cups::JobState, crate::cups::PrintError> {
    let job = printer.submit(&p.file, Layout::Receipt80.media(), &format!("gatecare {}", p.issued.serial));
    // CUPS has its copy (or refused it): the spooled voucher goes.
    let _ = std::fs::remove_file(&p.file);
    printer.wait(&job?, wait)
}

/// The device a voucher is printed at: who signs it, with which fonts, on
/// which printer (its name, for the journal) and through which spool.
#[derive(Clone, Copy)]
pub struct PrintDesk<'a> {
    pub device: &'a str,
    pub station: &'a str,
    pub fonts: &'a Fonts,
    pub printer_name: &'a str,
    pub spool: &'a crate::cups::Spool,
    /// Central's URL, for the link to the passenger's copy on a phone.
    pub central_url: Option<&'a str>,
}

/// Renders an issued (or reprinted) voucher, signed by this device, to
/// the spool and journals it as queued. The kiosk and the console print
/// through this and [`finish_print`], on a blocking thread between.
pub async fn prepare_print(
    store: &Store,
    issued: gatecare_store::ledger::Issued,
    desk: &PrintDesk<'_>,
    now: DateTime<Utc>,
) -> Result<PreparedPrint, gatecare_store::LedgerError> {
    let signer = store.device_signer(desk.device, now).await?;
    let sheet = voucher_sheet(store, &issued.voucher_id, &signer).await?;
    let qr_svg = gatecare_voucher::pdf::qr_svg(&sheet.qr_text)
        .map_err(|e| gatecare_store::LedgerError::Invalid(e.to_string()))?;
    let phone_qr_svg = desk
        .central_url
        .map(|url| {
            let zone = gatecare_reference::time_zone(desk.station);
            gatecare_voucher::pdf::qr_svg(&gatecare_voucher::signed::phone_link(
                url,
                desk.station,
                zone.name(),
                &sheet.qr_text,
            ))
        })
        .transpose()
        .map_err(|e| gatecare_store::LedgerError::Invalid(e.to_string()))?;
    let pdf = render(std::slice::from_ref(&sheet), Layout::Receipt80, desk.fonts, &sheet.serial)
        .map_err(|e| gatecare_store::LedgerError::Invalid(e.to_string()))?;
    let file = desk
        .spool
        .write(&issued.serial, &pdf)
        .map_err(|source| StoreError::Folder { path: desk.spool.path().to_owned(), source })?;
    store.journal_print(&issued, "queued", desk.printer_name, "", now).await?;
    Ok(PreparedPrint { issued, file, qr_svg, phone_qr_svg })
}

/// Journals how the printer did and says so for the screen.
pub async fn finish_print(
    store: &Store,
    prepared: PreparedPrint,
    outcome: Result<crate::cups::JobState, crate::cups::PrintError>,
    printer_name: &str,
    now: DateTime<Utc>,
) -> Result<VoucherPrint, StoreError> {
    let (printed, print_error, detail) = match outcome {
        Ok(crate::cups::JobState::Completed) => (true, None, String::new()),
        Ok(other) => (false, Some("print.failed"), format!("{other:?}")),
        // Still in the queue behind other jobs: it prints, later.
        Err(crate::cups::PrintError::Timeout(_)) => (false, Some("print.queued"), String::new()),
        Err(e) => (false, Some(e.code()), e.to_string()),
    };
    let issued = prepared.issued;
    if print_error != Some("print.queued") {
        store
            .journal_print(&issued, if printed { "printed" } else { "failed" }, printer_name, &detail, now)
            .await?;
    }
    Ok(VoucherPrint {
        voucher_id: issued.voucher_id,
        serial: issued.serial,
        reprint: issued.reprint,
        printed,
        print_error,
        qr_svg: prepared.qr_svg,
        phone_qr_svg: prepared.phone_qr_svg,
    })
}

/// A voucher's QR for the screen, when its paper did not come out.
#[derive(ts_rs::TS, Debug, Clone, serde::Serialize)]
pub struct VoucherQr {
    pub voucher_id: String,
    pub serial: String,
    pub passenger: String,
    pub qr_svg: String,
}

/// The signed QR of each voucher, for a merchant to scan off the screen.
pub async fn voucher_qrs(
    store: &Store,
    voucher_ids: &[String],
    signer: &DeviceSigner,
) -> Result<Vec<VoucherQr>, StoreError> {
    let policy = voucher_policy(store).await?;
    let mut out = Vec::with_capacity(voucher_ids.len());
    for id in voucher_ids {
        let sheet = sheet(store, id, signer, &policy).await?;
        out.push(VoucherQr {
            voucher_id: id.clone(),
            qr_svg: gatecare_voucher::pdf::qr_svg(&sheet.qr_text)
                .map_err(|e| StoreError::Data(e.to_string()))?,
            passenger: match sheet.passenger_native {
                Some(n) => format!("{n} {}", sheet.passenger_latin),
                None => sheet.passenger_latin,
            },
            serial: sheet.serial,
        });
    }
    Ok(out)
}
