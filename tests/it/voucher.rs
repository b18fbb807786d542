//! Vouchers as merchants, hotels and printers see them: the QR decoded from
//! a rendered page (pdftoppm + zbarimg) equals the signed text, the text is
//! read back through a PDF parser (pdftotext), `gatecare voucher verify`
//! refuses every kind of bad voucher, and a real CUPS server with a virtual
//! PDF printer prints one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use gatecare_kiosk::{Kiosk, KioskPick};
use gatecare_print::vouchers::PrintDesk;
use gatecare_print::{CupsPrinter, JobState, Printer};
use serde_json::Value;

use crate::support::gatecare;

fn tool(name: &str, args: &[&str]) -> std::process::Output {
    Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} is required (xtask installs it): {e}"))
}

/// The QR text on the first page of a PDF, as a phone would read it.
pub(crate) fn decode_qr(pdf: &Path) -> String {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("page");
    let out = tool(
        "pdftoppm",
        &["-png", "-r", "150", "-f", "1", "-l", "1", pdf.to_str().unwrap(), prefix.to_str().unwrap()],
    );
    assert!(out.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&out.stderr));
    let png = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("a page image");
    let out = tool("zbarimg", &["-q", "--raw", png.to_str().unwrap()]);
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

pub(crate) fn pdf_text(pdf: &Path) -> String {
    let out = tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Demo {
    dir: tempfile::TempDir,
    qr: String,
}

fn demo() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let out = gatecare(&["voucher", "demo", "--out", dir.path().to_str().unwrap()], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let qr = std::fs::read_to_string(dir.path().join("voucher.qr.txt")).unwrap();
    Demo { dir, qr }
}

impl Demo {
    fn path(&self, f: &str) -> PathBuf {
        self.dir.path().join(f)
    }

    /// The demo root's fingerprint, as `voucher demo` wrote it.
    fn root(&self) -> String {
        std::fs::read_to_string(self.path("root-fingerprint.txt")).unwrap().trim().to_owned()
    }

    fn verify(&self, qr: &str, extra: &[&str]) -> (Option<i32>, Value) {
        let trust = self.path("trust.json");
        let root = self.root();
        let mut args = vec!["voucher", "verify", qr, "--trust", trust.to_str().unwrap(), "--root", &root];
        args.extend(extra);
        let out = gatecare(&args, &[]);
        let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (out.status.code(), v)
    }
}

#[test]
fn the_demo_voucher_carries_its_signed_qr_and_chinese_name() {
    let d = demo();
    let pdf = d.path("voucher.pdf");
    assert_eq!(decode_qr(&pdf), d.qr);
    let text = pdf_text(&pdf);
    for expected in [
        "MEAL VOUCHER",
        "餐食券",
        "HKD 120.00",
        "飞机技术故障",
        "technical",
        "03:30",
        "HKG-K01-000001",
        "CZ342",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    // The passenger's name in Chinese characters, from the demo manifest.
    assert!(text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)));
    let size = std::fs::metadata(&pdf).unwrap().len();
    assert!(size < 100 * 1024, "{size} bytes: the CJK font must be subset");
    let (code, v) = d.verify(&d.qr, &[]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["valid"], true);
    assert_eq!(v["voucher"]["kind"], "meal");
}

