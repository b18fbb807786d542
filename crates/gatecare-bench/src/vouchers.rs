//! Voucher PDFs: Gatecare's printpdf renderer against a warm headless
//! Chromium printing the equivalent HTML through the DevTools protocol
//! (`Page.printToPDF`), the way a web or Electron kiosk would.
//!
//! Fairness: one browser is started once and kept open with one tab; every
//! voucher's HTML is written to disk before timing; three untimed prints warm
//! it up; then each print is navigate + printToPDF, timed alone. Both sides
//! render the same text (with a Chinese name) and a vector QR.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gatecare_voucher::pdf::{Fonts, Layout, VoucherSheet, qr_svg, render};

use crate::{Row, ms};

fn sheets(n: usize) -> Vec<VoucherSheet> {
    // A flight's worth of different names: every file subsets its own glyphs.
    let surnames = [
        ("ZHANG", '张'),
        ("WANG", '王'),
        ("LI", '李'),
        ("ZHAO", '赵'),
        ("CHEN", '陈'),
        ("LIU", '刘'),
        ("YANG", '杨'),
        ("HUANG", '黄'),
        ("ZHOU", '周'),
        ("WU", '吴'),
        ("XU", '徐'),
        ("SUN", '孙'),
        ("HU", '胡'),
        ("ZHU", '朱'),
        ("GAO", '高'),
        ("LIN", '林'),
        ("HE", '何'),
        ("GUO", '郭'),
        ("MA", '马'),
        ("LUO", '罗'),
    ];
    let given = [
        ("WEI", '伟'),
        ("NA", '娜'),
        ("FANG", '芳'),
        ("JING", '静'),
        ("MIN", '敏'),
        ("LEI", '磊'),
        ("YANG", '洋'),
        ("YONG", '勇'),
        ("JUN", '军'),
        ("JIE", '杰'),
        ("TAO", '涛'),
        ("MING", '明'),
        ("CHAO", '超'),
        ("XIU", '秀'),
        ("XIA", '霞'),
        ("PING", '平'),
        ("GANG", '刚'),
        ("GUI", '桂'),
        ("HUA", '华'),
        ("LAN", '兰'),
        ("HONG", '红'),
        ("YU", '玉'),
        ("FENG", '峰'),
        ("LING", '玲'),
        ("QIANG", '强'),
    ];
    (0..n)
        .map(|i| {
            let (sur, sur_zh) = surnames[i % surnames.len()];
            let (g1, g1_zh) = given[(i / surnames.len()) % given.len()];
            let (g2, g2_zh) = given[(i * 7 + 3) % given.len()];
            VoucherSheet {
                kind: "meal".into(),
                issuer: "China Southern Airlines · HKG".into(),
                passenger_latin: format!("{sur}/{g1}{g2}"),
                passenger_native: Some(format!("{sur_zh}{g1_zh}{g2_zh}")),
                flight: "CZ342".into(),
                route: "HKG → KMG".into(),
                flight_date: "22 Nov 2026".into(),
                cause_en: "technical fault on the aircraft".into(),
                cause_zh: "飞机技术故障".into(),
                cancelled: false,
                new_time: "03:30 Mon 23 Nov (HKT)".into(),
                value: "HKD 120.00".into(),
                buys_en: "One meal and a drink at any food outlet airside in Terminal 1.".into(),
                buys_zh: "一餐及一杯饮品，可在一号客运大楼禁区内任何餐饮店使用。".into(),
                hotel: None,
                valid: "22 Nov 15:30 – 23 Nov 06:30 (HKT)".into(),
                serial: format!("HKG-K01-{:06}", i + 1),
                rule: "航班正常管理规定 第二十九条; airline policy: a meal every 4 hours".into(),
                tip_en: "Flight updates are announced at your gate at least every 30 minutes.".into(),
                tip_zh: "登机口至少每 30 分钟广播一次航班动态。".into(),
                qr_text: format!(
                    "GC1:{}",
                    "6BFOXN*TS0BI$ZD.P9UOL97O4-2HH77HRM3DSPTLMA5ZYRQ%*8C/OYLTPIQMNMJ9IZDYGCQQTKOY".repeat(4)
                        + &format!("{i:06}")
                ),
            }
        })
        .collect()
}

