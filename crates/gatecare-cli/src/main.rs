//! `gatecare`: the command-line face of Gatecare. Thin: it parses arguments,
//! calls the domain and client crates, and prints JSON.
//!
//! Exit codes: 0 success, 1 a failure while running, 2 bad input (usage,
//! malformed data, unknown codes). Never 101: a panic is a bug.

mod bcbp;
mod demo;
mod explain;
mod ledger;
mod sync;
mod voucher;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{Duration, NaiveDate, TimeZone};
use clap::{Parser, Subcommand};
use gatecare_station::{Settings, Station};

#[derive(Parser)]
#[command(name = "gatecare", version, about = "Gatecare: passenger care at the gate")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Demo data for a realistic day at the hub.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// IATA bar-coded boarding passes.
    #[command(subcommand)]
    Bcbp(BcbpCommand),
    /// The care engine.
    #[command(subcommand)]
    Care(CareCommand),
    /// The issuance ledger.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Leases of entitlements or flights to a device (admin; central grants them once it exists).
    #[command(subcommand)]
    Lease(LeaseCommand),
    /// Signed vouchers: demo, verify, render.
    #[command(subcommand)]
    Voucher(VoucherCommand),
    /// Sync with central: enrol this kiosk, run a round, show the state.
    #[command(subcommand)]
    Sync(SyncCommand),
    /// The departures board of the station, as JSON.
    Flights {
        /// The store (default: the configured database).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Local date at the station (default: the stored demo date, else today).
        #[arg(long)]
        date: Option<NaiveDate>,
    },
    /// Forget passengers' data of flights whose care closed longer ago than
    /// the policy's `[retention] days_after_care` (the app does this every
    /// hour); prints what was forgotten. The ledger and audit log stay.
    Retention {
        /// The store (default: the configured database).
        #[arg(long)]
        db: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum SyncCommand {
    /// Enrol this kiosk with central using an administrator's one-time code.
    Enrol {
        #[arg(long)]
        db: Option<PathBuf>,
        /// Central's base URL, e.g. http://127.0.0.1:8600
        #[arg(long)]
        central: String,
        #[arg(long)]
        code: String,
        /// The airline root key's fingerprint, printed with the code by
        /// `gatecare-central admin enrolment-code`: enrolment stops before
        /// the code is sent when central's root key does not match.
        #[arg(long)]
        root_fingerprint: String,
        /// This kiosk's device code (default: the configured device).
        #[arg(long)]
        device: Option<String>,
        /// The airline's CA certificate (PEM) that signed central's TLS
        /// certificate, trusted besides the system's roots.
        #[arg(long)]
        ca: Option<PathBuf>,
        /// Allow plain http:// to another machine (tokens and the feed then
        /// cross the network unprotected).
        #[arg(long)]
        insecure_http: bool,
    },
    /// Push the backlog and pull the feed until both are done.
    Once {
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// The sync state and any double issuance central reported.
    Status {
        #[arg(long)]
        db: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum BcbpCommand {
    /// Parse a scanned pass (the argument, or standard input) into JSON.
    Parse {
        /// The barcode text; read from standard input when absent.
        pass: Option<String>,
        /// Resolve day-of-year fields into `flight_date`s, nearest this date
        /// (or on or after the pass's issue date).
        #[arg(long)]
        reference_date: Option<NaiveDate>,
    },
}

#[derive(Subcommand)]
enum CareCommand {
    /// Evaluate one disruption scenario (JSON) into regimes, care, compensation.
    Evaluate {
        /// The scenario file; `-` or absent reads standard input.
        file: Option<PathBuf>,
        /// An airline policy TOML (default: the shipped policy).
        #[arg(long)]
        policy: Option<PathBuf>,
    },
    /// Print the shipped airline policy (TOML, every key explained): the start of an
    /// airline's own, which central publishes with a station's data (`demo station-data --policy`).
    Policy,
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Check the ledger's and audit log's hash chains: OK, or the first broken link (exit 1).
    Verify {
        #[arg(long)]
        db: PathBuf,
    },
    /// Why a voucher was issued: replays the decision recorded with it (rules' versions,
    /// reference data, the policy by its hash, the inputs) and prints it with every citation;
    /// exit 0 when the replay gives the same decision, 1 when not.
    Explain {
        /// The voucher id (as on the voucher and in `sync status`).
        voucher_id: String,
        /// The store (default: the configured database).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Print JSON: the record, the replay and whether it reproduced.
        #[arg(long)]
        json: bool,
    },
    /// The issuing child of the crash-safety test (not for operators).
    #[command(hide = true)]
    CrashDrill {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, default_value = "DRILL")]
        device: String,
        #[arg(long)]
        ordinal: u32,
        #[arg(long)]
        count: u32,
    },
}

#[derive(Subcommand)]
enum LeaseCommand {
    /// Lease a flight's issuance (scope flight, key = flight id) or one entitlement to a device.
    Grant {
        #[arg(long)]
        db: Option<PathBuf>,
        #[arg(long, value_parser = ["flight", "entitlement"])]
        scope: String,
        #[arg(long)]
        key: String,
        #[arg(long)]
        device: String,
        #[arg(long, default_value_t = 12)]
        hours: i64,
        /// Who grants it (recorded in the audit log).
        #[arg(long, default_value = "admin")]
        by: String,
    },
}

#[derive(Subcommand)]
enum VoucherCommand {
    /// Enrol a merchant's till with a one-time merchant code
    /// (`gatecare-central admin enrolment-code --role merchant`); prints the
    /// token that `voucher redeem` takes.
    EnrolMerchant {
        #[arg(long, env = "GATECARE_CENTRAL")]
        central: String,
        #[arg(long)]
        code: String,
        /// The till's name, as central lists it (e.g. "Noodle bar, gate 40").
        #[arg(long)]
        name: String,
        /// The airline's CA certificate (PEM) for central's HTTPS.
        #[arg(long)]
        ca: Option<PathBuf>,
        /// Allow plain http:// to another machine (the token then crosses the network unprotected).
        #[arg(long)]
        insecure_http: bool,
    },
    /// Write DIR/trust.json, DIR/voucher.pdf (an 80 mm meal voucher for a Chinese passenger) and DIR/voucher.qr.txt.
    Demo {
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify a voucher's QR text offline: JSON {valid, reason, voucher}; exit 0 when valid, 1 when not.
    Verify {
        qr: String,
        #[arg(long)]
        trust: PathBuf,
        /// The airline root key's fingerprint (`sha256:…`, as `gatecare-central admin
        /// enrolment-code` prints it): a trust list under any other root verifies nothing.
        #[arg(long, env = "GATECARE_ROOT_FINGERPRINT")]
        root: String,
        #[arg(long)]
        void: Option<PathBuf>,
        /// The instant to verify at (RFC 3339; default: now by the configured clock).
        #[arg(long)]
        at: Option<String>,
    },
    /// The vouchers of a flight as one PDF (priority order, one voucher a page) or one PDF each.
    Flight {
        #[arg(long)]
        db: Option<PathBuf>,
        /// The flight, e.g. CZ342 (today's departure from the station).
        #[arg(long)]
        flight: String,
        #[arg(long, default_value = "80mm")]
        layout: String,
        #[arg(long)]
        out: PathBuf,
        /// One PDF per voucher instead of one for the flight.
        #[arg(long)]
        per_passenger: bool,
        /// First issue every meal now owed on the flight (as the kiosk: statutory care only).
        #[arg(long)]
        issue_meals: bool,
        /// At most this many vouchers in the PDF (not with --issue-meals, which issues the whole flight).
        #[arg(long)]
        limit: Option<usize>,
        /// This device's code (default: the code it was enrolled under, else the configured one).
        #[arg(long)]
        device: Option<String>,
    },
    /// Redeem a voucher at central, as a merchant or hotel: JSON {redeemed, reason, …}; exit 0 when redeemed, 1 when not.
    Redeem {
        qr: String,
        #[arg(long, env = "GATECARE_CENTRAL")]
        central: String,
        /// The merchant's device token (from its enrolment).
        #[arg(long, env = "GATECARE_MERCHANT_TOKEN", hide_env_values = true)]
        token: String,
        /// Retries with the same id get the same answer.
        #[arg(long)]
        redemption_id: Option<uuid::Uuid>,
        /// Allow plain http:// to another machine (the token then crosses the network unprotected).
        #[arg(long)]
        insecure_http: bool,
    },
    /// Render vouchers described in JSON (one object or a list) to a PDF.
    Render {
        /// The JSON file; `-` or absent reads standard input.
        file: Option<PathBuf>,
        #[arg(long, default_value = "80mm")]
        layout: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Bookings to try at the kiosk: PNR, surname and boarding-pass text of a flight's passengers.
    Passengers {
        #[arg(long)]
        db: Option<PathBuf>,
        #[arg(long, default_value = "CZ342")]
        flight: String,
        #[arg(long, default_value_t = 5)]
        limit: u32,
    },
    /// Generate the demo day and load it into the store.
    Seed {
        #[arg(long)]
        db: Option<PathBuf>,
        /// Local date of the demo day at the hub (default: today by the configured clock).
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Replace existing data instead of keeping it.
        #[arg(long)]
        reset: bool,
    },
    /// The demo's agents with their PINs (as the README lists them), one
    /// JSON object a line, for `gatecare-central admin agent` (PIN on stdin).
    Agents,
    /// The demo day as station data for central (`gatecare-central admin
    /// station-data FILE`): JSON on stdout.
    StationData {
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Only these flights (e.g. CZ342); all when none is given.
        #[arg(long)]
        flight: Vec<String>,
        /// The airline policy to publish with it (TOML, e.g. edited from `care policy`);
        /// central's `policy_file` must hold the same text.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
}

/// An error the user caused: exit 2.
#[derive(Debug)]
pub(crate) struct BadInput(pub(crate) String);
impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for BadInput {}

/// A voucher that is not valid or not redeemed, and why: exit 1, the
/// verdict is already printed as JSON; the last line says it in words.
#[derive(Debug)]
struct NotValid(String);
impl std::fmt::Display for NotValid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for NotValid {}

/// The ledger did not verify: exit 1, the report is already printed.
#[derive(Debug)]
struct ChainBroken;
impl std::fmt::Display for ChainBroken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("hash chain broken")
    }
}
impl std::error::Error for ChainBroken {}

/// A decision whose replay differs from its record: exit 1, the report is printed.
#[derive(Debug)]
struct NotReproduced;
impl std::fmt::Display for NotReproduced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the replay does not reproduce the recorded decision")
    }
}
impl std::error::Error for NotReproduced {}

fn main() -> ExitCode {
    // Stores, keys, exports: whatever this command writes is its owner's.
    gatecare_store::private::keep_new_files_private();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("gatecare: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gatecare: {e:#}");
            if e.downcast_ref::<BadInput>().is_some() { ExitCode::from(2) } else { ExitCode::from(1) }
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut settings = Settings::load().map_err(|e| BadInput(e.to_string()))?;
    match cli.command {
        Command::Demo(DemoCommand::Passengers { db, flight, limit }) => {
            let path = db.unwrap_or(settings.database.clone());
            let store = ledger::open_existing(&path).await?;
            let designator = gatecare_core::FlightDesignator::parse(&flight)
                .map_err(|e| BadInput(format!("--flight: {e}")))?;
            let rows: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT s.pnr, p.surname, p.native_name, s.boarding_pass FROM segments s \
                 JOIN passengers p ON p.id = s.passenger_id JOIN flights f ON f.id = s.flight_id \
                 WHERE f.carrier = ? AND f.number = ? ORDER BY s.check_in_sequence LIMIT ?",
            )
            .bind(designator.carrier.as_str())
            .bind(designator.number.as_str())
            .bind(limit.min(500) as i64)
            .fetch_all(store.pool())
            .await?;
            let list: Vec<_> = rows
                .into_iter()
                .map(|(pnr, surname, native, pass)| serde_json::json!({"pnr": pnr, "surname": surname, "native_name": native, "boarding_pass": pass}))
                .collect();
            print_json(&list)?;
        }
        Command::Demo(DemoCommand::Agents) => {
            for (code, name, role, pin) in gatecare_demo::DEMO_AGENTS {
                let line = serde_json::json!({
                    "code": code, "name": name, "role": role.as_str(), "station": gatecare_demo::HUB, "pin": pin,
                });
                println!("{line}");
            }
        }
        Command::Demo(DemoCommand::StationData { date, flight, policy }) => {
            let date = date.unwrap_or_else(|| local_today(&settings));
            let day = gatecare_demo::generate(gatecare_demo::DemoConfig::for_date(date));
            let mut ids = Vec::new();
            for f in &flight {
                let designator = gatecare_core::FlightDesignator::parse(f)
                    .map_err(|e| BadInput(format!("--flight {f}: {e}")))?;
                let found = day.flights.iter().find(|x| x.designator == designator);
                ids.push(found.ok_or_else(|| BadInput(format!("--flight {f}: not in the demo day")))?.id);
            }
            let mut data = gatecare_demo::station::station_data(&day, &ids);
            if let Some(p) = policy {
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| BadInput(format!("--policy {}: {e}", p.display())))?;
                gatecare_policy::Policy::from_toml(&text).map_err(|e| BadInput(format!("--policy: {e}")))?;
                data.policy = Some(text);
            }
            print_json(&gatecare_demo::station::known_at(data, settings.clock.now()))?;
        }
        Command::Demo(DemoCommand::Seed { db, date, reset }) => {
            let path = db.unwrap_or(settings.database.clone());
            let date = date.unwrap_or_else(|| local_today(&settings));
            let day = gatecare_demo::generate(gatecare_demo::DemoConfig::for_date(date));
            if reset && path.exists() {
                // The ledger is append-only: a reset is a new file, not deleted rows.
                let ok = Station::open(&path).await.is_ok();
                if !ok {
                    return Err(BadInput(format!(
                        "{} is not a Gatecare store; not removing it",
                        path.display()
                    ))
                    .into());
                }
                for suffix in ["", "-wal", "-shm"] {
                    let f = PathBuf::from(format!("{}{suffix}", path.display()));
                    if f.exists() {
                        std::fs::remove_file(&f).with_context(|| format!("removing {}", f.display()))?;
                    }
                }
            }
            let store = Station::open(&path).await.with_context(|| format!("opening {}", path.display()))?;
            let seeded = demo::load(&store, &day, settings.clock.now()).await?;
            let cases = if seeded {
                let policy = gatecare_policy::Policy::default_policy();
                demo::seed_cases(&store, &day, &policy, settings.clock.now())
                    .await
                    .map_err(|e| anyhow::anyhow!("demo cases: {e}"))?
            } else {
                0
            };
            let (flights, passengers) = store.counts().await?;
            print_json(&serde_json::json!({
                "database": path,
                "seeded": seeded,
                "cases": cases,
                "flights": flights,
                "passengers": passengers,
                "demo_date": store.demo_date().await?,
            }))?;
        }
        Command::Bcbp(BcbpCommand::Parse { pass, reference_date }) => {
            let text = match pass {
                Some(p) => p,
                None => {
                    let mut buf = Vec::new();
                    std::io::stdin()
                        .take(64 * 1024)
                        .read_to_end(&mut buf)
                        .context("reading standard input")?;
                    // A scanner ends the pass with a newline; spaces are data.
                    let s = String::from_utf8_lossy(&buf).into_owned();
                    s.strip_suffix('\n').map(|s| s.strip_suffix('\r').unwrap_or(s)).unwrap_or(&s).to_owned()
                }
            };
            let parsed = gatecare_bcbp::parse(&text).map_err(|e| BadInput(format!("bcbp: {e}")))?;
            print_json(&bcbp::to_json(&parsed, reference_date))?;
        }
        Command::Care(CareCommand::Evaluate { file, policy }) => {
            let policy = match policy {
                Some(p) => {
                    let text =
                        std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
                    gatecare_policy::Policy::from_toml(&text).map_err(|e| BadInput(format!("policy: {e}")))?
                }
                None => gatecare_policy::Policy::default_policy(),
            };
            let text = read_input(file.as_deref())?;
            let input: gatecare_care::ScenarioInput = serde_json::from_str(&text)
                .map_err(|e| BadInput(format!("scenario: {}", one_line(&e.to_string()))))?;
            let scenario = input.check().map_err(|e| BadInput(e.to_string()))?;
            print_json(&gatecare_care::evaluate(&scenario, &policy))?;
        }
        Command::Care(CareCommand::Policy) => print!("{}", gatecare_policy::DEFAULT_POLICY),
        Command::Ledger(LedgerCommand::Verify { db }) => {
            if !ledger::verify(&db).await? {
                return Err(ChainBroken.into());
            }
        }
        Command::Ledger(LedgerCommand::Explain { voucher_id, db, json }) => {
            let path = db.unwrap_or(settings.database.clone());
            if !explain::explain(&path, &voucher_id, json).await? {
                return Err(NotReproduced.into());
            }
        }
        Command::Ledger(LedgerCommand::CrashDrill { db, device, ordinal, count }) => {
            ledger::crash_drill(&db, &device, ordinal, count, &mut settings).await?;
        }
        Command::Lease(LeaseCommand::Grant { db, scope, key, device, hours, by }) => {
            let path = db.unwrap_or(settings.database.clone());
            ledger::grant_lease(&path, &scope, &key, &device, hours, &by, settings.clock.now()).await?;
        }
        Command::Voucher(VoucherCommand::Demo { out }) => voucher::demo(&out, settings.clock.now())?,
        Command::Voucher(VoucherCommand::EnrolMerchant { central, code, name, ca, insecure_http }) => {
            if name.trim().is_empty() || name.len() > 64 {
                return Err(BadInput("--name: 1 to 64 characters".into()).into());
            }
            sync::enrol_merchant(&central, ca.as_deref(), &code, name.trim(), insecure_http).await?;
        }
        Command::Voucher(VoucherCommand::Redeem { qr, central, token, redemption_id, insecure_http }) => {
            sync::check_central(&central, insecure_http)?;
            let tz = gatecare_reference::airport(&settings.station).map_or(chrono_tz::UTC, |a| a.tz);
            if let Some(why) =
                sync::redeem(&qr, &central, &token, redemption_id, tz, settings.clock.now()).await?
            {
                return Err(NotValid(why).into());
            }
        }
        Command::Sync(SyncCommand::Enrol {
            db,
            central,
            code,
            root_fingerprint,
            device,
            ca,
            insecure_http,
        }) => {
            let path = db.unwrap_or(settings.database.clone());
            let device = device.unwrap_or(settings.device.clone());
            let invitation = sync::Invitation {
                central: &central,
                ca: ca.as_deref(),
                insecure_http,
                code: &code,
                root_fingerprint: &root_fingerprint,
            };
            sync::enrol(&path, invitation, &device, settings.clock.now()).await?;
        }
        Command::Sync(SyncCommand::Once { db }) => {
            let path = db.unwrap_or(settings.database.clone());
            // A store enrolled for another station than configured is refused here too.
            ledger::open_station(&path, &mut settings).await?.close().await;
            sync::once(&path, &settings.device, settings.clock.now()).await?;
        }
        Command::Sync(SyncCommand::Status { db }) => {
            sync::status(&db.unwrap_or(settings.database.clone())).await?
        }
        Command::Voucher(VoucherCommand::Verify { qr, trust, root, void, at }) => {
            let (at, checked) = match at {
                Some(t) => (
                    chrono::DateTime::parse_from_rfc3339(&t)
                        .map_err(|e| BadInput(format!("--at: {e}")))?
                        .to_utc(),
                    voucher::CheckedAt::Given,
                ),
                None => (settings.clock.now(), voucher::CheckedAt::ThisMachine),
            };
            let tz = gatecare_reference::airport(&settings.station).map_or(chrono_tz::UTC, |a| a.tz);
            if let Some(why) = voucher::verify_cmd(&qr, &trust, &root, void.as_deref(), at, checked, tz)? {
                return Err(NotValid(why).into());
            }
        }
        Command::Voucher(VoucherCommand::Render { file, layout, out }) => {
            voucher::render_cmd(file.as_deref(), &layout, &out)?
        }
        Command::Voucher(VoucherCommand::Flight {
            db,
            flight,
            layout,
            out,
            per_passenger,
            issue_meals,
            limit,
            device,
        }) => {
            let db = db.unwrap_or(settings.database.clone());
            let args = voucher::FlightArgs {
                db: &db,
                flight: &flight,
                layout: &layout,
                out: &out,
                per_passenger,
                issue_meals,
                limit,
                device: device.as_deref(),
            };
            voucher::flight(args, &mut settings).await?
        }
        Command::Flights { db, date } => {
            let path = db.unwrap_or(settings.database.clone());
            if !path.exists() {
                return Err(BadInput(format!(
                    "no database at {} (run `gatecare demo seed`)",
                    path.display()
                ))
                .into());
            }
            let store = ledger::open_station(&path, &mut settings).await?;
            // Without --date: the board as the console shows it now (earlier
            // flights whose care is open, then today's).
            let board = match date.or(store.demo_date().await?.filter(|d| *d != local_today(&settings))) {
                None => {
                    let board = store.station_board(&settings.station, settings.clock.now()).await?;
                    let policy =
                        store.central_policy().await?.unwrap_or_else(gatecare_policy::Policy::default_policy);
                    store.with_care_owed(board, &policy, settings.clock.now()).await?
                }
                Some(date) => {
                    let tz = gatecare_reference::airport(&settings.station)
                        .map(|a| a.tz)
                        .ok_or_else(|| BadInput(format!("unknown station {}", settings.station)))?;
                    let start = tz
                        .from_local_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default())
                        .earliest()
                        .context("local midnight does not exist")?
                        .to_utc();
                    store.flight_board(&settings.station, start, start + Duration::days(1)).await?
                }
            };
            print_json(&board)?;
        }
        Command::Retention { db } => {
            let path = db.unwrap_or(settings.database.clone());
            if !path.exists() {
                return Err(BadInput(format!("no database at {}", path.display())).into());
            }
            let store = ledger::open_station(&path, &mut settings).await?;
            let policy =
                store.central_policy().await?.unwrap_or_else(gatecare_policy::Policy::default_policy);
            print_json(&store.forget_closed_flights(settings.clock.now(), policy.retention.keep()).await?)?;
        }
    }
    Ok(())
}

