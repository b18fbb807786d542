//! `gatecare-central`: serve the sync API, and the administrator's commands
//! (enrolment codes, revocation, leases) run against the same database.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use clap::{Parser, Subcommand};
use ed25519_dalek::SigningKey;
use gatecare_central::config::Config;
use gatecare_central::{agents, decision, devices, station_data};
use gatecare_server::{Central, system_clock};
use gatecare_server::{enrolment, trust};
use gatecare_server_database::Database;
use gatecare_server_postgres::PgDatabase;
use gatecare_server_sqlite::SqliteDatabase;
use gatecare_sync::DeviceRole;
use uuid::Uuid;

#[derive(Parser)]
#[command(
    name = "gatecare-central",
    version,
    about = "Gatecare central: the service kiosks sync with",
    after_long_help = gatecare_central::config::EXAMPLE
)]
struct Cli {
    /// A TOML configuration file (its keys: `gatecare-central --help`); GATECARE_CENTRAL_* variables override it.
    #[arg(long, global = true, env = "GATECARE_CENTRAL_CONFIG")]
    config: Option<PathBuf>,
    /// sqlite:PATH (embedded) or postgres://… (overrides the configuration).
    #[arg(long, global = true)]
    database: Option<String>,
    /// The file holding the airline root key (hex), made by `admin root-key
    /// init` (overrides the configuration's root_key_file). Every command
    /// that certifies, signs or prints the fingerprint reads it.
    #[arg(long, global = true)]
    root_key: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        /// The address and port to listen on, e.g. 127.0.0.1:8600 or [::]:443 (overrides the configuration's `listen`).
        #[arg(long)]
        listen: Option<String>,
        /// Serve HTTPS with this certificate chain (PEM) …
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// … and this PKCS#8 key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Run the migrations and exit.
    Migrate,
    /// Administration.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Publish a station's data (flights, manifests, loyalty profiles, hotel
    /// blocks, policy: the JSON of `gatecare_sync::station`) to its feed.
    StationData { file: PathBuf },
    /// Service recovery across stations as JSON: cases per station, overdue
    /// cases, early-warning counts and alerts for local days FROM..=TO.
    Cases {
        #[arg(long)]
        from: chrono::NaiveDate,
        #[arg(long)]
        to: chrono::NaiveDate,
    },
    /// Issue a one-time enrolment code for a new kiosk, gate console or merchant.
    EnrolmentCode {
        #[arg(long)]
        station: String,
        #[arg(long, default_value = "kiosk")]
        role: String,
        #[arg(long, default_value_t = 24)]
        hours: i64,
    },
    /// Why a voucher was issued, from the decision its device pushed with it:
    /// replays it under the recorded policy and rules' versions; JSON, exit 1
    /// when the replay differs from the record.
    Explain {
        /// The voucher's id, or the serial printed on it.
        voucher_id: String,
    },
    /// List enrolled devices as JSON.
    Devices,
    /// Revoke a device: its token stops working at once; of its key's
    /// vouchers, only those central had received before --at stay valid,
    /// and those it received from --at on are voided.
    Revoke {
        /// The device's id, or its name (e.g. HKG-K03) when one device has it.
        device: String,
        /// When the revocation takes effect (RFC 3339, e.g. when the kiosk
        /// was stolen, or the time a device's identity clash names; default
        /// now; never later than now).
        #[arg(long)]
        at: Option<DateTime<Utc>>,
    },
    /// A token for the airline's reports (`GET /v1/reports/redemptions`),
    /// printed once; central keeps only its hash.
    Token {
        /// Who holds it (e.g. "finance HKG").
        #[arg(long)]
        name: String,
    },
    /// The redemption report as JSON: one flight (`--flight CZ342/2026-11-22`),
    /// or UTC days (`--from … --to …`): issued, voided and redeemed per
    /// flight, per merchant, and redemption conflicts, by currency.
    Redemptions {
        #[arg(long, conflicts_with_all = ["from", "to"])]
        flight: Option<String>,
        #[arg(long, requires = "to")]
        from: Option<chrono::NaiveDate>,
        #[arg(long, requires = "from")]
        to: Option<chrono::NaiveDate>,
    },
    /// A merchant's settings: how many vouchers its page may accept while it
    /// cannot reach central (default 0: it refuses them offline), what it
    /// takes (default: every kind), and where passengers find it (a merchant
    /// with a place is listed on the passenger's page of its station).
    /// Settings not given stay as they were.
    Merchant {
        /// The merchant's device id, or its name when one device has it.
        device: String,
        #[arg(long)]
        offline_limit: Option<u32>,
        /// The kinds of voucher it redeems, comma-separated (meal, hotel,
        /// transport, upgrade, goodwill), or `any`.
        #[arg(long)]
        accepts: Option<String>,
        /// Where it is, in English ("Terminal 1, level 7, near gate 23").
        #[arg(long)]
        place_en: Option<String>,
        /// Where it is, in Chinese ("一号客运大楼七楼，23号登机口旁").
        #[arg(long)]
        place_zh: Option<String>,
        /// Stop listing it on the passenger's page (its place is removed).
        #[arg(long, conflicts_with_all = ["place_en", "place_zh"])]
        unpublish: bool,
    },
    /// Change a kiosk's or console's role (`kiosk`: a passenger's self-service,
    /// `console`: a gate agent's); what it pushed before stays as decided.
    Role {
        /// The device's id or name (see `admin devices`).
        device: String,
        #[arg(long)]
        role: String,
    },
    /// Lease a flight's issuance to one device.
    Lease {
        /// The device's id or name (see `admin devices`).
        #[arg(long)]
        device: String,
        #[arg(long)]
        flight: String,
        #[arg(long, default_value_t = 12)]
        hours: i64,
        #[arg(long, default_value = "admin")]
        by: String,
    },
    /// Add or update a gate agent; the PIN is read from standard input.
    Agent {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "agent")]
        role: String,
        #[arg(long)]
        station: String,
    },
    /// Print the current trust list (JSON).
    TrustList,
    /// The airline root key that certifies every device's voucher key.
    #[command(subcommand)]
    RootKey(RootKeyCommand),
}