#[test]
fn every_bad_voucher_is_refused_with_a_reason() {
    let d = demo();
    // One altered character anywhere after the prefix.
    for i in [4, d.qr.len() / 2, d.qr.len() - 1] {
        let mut b = d.qr.clone().into_bytes();
        b[i] = if b[i] == b'A' { b'B' } else { b'A' };
        let (code, v) = d.verify(&String::from_utf8(b).unwrap(), &[]);
        assert_eq!(code, Some(1), "position {i}: {v}");
        assert_eq!(v["valid"], false);
    }
    let (code, v) = d.verify(&d.qr[..d.qr.len() - 10], &[]);
    assert_eq!((code, v["reason"].as_str()), (Some(1), Some("malformed")));
    let (code, v) = d.verify(&d.qr, &["--at", "2099-01-01T00:00:00Z"]);
    assert_eq!((code, v["reason"].as_str()), (Some(1), Some("expired")));
    // A list from long before the check is named as such: it knows no
    // revocation made since.
    let trust = d.path("trust.json");
    let late = ["voucher", "verify", &d.qr, "--trust", trust.to_str().unwrap(), "--root", &d.root()];
    let out = gatecare(&[&late[..], &["--at", "2099-01-01T00:00:00Z"]].concat(), &[]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("keys revoked since are not in it"), "{said}");
    let out = gatecare(&late, &[]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("note:"), "a fresh list is not remarked on");
    // The root may come from the environment, as a till's configuration sets it.
    let out = gatecare(
        &["voucher", "verify", &d.qr, "--trust", trust.to_str().unwrap()],
        &[("GATECARE_ROOT_FINGERPRINT", &d.root())],
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = gatecare(&["voucher", "verify", &d.qr, "--trust", trust.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2), "no root, nothing verified");
    // Found in a station trial: "not_yet_valid" alone left a merchant
    // guessing. The line gives the time on the station's clock and the
    // likely cause: the issuing device's clock runs ahead.
    let from = chrono::DateTime::from_timestamp(v["voucher"]["valid_from"].as_i64().unwrap(), 0).unwrap();
    let early = (from - chrono::Duration::hours(3)).to_rfc3339();
    let trust = d.path("trust.json");
    let out = gatecare(
        &[
            "voucher",
            "verify",
            &d.qr,
            "--trust",
            trust.to_str().unwrap(),
            "--root",
            &d.root(),
            "--at",
            &early,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    let local = from.with_timezone(&chrono_tz::Asia::Hong_Kong).format("%Y-%m-%d %H:%M +08:00").to_string();
    assert!(
        said.contains(&format!("not_yet_valid: valid from {local}, 3 h 0 min after the --at time")),
        "{said}"
    );
    assert!(!said.contains("clock ahead"), "a time given on purpose is no clock's fault: {said}");
    // On this machine's clock, 34 seconds early: the issuing clock is likely ahead.
    let early = (from - chrono::Duration::seconds(34)).to_rfc3339();
    let out = gatecare(
        &["voucher", "verify", &d.qr, "--trust", trust.to_str().unwrap(), "--root", &d.root()],
        &[("GATECARE_NOW", &early)],
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains(&format!("valid from {local}, 34 s after this machine's clock")), "{said}");
    assert!(said.contains("clock ahead"), "{said}");
    // Found in a station trial: a trust list fetched without a token saved
    // central's refusal, and verify said "unknown field `code`".
    let refused = d.path("refused.json");
    std::fs::write(&refused, r#"{"code":"unauthorised","message":"a device token is required"}"#).unwrap();
    let out = gatecare(
        &["voucher", "verify", &d.qr, "--trust", refused.to_str().unwrap(), "--root", &d.root()],
        &[],
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("holds central's refusal (unauthorised: a device token is required)"), "{said}");
    assert!(said.contains("merchant's token"), "{said}");
    // Another airline root certified a different key under the same id.
    let other = demo();
    let (code, v) = other.verify(&d.qr, &[]);
    assert_eq!((code, v["reason"].as_str()), (Some(1), Some("bad_signature")));
    // A trust list under a root other than the one pinned verifies nothing:
    // anyone can write a list and sign it with a root of their own.
    let out = gatecare(
        &["voucher", "verify", &d.qr, "--trust", trust.to_str().unwrap(), "--root", &other.root()],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["reason"], "untrusted_root");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("not signed by the airline root"), "{said}");
    // A fingerprint that is none: bad input, nothing verified.
    let out =
        gatecare(&["voucher", "verify", &d.qr, "--trust", trust.to_str().unwrap(), "--root", "HKG"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--root \"HKG\""));
    // A revoked device leaves the trust list: its vouchers no longer verify.
    let mut trust: Value =
        serde_json::from_str(&std::fs::read_to_string(d.path("trust.json")).unwrap()).unwrap();
    trust["devices"] = serde_json::json!([]);
    let revoked = d.path("revoked.json");
    std::fs::write(&revoked, trust.to_string()).unwrap();
    let out = gatecare(
        &["voucher", "verify", &d.qr, "--trust", revoked.to_str().unwrap(), "--root", &d.root()],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["reason"], "unknown_key");
    // The last line says why, for whoever reads the terminal rather than the JSON.
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("voucher not valid: unknown_key"), "{said}");
    // A voided voucher.
    let (_, good) = d.verify(&d.qr, &[]);
    let void = serde_json::json!({
        "format": "gatecare-void-list/1",
        "issued_at": "2026-11-22T00:00:00Z",
        "voided": [{"voucher_id": good["voucher"]["voucher_id"], "voided_at": "2026-11-22T06:00:00Z", "reason": "passenger rebooked"}]
    });
    let void_path = d.path("void.json");
    std::fs::write(&void_path, void.to_string()).unwrap();
    let (code, v) = d.verify(&d.qr, &["--void", void_path.to_str().unwrap()]);
    assert_eq!((code, v["reason"].as_str()), (Some(1), Some("voided")));
    // Hostile input never panics.
    for junk in ["", "GC1:", "GC1:%%%%", &"9".repeat(5000), "{\"json\":1}"] {
        let (code, _) = d.verify(junk, &[]);
        assert_eq!(code, Some(1), "{junk:?}");
    }
    // A trust file that is not one: bad input.
    std::fs::write(d.path("bad.json"), "{}").unwrap();
    let bad = d.path("bad.json");
    let out =
        gatecare(&["voucher", "verify", &d.qr, "--trust", bad.to_str().unwrap(), "--root", &d.root()], &[]);
    assert_eq!(out.status.code(), Some(2));
}

fn sheet(qr: &str, kind: &str) -> Value {
    serde_json::json!({
        "kind": kind, "issuer": "China Southern Airlines · Hong Kong HKG", "passenger_latin": "ZHANG/WEI",
        "passenger_native": "张伟", "flight": "CZ342", "route": "HKG → KMG", "flight_date": "22 Nov 2026",
        "cause_en": "technical fault", "cause_zh": "飞机技术故障", "new_time": "03:30 Mon 23 Nov (HKT)",
        "value": "1 night", "buys_en": "One room with breakfast.", "buys_zh": "一间客房含早餐。",
        "hotel": {"name": "Regal Airport Hotel", "name_zh": "富豪机场酒店", "address": "9 Cheong Tat Road, Chek Lap Kok",
                  "nights": 1, "transport": "Covered walkway from Terminal 1"},
        "valid": "22 Nov 21:00 – 23 Nov 12:00 (HKT)", "serial": "HKG-K01-000042", "rule": "航班正常管理规定 第二十九条",
        "tip_en": "Ask the front desk for a 02:00 wake-up call.", "tip_zh": "可请前台安排凌晨两点叫醒。", "qr_text": qr
    })
}

/// Per embedded font: its glyph count and the characters its ToUnicode map names.
fn embedded_fonts(pdf: &[u8]) -> Vec<(usize, Vec<char>)> {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let stream = |id: lopdf::ObjectId| {
        let s = doc.get_object(id).unwrap().as_stream().unwrap();
        s.decompressed_content().unwrap_or_else(|_| s.content.clone())
    };
    let mut fonts = Vec::new();
    for object in doc.objects.values() {
        let Ok(font) = object.as_dict() else { continue };
        if font.get(b"Subtype").and_then(|s| s.as_name()).ok() != Some(b"Type0".as_slice()) {
            continue;
        }
        // Entries may be inline or references.
        let dict = |o: &lopdf::Object| match o.as_reference() {
            Ok(id) => doc.get_dictionary(id).unwrap().clone(),
            Err(_) => o.as_dict().unwrap().clone(),
        };
        let cid = dict(&font.get(b"DescendantFonts").unwrap().as_array().unwrap()[0]);
        let descriptor = dict(cid.get(b"FontDescriptor").unwrap());
        let program = descriptor.get(b"FontFile3").unwrap().as_reference().unwrap();
        let cmap =
            String::from_utf8(stream(font.get(b"ToUnicode").unwrap().as_reference().unwrap())).unwrap();
        let chars = cmap
            .lines()
            .filter_map(|l| {
                let (_, unicode) = l.split_once("> <")?;
                char::from_u32(u32::from_str_radix(unicode.strip_suffix('>')?, 16).ok()?)
            })
            // printpdf names .notdef U+FFFF.
            .filter(|&c| c != '\u{ffff}')
            .collect();
        // printpdf reads a bare CFF program; its glyph count is the
        // program's CharStrings count.
        let parsed = printpdf::ParsedFont::from_bytes(&stream(program), 0, &mut Vec::new()).unwrap();
        fonts.push((usize::from(parsed.num_glyphs), chars));
    }
    fonts
}

#[test]
fn each_passengers_file_embeds_only_the_glyphs_it_shows() {
    let d = demo();
    let mut sheets: Vec<gatecare_voucher::pdf::VoucherSheet> = Vec::new();
    for (latin, native, serial) in
        [("ZHANG/WEI", "张伟", "HKG-K01-000001"), ("LI/NA", "李娜", "HKG-K01-000002")]
    {
        let mut s = sheet(&d.qr, "meal");
        s["passenger_latin"] = latin.into();
        s["passenger_native"] = native.into();
        s["serial"] = serial.into();
        sheets.push(serde_json::from_value(s).unwrap());
    }
    let fonts = crate::voucher_fonts();
    let mut batch = fonts.batch(&sheets).unwrap();
    for (i, (own, other)) in [("张伟", "李娜"), ("李娜", "张伟")].into_iter().enumerate() {
        let pdf = batch.render(i, gatecare_voucher::pdf::Layout::Receipt80).unwrap();
        let embedded = embedded_fonts(&pdf);
        // The batch's shared glyphs and this passenger's own.
        assert_eq!(embedded.len(), 2, "{embedded:?}");
        let shown: Vec<char> = embedded.iter().flat_map(|(_, chars)| chars.clone()).collect();
        assert!(own.chars().all(|c| shown.contains(&c)), "{own} in {shown:?}");
        assert!(!other.chars().any(|c| shown.contains(&c)), "no {other} in {shown:?}");
        // Every glyph in each font program is one the page shows (+ .notdef).
        for (glyphs, chars) in &embedded {
            assert_eq!(*glyphs, chars.len() + 1, "{chars:?}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("one.pdf");
        std::fs::write(&path, &pdf).unwrap();
        assert_eq!(decode_qr(&path), d.qr);
        let text = pdf_text(&path);
        assert!(text.contains(own) && text.contains("餐食券") && text.contains(&sheets[i].serial), "{text}");
    }
}

#[test]
fn render_draws_each_layout_with_a_readable_qr() {
    let d = demo();
    for layout in ["80mm", "a6", "a4"] {
        let input = d.path(&format!("{layout}.json"));
        std::fs::write(&input, sheet(&d.qr, "hotel").to_string()).unwrap();
        let pdf = d.path(&format!("{layout}.pdf"));
        let out = gatecare(
            &[
                "voucher",
                "render",
                input.to_str().unwrap(),
                "--layout",
                layout,
                "--out",
                pdf.to_str().unwrap(),
            ],
            &[],
        );
        assert!(out.status.success(), "{layout}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(decode_qr(&pdf), d.qr, "{layout}");
        let text = pdf_text(&pdf);
        assert!(
            text.contains("Regal Airport Hotel") && text.contains("HOTEL VOUCHER") && text.contains("张伟"),
            "{layout}: {text}"
        );
    }
    // A list renders one voucher per page.
    let list = serde_json::json!([sheet(&d.qr, "meal"), sheet(&d.qr, "transport"), sheet(&d.qr, "upgrade")]);
    let input = d.path("list.json");
    std::fs::write(&input, list.to_string()).unwrap();
    let pdf = d.path("list.pdf");
    assert!(
        gatecare(
            &["voucher", "render", input.to_str().unwrap(), "--layout", "a6", "--out", pdf.to_str().unwrap()],
            &[]
        )
        .status
        .success()
    );
    let info = String::from_utf8_lossy(&tool("pdfinfo", &[pdf.to_str().unwrap()]).stdout).into_owned();
    assert!(info.lines().any(|l| l.starts_with("Pages:") && l.trim_end().ends_with('3')), "{info}");
    // Bad input is refused.
    std::fs::write(&input, "{\"kind\": 5}").unwrap();
    let out = gatecare(&["voucher", "render", input.to_str().unwrap(), "--out", pdf.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    let out = gatecare(
        &["voucher", "render", input.to_str().unwrap(), "--layout", "letter", "--out", pdf.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
}

const QUEUE: &str = "GatecarePDF";

/// One CUPS server and virtual PDF printer for the whole run.
pub(crate) fn cups() -> CupsPrinter {
    cups_queue(QUEUE)
}

/// A real CUPS server (started once per run) with the cups-pdf queue
/// `queue`. A gate console prints to a queue of its own, as at a real gate:
/// a whole flight's bulk job must not hold up a kiosk's voucher behind it.
pub(crate) fn cups_queue(queue: &'static str) -> CupsPrinter {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        let running = |_: ()| String::from_utf8_lossy(&tool("lpstat", &["-r"]).stdout).contains("is running");
        if !running(()) {
            let out = tool("cupsd", &[]);
            assert!(
                out.status.success(),
                "starting cupsd (needs root): {}",
                String::from_utf8_lossy(&out.stderr)
            );
            for _ in 0..50 {
                if running(()) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            assert!(running(()), "cupsd did not start");
        }
    });
    static QUEUES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut ready = QUEUES.lock().unwrap_or_else(|e| e.into_inner());
    if !ready.contains(&queue) {
        if !tool("lpstat", &["-p", queue]).status.success() {
            let out = tool(
                "lpadmin",
                &["-p", queue, "-E", "-v", "cups-pdf:/", "-m", "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"],
            );
            assert!(out.status.success(), "lpadmin: {}", String::from_utf8_lossy(&out.stderr));
        }
        ready.push(queue);
    }
    CupsPrinter { queue: queue.into() }
}

/// cups-pdf writes `<title>-job_<n>.pdf` into the job owner's ~/PDF.
fn printed_file(job: &str) -> Option<PathBuf> {
    let n = job.rsplit('-').next()?;
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| "/root".into());
    for dir in [home.join("PDF"), PathBuf::from("/var/spool/cups-pdf/ANONYMOUS")] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.filter_map(Result::ok) {
                if e.file_name().to_string_lossy().ends_with(&format!("job_{n}.pdf")) {
                    return Some(e.path());
                }
            }
        }
    }
    None
}

#[test]
fn a_real_cups_printer_prints_a_voucher_whose_qr_verifies() {
    let printer = cups();
    let d = demo();
    let job = printer
        .submit(&d.path("voucher.pdf"), "Custom.80x200mm", "gatecare voucher test")
        .expect("lp accepted the job");
    assert_eq!(printer.wait(&job, Duration::from_secs(60)).unwrap(), JobState::Completed);
    let mut printed = None;
    for _ in 0..50 {
        printed = printed_file(&job);
        if printed.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let printed = printed.unwrap_or_else(|| panic!("cups-pdf wrote no file for {job}"));
    let qr = decode_qr(&printed);
    assert_eq!(qr, d.qr, "the printed page carries the signed QR");
    let (code, v) = d.verify(&qr, &[]);
    assert_eq!(code, Some(0), "{v}");
    // A queue that does not exist is refused, not lost.
    let missing = CupsPrinter { queue: "NoSuchQueue".into() };
    assert!(missing.submit(&d.path("voucher.pdf"), "A4", "x").is_err());
}

#[tokio::test]
async fn a_whole_flight_prints_as_one_pdf_or_one_per_passenger() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.sqlite");
    crate::support::seeded_store(&db, 2).await;
    // Central's policy, as the feed leaves it in the store: meals at HKD 150.
    // The command issues under it, as the app does, not under the built-in one.
    let central = gatecare_policy::DEFAULT_POLICY.replacen("amount_minor = 12000", "amount_minor = 15000", 1);
    let store = gatecare_station::Station::open(&db).await.unwrap();
    sqlx::query("INSERT INTO settings (key, value) VALUES ('central_policy', ?)")
        .bind(central)
        .execute(store.pool())
        .await
        .unwrap();
    store.close().await;
    let out = dir.path().join("out");
    // 22:30 in Hong Kong: two meals owed to each of CZ342's 180 passengers.
    let night = [("GATECARE_NOW", "2026-11-22T14:30:00Z")];
    let run = gatecare(
        &[
            "voucher",
            "flight",
            "--db",
            db.to_str().unwrap(),
            "--flight",
            "CZ342",
            "--issue-meals",
            "--layout",
            "a6",
            "--out",
            out.to_str().unwrap(),
        ],
        &night,
    );
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let summary: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(summary["vouchers"], 360);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("360/360"), "progress is reported: {stderr}");
    // Not on a terminal: one line a step in the log, not one a voucher (found in a trial).
    for step in ["issuing 180/180", "preparing 360/360"] {
        assert_eq!(
            stderr.lines().filter(|l| l.starts_with(step.split(' ').next().unwrap())).count(),
            1,
            "{stderr}"
        );
        assert!(stderr.lines().any(|l| l == step), "{stderr}");
    }
    let pdf = out.join("CZ342.pdf");
    let info = String::from_utf8_lossy(&tool("pdfinfo", &[pdf.to_str().unwrap()]).stdout).into_owned();
    assert!(info.lines().any(|l| l.starts_with("Pages:") && l.trim_end().ends_with("360")), "{info}");
    let qr = decode_qr(&pdf);
    let trust = out.join("trust.json");
    let root = std::fs::read_to_string(out.join("root-fingerprint.txt")).unwrap();
    let check = gatecare(
        &["voucher", "verify", &qr, "--trust", trust.to_str().unwrap(), "--root", root.trim()],
        &night,
    );
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stdout));
    let verdict: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(
        (verdict["voucher"]["value_minor"].as_i64(), verdict["voucher"]["currency"].as_str()),
        (Some(15000), Some("HKD")),
        "the meal is priced by central's policy"
    );
    // The QR texts are written beside the paper, in its order (found in a trial).
    let texts = std::fs::read_to_string(out.join("CZ342.qr.txt")).unwrap();
    assert_eq!(texts.lines().count(), 360);
    assert_eq!(texts.lines().next(), Some(qr.trim()), "the first line is the first page's QR");
    // The first page is the first passenger in the priority order: legal priority.
    let store = gatecare_station::Station::open(&db).await.unwrap();
    let v: Value = serde_json::from_slice(&check.stdout).unwrap();
    let needs: String = sqlx::query_scalar(
        "SELECT p.needs FROM ledger_events l JOIN passengers p ON p.id = l.passenger_id WHERE l.voucher_id = ? AND l.event = 'issued'",
    )
    .bind(v["voucher"]["voucher_id"].as_str().unwrap())
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert!(needs.contains("wheelchair") || needs.contains("unaccompanied_minor"), "{needs}");
    // A limit cuts the paper only: with issuing it is refused, not half done.
    let both = gatecare(
        &[
            "voucher",
            "flight",
            "--db",
            db.to_str().unwrap(),
            "--flight",
            "CZ342",
            "--issue-meals",
            "--limit",
            "2",
            "--out",
            dir.path().join("x").to_str().unwrap(),
        ],
        &night,
    );
    assert_eq!(both.status.code(), Some(2), "{}", String::from_utf8_lossy(&both.stderr));
    assert!(String::from_utf8_lossy(&both.stderr).contains("--limit cuts the PDF"));
    // `--out` names a folder; a PDF's name is refused, not made a folder (found in a trial).
    let named = dir.path().join("CZ342.pdf");
    let run = gatecare(
        &[
            "voucher",
            "flight",
            "--db",
            db.to_str().unwrap(),
            "--flight",
            "CZ342",
            "--out",
            named.to_str().unwrap(),
        ],
        &night,
    );
    assert_eq!(run.status.code(), Some(2), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--out is a folder"));
    assert!(!named.exists());
    // Per passenger: one file each, named by serial, with the same vouchers.
    let each = dir.path().join("each");
    let run = gatecare(
        &[
            "voucher",
            "flight",
            "--db",
            db.to_str().unwrap(),
            "--flight",
            "CZ342",
            "--per-passenger",
            "--limit",
            "4",
            "--out",
            each.to_str().unwrap(),
        ],
        &night,
    );
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let files: Vec<_> = std::fs::read_dir(&each)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "pdf"))
        .collect();
    assert_eq!(files.len(), 4);
    assert!(files.iter().all(|f| f.file_name().to_string_lossy().starts_with("HKG-K01-")));
    // Each file stands alone (its font cut from the batch's narrowed face):
    // its own serial, passenger and Chinese text, and a QR that verifies.
    for f in &files {
        let path = f.path();
        let qr = decode_qr(&path);
        let check = gatecare(
            &["voucher", "verify", &qr, "--trust", trust.to_str().unwrap(), "--root", root.trim()],
            &night,
        );
        assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stdout));
        let v: Value = serde_json::from_slice(&check.stdout).unwrap();
        let text = pdf_text(&path);
        let serial = v["voucher"]["serial"].as_str().unwrap();
        assert!(f.file_name().to_string_lossy().starts_with(serial), "{serial} names its file");
        assert!(text.contains(serial) && text.contains("餐食券"), "{text}");
        assert!(text.contains(&format!("{}/", v["voucher"]["surname"].as_str().unwrap())), "{text}");
    }
    // Nothing issued twice by the second run.
    let issued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_events WHERE event = 'issued'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(issued, 360);
}