/// Reads a file, or standard input for `-` or no path; at most 1 MiB.
pub(crate) fn read_input(path: Option<&std::path::Path>) -> anyhow::Result<String> {
    const LIMIT: u64 = 1024 * 1024;
    let mut buf = Vec::new();
    match path.filter(|p| p.as_os_str() != "-") {
        Some(p) => {
            std::fs::File::open(p)
                .and_then(|f| f.take(LIMIT + 1).read_to_end(&mut buf))
                .map_err(|e| BadInput(format!("cannot read {}: {e}", p.display())))?;
        }
        None => {
            std::io::stdin().take(LIMIT + 1).read_to_end(&mut buf).context("reading standard input")?;
        }
    }
    if buf.len() as u64 > LIMIT {
        return Err(BadInput("input: larger than 1 MiB".into()).into());
    }
    String::from_utf8(buf).map_err(|_| BadInput("input: not UTF-8".into()).into())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Prints JSON to stdout. A closed pipe (`gatecare flights | head`) is not an
/// error worth a panic: the reader has what it wanted.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let result = serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out));
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn local_today(settings: &Settings) -> NaiveDate {
    let now = settings.clock.now();
    match gatecare_reference::airport(&settings.station) {
        Some(a) => now.with_timezone(&a.tz).date_naive(),
        None => now.date_naive(),
    }
}