#[derive(Subcommand)]
enum RootKeyCommand {
    /// Create the root key (mode 0600); refuses to replace one. Back it up:
    /// every trust list is signed with it.
    Init,
    /// Print the root's public key (hex), for verifiers to pin, and its
    /// fingerprint (on stderr), as devices are given it at enrolment.
    Public,
}

/// `println!` that takes a closed pipe (`admin station-data … | head`) as
/// the reader having what it wanted, not as a panic.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write;
        match writeln!(std::io::stdout().lock(), $($arg)*) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other?,
        }
    }};
}

fn main() -> ExitCode {
    // Whatever central writes (its SQLite database and log, exports) is its
    // owner's only: the database holds PIN hashes and mobile numbers.
    // SAFETY: umask only sets the process's file-creation mask.
    unsafe {
        libc::umask(0o077);
    }
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref(), |k| std::env::var(k).ok()) {
        Ok(mut c) => {
            if let Some(d) = &cli.database {
                c.database = d.clone();
            }
            if let Some(k) = &cli.root_key {
                c.root_key_file = k.clone();
            }
            c
        }
        Err(e) => {
            eprintln!("gatecare-central: {e}");
            return ExitCode::from(2);
        }
    };
    init_logs(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("gatecare-central: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gatecare-central: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logs(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("GATECARE_CENTRAL_LOG_LEVEL")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    config.check()?;
    // The root key's commands touch no database: opening one would create
    // an empty SQLite file wherever they are run.
    match &command {
        Command::Admin(AdminCommand::RootKey(RootKeyCommand::Init)) => {
            let path = config.root_key_file;
            let root = init_root_key(&path)?;
            eprintln!(
                "created {} (mode 0600): back it up; every trust list is signed with it",
                path.display()
            );
            out!("{}", public_hex(&root));
            eprintln!("fingerprint: {}", gatecare_sync::page::fingerprint(&root.verifying_key()));
            return Ok(());
        }
        Command::Admin(AdminCommand::RootKey(RootKeyCommand::Public)) => {
            let root = root_key(&config.root_key_file)?;
            out!("{}", public_hex(&root));
            eprintln!("fingerprint: {}", gatecare_sync::page::fingerprint(&root.verifying_key()));
            return Ok(());
        }
        _ => {}
    }
    if config.is_postgres() {
        let db = PgDatabase::open(&config.database).await.context("opening PostgreSQL")?;
        run_with(db, command, config).await
    } else {
        let db = SqliteDatabase::open(&config.database).await.context("opening SQLite")?;
        run_with(db, command, config).await
    }
}

/// Reads the root key. A missing one is an error, never made up: a new root
/// would silently stop every merchant from trusting the airline's vouchers.
fn root_key(path: &Path) -> anyhow::Result<SigningKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes: Vec<u8> = (0..text.trim().len())
                .step_by(2)
                .map(|i| u8::from_str_radix(text.trim().get(i..i + 2).unwrap_or("zz"), 16))
                .collect::<Result<_, _>>()
                .with_context(|| format!("{} is not a hex key", path.display()))?;
            let bytes: [u8; 32] = bytes
                .try_into()
                .map_err(|_| anyhow::anyhow!("{} must hold 32 bytes of hex", path.display()))?;
            Ok(SigningKey::from_bytes(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "no root key at {}: give the airline's with --root-key (or root_key_file), or create one once with \
             `gatecare-central admin root-key init --root-key PATH`",
            path.display()
        ),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Creates a root key file (mode 0600, owner only); never replaces one.
fn init_root_key(path: &Path) -> anyhow::Result<SigningKey> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let secret = gatecare_server::random_bytes::<32>()?;
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    let mut f = match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!("{} exists: a root key is never replaced here", path.display())
        }
        Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
    };
    f.write_all(hex.as_bytes())?;
    f.sync_all()?;
    Ok(SigningKey::from_bytes(&secret))
}