#[tokio::test]
async fn the_kiosk_issues_and_prints_an_owed_hotel_with_a_room_from_the_block() {
    use gatecare_kiosk::KioskSession;
    let printer = cups();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.sqlite");
    let day = crate::support::seeded_store(&db, 0).await;
    let store = gatecare_station::Station::open(&db).await.unwrap();
    let p = day.passengers.iter().find(|p| p.group.is_none() && p.needs.is_empty()).unwrap();
    // 22:30 in Hong Kong, CZ342 fourteen hours late: the night is owed.
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T14:30:00Z").unwrap().to_utc();
    let session = KioskSession { passenger_id: p.id.to_string(), flight_id: p.flight_id.to_string() };
    let policy = gatecare_policy::Policy::default_policy();
    let view = Kiosk(&store).kiosk_view(&session, &policy, now).await.unwrap();
    let hotel =
        view.entitlements.iter().find(|e| e.kind == gatecare_care::CareKind::Hotel).expect("a hotel is owed");
    assert!(hotel.due && hotel.printable && !hotel.passenger_pays);
    let hotels = Kiosk(&store).kiosk_hotels("HKG", now).await.unwrap();
    assert!(!hotels.is_empty());
    let chosen = &hotels[0];
    let fonts = crate::voucher_fonts();
    let spool = gatecare_print::cups::Spool::create_in(dir.path()).unwrap();
    let printer = Keeping { cups: printer, kept: Default::default() };
    let printer_name = printer.name();
    let desk = PrintDesk {
        device: "HKG-K01",
        station: "HKG",
        fonts: &fonts,
        printer_name: &printer_name,
        spool: &spool,
        central_url: None,
    };
    let printed = Kiosk(&store)
        .kiosk_print(
            &session,
            KioskPick {
                kind: gatecare_care::CareKind::Hotel,
                ordinal: 1,
                hotel_block_id: Some(chosen.id.clone()),
            },
            &policy,
            &desk,
            &printer,
            now,
        )
        .await
        .unwrap();
    assert!(printed.printed, "{printed:?}");
    let left: i64 = sqlx::query_scalar("SELECT rooms_left FROM hotel_blocks WHERE id = ?")
        .bind(&chosen.id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(left, chosen.rooms_left - 1);
    // CUPS had the voucher; the spool keeps nothing.
    assert_eq!(std::fs::read_dir(spool.path()).unwrap().count(), 0);
    let pdf = dir.path().join("printed.pdf");
    std::fs::write(&pdf, printer.kept.lock().unwrap().last().unwrap()).unwrap();
    let text = pdf_text(&pdf);
    assert!(text.contains(&chosen.name) && text.contains("HOTEL VOUCHER"), "{text}");
    // Without a hotel chosen, nothing is issued.
    let none = Kiosk(&store)
        .kiosk_print(
            &session,
            KioskPick { kind: gatecare_care::CareKind::Hotel, ordinal: 1, hotel_block_id: None },
            &policy,
            &desk,
            &printer,
            now,
        )
        .await;
    assert!(none.is_ok(), "the same entitlement again is a reprint of the issued hotel: {none:?}");
}

/// CUPS, keeping a copy of each document it is given (the spool removes its
/// own once CUPS has it).
struct Keeping {
    cups: CupsPrinter,
    kept: std::sync::Mutex<Vec<Vec<u8>>>,
}

impl Printer for Keeping {
    fn name(&self) -> String {
        self.cups.name()
    }

    fn submit(&self, pdf: &Path, media: &str, title: &str) -> Result<String, gatecare_print::PrintError> {
        self.kept.lock().unwrap().push(std::fs::read(pdf).unwrap());
        self.cups.submit(pdf, media, title)
    }

    fn state(&self, job: &str) -> Result<JobState, gatecare_print::PrintError> {
        self.cups.state(job)
    }
}

/// The spool is the process's own: a fresh 0700 folder (one already there
/// is refused), documents created new and 0600 (a link planted at their
/// name is not followed), removed once submitted, the folder gone with it.
#[test]
fn the_spool_is_private_and_follows_no_planted_link() {
    use gatecare_print::cups::{Spool, submit_document};
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::create_in(dir.path()).unwrap();
    let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(spool.path()), 0o700);
    let file = spool.write("V-1", b"%PDF-1.7 one").unwrap();
    assert_eq!(mode(&file), 0o600);
    // Another local user plants a link where the next document will go.
    let target = dir.path().join("stolen.pdf");
    let next = spool.path().join("V-2-2.pdf");
    std::os::unix::fs::symlink(&target, &next).unwrap();
    assert!(spool.write("V-2", b"%PDF-1.7 two").is_err(), "a planted link is not written through");
    assert!(!target.exists());
    // Submitted: CUPS has its copy, the spool none.
    let printer = gatecare_print::FakePrinter::default();
    submit_document(&printer, &spool, "V-3", b"%PDF-1.7 three", "A4").unwrap();
    assert_eq!(printer.jobs.lock().unwrap()[0].2, b"%PDF-1.7 three");
    assert!(!Path::new(&printer.jobs.lock().unwrap()[0].0).exists());
    let folder = spool.path().to_owned();
    drop(spool);
    assert!(!folder.exists(), "the spool goes with the process's use of it");
    // A process stopped by a signal left its folder: the next spool removes
    // it (no process has that id: it is above the kernel's largest), and
    // keeps a running process's.
    let abandoned = dir.path().join("spool-4194999-00000000deadbeef");
    std::fs::create_dir(&abandoned).unwrap();
    std::fs::write(abandoned.join("V-9-1.pdf"), b"%PDF-1.7 left behind").unwrap();
    let running = dir.path().join(format!("spool-{}-00000000cafef00d", std::process::id()));
    std::fs::create_dir(&running).unwrap();
    let next = Spool::create_in(dir.path()).unwrap();
    assert!(!abandoned.exists(), "an abandoned spool is removed");
    assert!(running.exists() && next.path().exists());
}