/// The same voucher as HTML, QR as inline SVG, for the browser.
fn html(s: &VoucherSheet) -> anyhow::Result<String> {
    // The very QR the app shows on screen when a printer fails.
    let qr = qr_svg(&s.qr_text)?;
    Ok(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><style>
@page {{ size: 80mm 200mm; margin: 4mm }}
body {{ font-family: 'Noto Sans CJK SC', sans-serif; font-size: 8.5pt; margin: 0 }}
h1 {{ font-size: 13pt; margin: 2pt 0 }} .big {{ font-size: 15pt }} .value {{ font-size: 13pt }}
hr {{ border: 0; border-top: 0.6pt solid #000 }} svg {{ display: block; margin: 4pt auto; width: 42mm; height: 42mm }}
</style></head><body>
<div>{issuer}</div><h1>餐食券 MEAL VOUCHER</h1><hr>
<div class="big">{latin}</div><div class="big">{native}</div>
<div>{flight} {route} {date}</div>
<div>航班情况 What happened: {zh} / {en}</div><div>预计起飞 New expected departure: {time}</div><hr>
<div class="value">{value}</div><div>{bzh}</div><div>{ben}</div>
<div>有效期 Valid: {valid}</div>
{qr}
<div>No. {serial}</div><hr><div>依据 Why: {rule}</div><div>提示 {tzh}</div><div>Tip: {ten}</div>
</body></html>"#,
        issuer = s.issuer,
        latin = s.passenger_latin,
        native = s.passenger_native.as_deref().unwrap_or(""),
        flight = s.flight,
        route = s.route,
        date = s.flight_date,
        zh = s.cause_zh,
        en = s.cause_en,
        time = s.new_time,
        value = s.value,
        bzh = s.buys_zh,
        ben = s.buys_en,
        valid = s.valid,
        serial = s.serial,
        rule = s.rule,
        tzh = s.tip_zh,
        ten = s.tip_en,
    ))
}

pub(crate) const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// A plain HTTP GET that reads exactly Content-Length bytes (Chrome keeps
/// the connection open whatever the request says).
fn http_get(port: u16, path: &str) -> anyhow::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk)?;
        anyhow::ensure!(n > 0, "connection closed early");
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>())
                })
                .transpose()?
                .unwrap_or(0);
            if body.len() >= len {
                return Ok(body.to_owned());
            }
        }
    }
}

pub(crate) struct Browser {
    child: Child,
    ws: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// A load event that arrived while waiting for a reply.
    loaded: bool,
}

impl Browser {
    pub(crate) fn start(profile: &Path) -> anyhow::Result<Browser> {
        let child = Command::new("chromium")
            .args(CHROMIUM_FLAGS)
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let port_file = profile.join("DevToolsActivePort");
        let start = Instant::now();
        let port: u16 = loop {
            if let Ok(t) = std::fs::read_to_string(&port_file)
                && let Some(p) = t.lines().next().and_then(|l| l.parse().ok())
            {
                break p;
            }
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(30),
                "chromium did not open its DevTools port"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let list: serde_json::Value = serde_json::from_str(&http_get(port, "/json/list")?)?;
        let url = list
            .as_array()
            .and_then(|a| a.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .ok_or_else(|| anyhow::anyhow!("no page target"))?
            .to_owned();
        let (ws, _) = tungstenite::connect(url)?;
        if let tungstenite::stream::MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(Duration::from_secs(30)))?;
        }
        let mut b = Browser { child, ws, next_id: 0, loaded: false };
        b.call("Page.enable", serde_json::json!({}))?;
        Ok(b)
    }

    pub(crate) fn call(
        &mut self,
        method: &str,
        params: serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        self.next_id += 1;
        let id = self.next_id;
        self.ws.send(tungstenite::Message::Text(
            serde_json::json!({"id": id, "method": method, "params": params}).to_string().into(),
        ))?;
        loop {
            if let tungstenite::Message::Text(t) = self.ws.read()? {
                let v: serde_json::Value = serde_json::from_str(&t)?;
                if v["method"] == "Page.loadEventFired" {
                    self.loaded = true;
                }
                if v["id"] == id {
                    anyhow::ensure!(v.get("error").is_none(), "{method}: {}", v["error"]);
                    return Ok(v["result"].clone());
                }
            }
        }
    }