fn public_hex(key: &SigningKey) -> String {
    key.verifying_key().as_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

async fn run_with<D: Database>(db: D, command: Command, mut config: Config) -> anyhow::Result<()> {
    let now = Utc::now();
    let consoles = gatecare_central::devices::send_agents_owed_to_consoles(&db, now).await?;
    if consoles > 0 {
        tracing::info!(consoles, "the upgrade found consoles among kiosks: their station's agents were sent");
    }
    match command {
        Command::Migrate => {
            out!("migrated ({})", db.backend_name());
        }
        Command::Serve { listen, tls_cert, tls_key } => {
            if let Some(l) = listen {
                config.listen = l;
            }
            if tls_cert.is_some() {
                (config.tls_cert_file, config.tls_key_file) = (tls_cert, tls_key);
            }
            let root = root_key(&config.root_key_file)?;
            let mut central = Central::new(db, root, &config.root_kid, system_clock());
            if !(1..=24 * 60).contains(&config.claim_minutes) {
                bail!("claim_minutes: 1 to 1440, not {}", config.claim_minutes);
            }
            if config.header_read_timeout_secs == 0
                || config.request_timeout_secs == 0
                || config.max_connections == 0
            {
                bail!("header_read_timeout_secs, request_timeout_secs and max_connections must be above 0");
            }
            if let Some(c) = Arc::get_mut(&mut central) {
                c.max_body_bytes = config.max_body_bytes;
                c.claim_hold = Duration::minutes(i64::from(config.claim_minutes));
                c.policy = airline_policy(&config)?;
                c.web_dir = config.web_dir.clone();
            }
            let recertified = trust::recertify_devices(&central, now).await?;
            if recertified > 0 {
                tracing::warn!(
                    devices = recertified,
                    "certified devices' keys again (instants in whole seconds)"
                );
            }
            let listener = tokio::net::TcpListener::bind(&config.listen)
                .await
                .with_context(|| format!("listening on {}", config.listen))?;
            let addr = listener.local_addr()?;
            let app = gatecare_server::router(central.clone());
            let limits = gatecare_server::serve::Limits {
                header_read_timeout: std::time::Duration::from_secs(config.header_read_timeout_secs),
                request_timeout: std::time::Duration::from_secs(config.request_timeout_secs),
                max_connections: config.max_connections,
            };
            let files = gatecare_server::serve::raise_file_limit(limits.max_connections);
            if files < limits.max_connections as u64 + 64 {
                tracing::warn!(
                    files,
                    max_connections = limits.max_connections,
                    "the open-file limit is below max_connections"
                );
            }
            let stop = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            match (&config.tls_cert_file, &config.tls_key_file) {
                (Some(cert), Some(key)) => {
                    let read =
                        |p: &PathBuf| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
                    let tls = gatecare_server::tls::listener(
                        listener,
                        &read(cert)?,
                        &read(key)?,
                        limits.max_connections,
                    )?;
                    tracing::info!(%addr, backend = central.db.backend_name(), tls = true, "gatecare-central listening");
                    // Scripts wait for this line.
                    out!("listening on https://{addr}");
                    gatecare_server::serve::serve(tls, app, limits, stop).await;
                }
                _ => {
                    tracing::info!(%addr, backend = central.db.backend_name(), tls = false, "gatecare-central listening");
                    out!("listening on http://{addr}");
                    gatecare_server::serve::serve(listener, app, limits, stop).await;
                }
            }
        }
        Command::Admin(AdminCommand::EnrolmentCode { station, role, hours }) => {
            let Some(role) = DeviceRole::parse(&role) else { bail!("--role is kiosk, console or merchant") };
            if station.len() != 3 || !station.chars().all(|c| c.is_ascii_uppercase()) {
                bail!("--station is an IATA airport code such as HKG");
            }
            if !(1..=24 * 30).contains(&hours) {
                bail!("--hours is between 1 and 720");
            }
            // Both go to the device's installer: the code once, the root
            // key's fingerprint so the device pins the airline's root.
            let root = root_key(&config.root_key_file)?;
            let code =
                enrolment::issue_enrolment_code(&db, &station, role, Duration::hours(hours), now).await?;
            out!("{code}");
            out!("{}", gatecare_sync::page::fingerprint(&root.verifying_key()));
            let fingerprint = gatecare_sync::page::fingerprint(&root.verifying_key());
            if role == DeviceRole::Merchant {
                eprintln!(
                    "give the code to the merchant: it opens CENTRAL/merchant/ and sets up its till with it"
                );
            } else {
                eprintln!(
                    "give both to the device: gatecare sync enrol --central URL --code {code} --root-fingerprint {fingerprint}"
                );
            }
        }
        Command::Admin(AdminCommand::StationData { file }) => {
            let len = std::fs::metadata(&file).with_context(|| format!("reading {}", file.display()))?.len();
            if len > gatecare_sync::station::MAX_STATION_DATA_BYTES as u64 {
                bail!(
                    "{} is larger than {} bytes",
                    file.display(),
                    gatecare_sync::station::MAX_STATION_DATA_BYTES
                );
            }
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let data: gatecare_sync::station::StationData = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not station data JSON", file.display()))?;
            let report = station_data::import_station_data(&db, &data, now).await?;
            out!("{}", serde_json::to_string_pretty(&report)?);
        }
        Command::Admin(AdminCommand::Cases { from, to }) => {
            if to < from {
                bail!("--to is on or after --from");
            }
            let s =
                gatecare_figures::recovery::summary(&db, &airline_policy(&config)?.recovery, from, to, now)
                    .await?;
            out!("{}", serde_json::to_string_pretty(&s)?);
        }
        Command::Admin(AdminCommand::Explain { voucher_id }) => {
            let explained = decision::explain(&db, voucher_id.trim()).await?;
            out!("{}", serde_json::to_string_pretty(&explained.report)?);
            if !explained.reproduced {
                bail!("the replay of voucher {} does not reproduce its recorded decision", voucher_id.trim());
            }
        }
        Command::Admin(AdminCommand::Devices) => {
            let list = devices::listing(&db).await?;
            out!("{}", serde_json::to_string_pretty(&list)?);
        }
        Command::Admin(AdminCommand::Revoke { device, at }) => {
            if at.is_some_and(|at| at > now) {
                bail!("--at is in the future: a revocation takes effect now or from a moment past");
            }
            let root = root_key(&config.root_key_file)?;
            let central = Central::new(db, root, &config.root_kid, system_clock());
            let devices = central.db.devices().await?;
            let target = named_device(&devices, &device)?;
            let from = at.unwrap_or(now);
            let Some(done) = trust::revoke(&central, target.id, from, now).await? else {
                bail!("device {} is gone from central", target.id);
            };
            let first =
                if target.revoked_at.is_some() { "the revocation now takes effect" } else { "revoked" };
            if target.role == DeviceRole::Merchant {
                // A till signs nothing: its token is what stops.
                out!(
                    "{} ({}): {first} from {}; its token redeems nothing more",
                    target.id,
                    target.name,
                    from.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                );
                return Ok(());
            }
            out!(
                "{} ({}): {first} from {}; vouchers central had received from it before then stay valid \
                 until their own expiry: {}",
                target.id,
                target.name,
                from.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                done.kept
            );
            if done.redeemed > 0 {
                out!(
                    "vouchers central received from it after that but redeemed before now: {} (merchants were paid, so \
                     they stand; review them with admin explain SERIAL and admin redemptions)",
                    done.redeemed
                );
            }
            if done.voided > 0 {
                out!(
                    "vouchers central received from it after that, now void (key_revoked): {} (a console's bulk \
                     issuance or an agent's replacement serves their passengers again)",
                    done.voided
                );
            }
        }
        Command::Admin(AdminCommand::Token { name }) => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 80 {
                bail!("--name: who holds the token, 1 to 80 characters");
            }
            let token: String =
                gatecare_server::random_bytes::<32>()?.iter().map(|b| format!("{b:02x}")).collect();
            db.add_admin_token(&gatecare_server::secret_hash(&token), name, now).await?;
            out!("{token}");
            eprintln!("the report token of {name}: give it once; central keeps only its hash");
        }
        Command::Admin(AdminCommand::Redemptions { flight, from, to }) => {
            let scope = match (flight, from, to) {
                (Some(f), _, _) => gatecare_figures::redemptions::Scope::flight(&f)
                    .with_context(|| format!("--flight {f}: a flight and its date, e.g. CZ342/2026-11-22"))?,
                (None, Some(from), Some(to)) if from <= to => {
                    gatecare_figures::redemptions::Scope::Days { from, to }
                }
                _ => bail!("--flight CZ342/2026-11-22, or --from DATE --to DATE (from ≤ to)"),
            };
            let report = gatecare_figures::redemptions::redemptions(&db, &scope).await?;
            // A mistyped date is no flight with nothing spent: say so.
            if let gatecare_figures::redemptions::Scope::Flight { flight, flight_date } = &scope
                && report.flights.iter().all(|f| f.issued.is_empty() && f.redeemed.is_empty())
            {
                bail!("central holds no voucher of {flight} on {flight_date}: check the flight and its date");
            }
            out!("{}", serde_json::to_string_pretty(&report)?);
        }
        Command::Admin(AdminCommand::Merchant {
            device,
            offline_limit,
            accepts,
            place_en,
            place_zh,
            unpublish,
        }) => {
            if offline_limit.is_some_and(|l| l > 1000) {
                bail!("--offline-limit is 0 (refuse offline) to 1000");
            }
            let accepts = accepts.as_deref().map(parse_accepts).transpose()?;
            let place = |text: Option<String>, flag: &str| -> anyhow::Result<Option<String>> {
                let Some(text) = text else { return Ok(None) };
                let text = text.trim().to_owned();
                if text.is_empty() || text.chars().count() > 120 || text.chars().any(char::is_control) {
                    bail!("{flag} is 1 to 120 characters on one line");
                }
                Ok(Some(text))
            };
            let (place_en, place_zh) = (place(place_en, "--place-en")?, place(place_zh, "--place-zh")?);
            if offline_limit.is_none()
                && accepts.is_none()
                && place_en.is_none()
                && place_zh.is_none()
                && !unpublish
            {
                bail!("give --offline-limit, --accepts, --place-en, --place-zh or --unpublish");
            }
            let devices = db.devices().await?;
            let target = named_device(&devices, &device)?;
            if target.role != DeviceRole::Merchant {
                bail!("{device} is a {}, not a merchant", target.role.as_str());
            }
            if let Some(limit) = offline_limit {
                db.set_offline_limit(target.id, limit).await?;
            }
            let mut outlet = db.merchant_outlet(target.id).await?;
            if let Some(kinds) = accepts {
                outlet.accepts = kinds;
            }
            if unpublish {
                (outlet.place_en, outlet.place_zh) = (None, None);
            }
            outlet.place_en = place_en.or(outlet.place_en);
            outlet.place_zh = place_zh.or(outlet.place_zh);
            db.set_merchant_outlet(target.id, &outlet).await?;
            let takes = outlet.accepts_text().unwrap_or_else(|| "every kind".to_owned());
            let limit = db.offline_limit(target.id).await?;
            out!("{} ({}) takes {takes}; may accept {limit} vouchers offline", target.name, target.id);
            match (&outlet.place_en, &outlet.place_zh) {
                (None, None) => out!("not listed on the passenger's page"),
                (en, zh) => out!(
                    "listed on the passenger's page of {}: {} / {}",
                    target.station,
                    en.as_deref().unwrap_or("-"),
                    zh.as_deref().unwrap_or("-")
                ),
            }
        }
        Command::Admin(AdminCommand::Role { device, role }) => {
            let Some(role) = DeviceRole::parse(&role).filter(|r| r.is_station_device()) else {
                bail!("--role is kiosk or console")
            };
            let listed = db.devices().await?;
            let target = named_device(&listed, &device)?;
            let Some(republished) = devices::set_role(&db, target.id, role, now).await? else {
                bail!("no active kiosk or console {device}");
            };
            out!("{device} is now a {} (the device takes it within the hour)", role.as_str());
            if republished > 0 {
                eprintln!("published the station's {republished} agents again for it");
            }
        }
        Command::Admin(AdminCommand::Lease { device, flight, hours, by }) => {
            let listed = db.devices().await?;
            let d = named_device(&listed, &device)?.clone();
            let device = d.id;
            let seq = devices::lease_flight(
                &db,
                device,
                &d.station,
                &flight,
                now + Duration::hours(hours),
                &by,
                now,
            )
            .await?;
            out!("leased {flight} to {device} for {hours} h (feed item {seq})");
        }
        Command::Admin(AdminCommand::Agent { code, name, role, station }) => {
            let mut pin = String::new();
            std::io::stdin().read_line(&mut pin).context("reading the PIN from standard input")?;
            let pin_hash = agents::hash_pin(pin.trim())?;
            let record =
                gatecare_server_database::AgentRecord { code: code.clone(), name, role, station, pin_hash };
            let seq = agents::set_agent(&db, &record, now).await?;
            // As stored and typed at sign-in: one spelling, upper case.
            let code = gatecare_core::AgentCode::parse(&code).map(|c| c.to_string()).unwrap_or(code);
            out!("agent {code} saved (feed item {seq})");
        }
        Command::Admin(AdminCommand::TrustList) => {
            let root = root_key(&config.root_key_file)?;
            let central = Central::new(db, root, &config.root_kid, system_clock());
            trust::recertify_devices(&central, now).await?;
            out!("{}", trust::trust_list(&central, now).await?.to_json());
        }
        Command::Admin(AdminCommand::RootKey(_)) => {
            anyhow::bail!("the root key's commands run without a database")
        }
    }
    Ok(())
}