    /// Navigates to the file, waits for its load event, prints to PDF.
    fn print(&mut self, file: &Path) -> anyhow::Result<usize> {
        self.loaded = false;
        self.call("Page.navigate", serde_json::json!({"url": format!("file://{}", file.display())}))?;
        while !self.loaded {
            if let tungstenite::Message::Text(t) = self.ws.read()? {
                let v: serde_json::Value = serde_json::from_str(&t)?;
                if v["method"] == "Page.loadEventFired" {
                    self.loaded = true;
                }
            }
        }
        let r = self.call(
            "Page.printToPDF",
            serde_json::json!({"paperWidth": 3.15, "paperHeight": 7.87, "marginTop": 0, "marginBottom": 0, "marginLeft": 0, "marginRight": 0, "preferCSSPageSize": true}),
        )?;
        Ok(r["data"].as_str().map_or(0, |d| d.len() * 3 / 4))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn max_rss_children_mb() -> f64 {
    // SAFETY: getrusage writes into the struct we pass and reads nothing else.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) } == 0;
    if ok { u.ru_maxrss as f64 / 1024.0 } else { 0.0 }
}

pub fn bench() -> anyhow::Result<Vec<Row>> {
    let font_bytes = std::fs::read("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")?;
    let t = Instant::now();
    let fonts = Fonts::from_bytes(&font_bytes, 2)?;
    let parse = t.elapsed();
    let all = sheets(550);

    let t = Instant::now();
    let flight = render(&all, Layout::Receipt80, &fonts, "flight")?;
    let flight_time = t.elapsed();
    let t = Instant::now();
    let mut single_bytes = 0;
    // As `Store::voucher_pdfs` does: the glyphs every file shows are cut
    // once (timed), then one file per passenger with its own glyphs added.
    let mut batch = fonts.batch(&all)?;
    for i in 0..all.len() {
        single_bytes += batch.render(i, Layout::Receipt80)?.len();
    }
    let single_time = t.elapsed();
    println!(
        "vouchers: font parsed once in {}; flight PDF {:.1} MB ({:.1} KB a voucher); per-passenger PDFs {:.1} KB each",
        ms(parse),
        flight.len() as f64 / 1e6,
        flight.len() as f64 / 550.0 / 1024.0,
        single_bytes as f64 / 550.0 / 1024.0
    );

    let dir = tempfile::tempdir()?;
    let n_browser = 30;
    let files: Vec<_> = all[..n_browser + 3]
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let p = dir.path().join(format!("v{i}.html"));
            std::fs::write(&p, html(s)?)?;
            Ok(p)
        })
        .collect::<anyhow::Result<_>>()?;

    // Cold: a fresh browser process per voucher, as a script would call it.
    let t = Instant::now();
    let out = dir.path().join("cold.pdf");
    let status = Command::new("chromium")
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", dir.path().join("cold-profile").display()))
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg("--no-pdf-header-footer")
        .arg(format!("file://{}", files[0].display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    let cold = t.elapsed();
    let cold_rss = max_rss_children_mb();
    anyhow::ensure!(status.success() && out.exists(), "cold chromium did not print");

    let mut browser = Browser::start(&dir.path().join("warm-profile"))?;
    for f in &files[..3] {
        browser.print(f)?;
    }
    let mut warm = Duration::ZERO;
    let mut browser_bytes = 0;
    for f in &files[3..] {
        let t = Instant::now();
        browser_bytes += browser.print(f)?;
        warm += t.elapsed();
    }
    let warm_each = warm / n_browser as u32;
    drop(browser);
    println!(
        "browser: warm Chromium {} and {:.1} KB a voucher; cold `chromium --print-to-pdf` {} (max RSS of one process {:.0} MB)",
        ms(warm_each),
        browser_bytes as f64 / n_browser as f64 / 1024.0,
        ms(cold),
        cold_rss
    );

    let per_flight = flight_time / 550;
    let per_single = single_time / 550;
    Ok(vec![
        Row {
            what: "voucher PDF: 550-voucher flight file, each",
            value: format!("{} ({:.0}/s)", ms(per_flight), 550.0 / flight_time.as_secs_f64()),
            baseline: "warm Chromium printToPDF, each",
            baseline_value: ms(warm_each),
            // Issue #6: at least 200× faster than the warm browser.
            ratio: warm_each.as_secs_f64() / per_flight.as_secs_f64(),
            goal: Some(200.0),
        },
        Row {
            what: "voucher PDF: one file per passenger, each",
            value: format!("{} ({:.0}/s)", ms(per_single), 550.0 / single_time.as_secs_f64()),
            baseline: "warm Chromium printToPDF, each",
            baseline_value: ms(warm_each),
            // Issue #6: at least 200× faster than the warm browser.
            ratio: warm_each.as_secs_f64() / per_single.as_secs_f64(),
            goal: Some(200.0),
        },
        Row {
            what: "voucher PDF: one file per passenger, each",
            value: ms(per_single),
            baseline: "cold chromium --print-to-pdf",
            baseline_value: ms(cold),
            ratio: cold.as_secs_f64() / per_single.as_secs_f64(),
            goal: None,
        },
    ])
}