/// `--accepts`: `any`, or kinds separated by commas.
fn parse_accepts(text: &str) -> anyhow::Result<Option<Vec<gatecare_ledger::EntitlementKind>>> {
    if text.trim().eq_ignore_ascii_case("any") {
        return Ok(None);
    }
    let mut kinds = Vec::new();
    for word in text.split(',').map(str::trim) {
        if word.eq_ignore_ascii_case("any") {
            bail!("--accepts: `any` stands alone (every kind); or list kinds, as `meal,transport`");
        }
        let Some(kind) = gatecare_ledger::EntitlementKind::parse(&word.to_ascii_lowercase()) else {
            bail!("--accepts: {word:?} is not meal, hotel, transport, upgrade or goodwill");
        };
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Ok(Some(kinds))
}

/// The device an administrator names by its id, or by its name when one
/// device has it.
fn named_device<'a>(
    devices: &'a [gatecare_server_database::DeviceRecord],
    device: &str,
) -> anyhow::Result<&'a gatecare_server_database::DeviceRecord> {
    let named: Vec<_> = match Uuid::parse_str(device) {
        Ok(id) => devices.iter().filter(|d| d.id == id).collect(),
        Err(_) => devices.iter().filter(|d| d.name.eq_ignore_ascii_case(device.trim())).collect(),
    };
    match named.as_slice() {
        [] => bail!("no device {device} (see `admin devices`)"),
        [one] => Ok(one),
        many => {
            let ids: Vec<String> = many
                .iter()
                .map(|d| {
                    format!(
                        "{} ({}{})",
                        d.id,
                        d.station,
                        if d.revoked_at.is_some() { ", revoked" } else { "" }
                    )
                })
                .collect();
            bail!("{} devices are named {device}; give the id of one: {}", many.len(), ids.join(", "))
        }
    }
}

/// The configured airline policy (or the default).
fn airline_policy(config: &Config) -> anyhow::Result<gatecare_policy::Policy> {
    Ok(match &config.policy_file {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            gatecare_policy::Policy::from_toml(&text).with_context(|| format!("policy {}", p.display()))?
        }
        None => gatecare_policy::Policy::default_policy(),
    })
}
