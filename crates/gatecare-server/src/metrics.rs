//! Counters in the Prometheus text format (`GET /metrics`).

use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use std::collections::BTreeMap;

#[derive(Default)]
pub struct Metrics {
    pub events_ingested: AtomicU64,
    pub events_replayed: AtomicU64,
    pub conflicts_detected: AtomicU64,
    pub push_batches: AtomicU64,
    pub feed_items_served: AtomicU64,
    pub redemptions: AtomicU64,
    /// Events a device stamped later than central's clock allows.
    pub events_from_ahead: AtomicU64,
    /// Pushes refused because a seq central holds came with other content.
    pub seq_conflicts: AtomicU64,
    /// Responses by route and status.
    responses: Mutex<BTreeMap<(String, u16), u64>>,
}

impl Metrics {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn response(&self, route: &str, status: u16) {
        if let Ok(mut m) = self.responses.lock() {
            *m.entry((route.to_owned(), status)).or_default() += 1;
        }
    }

    pub fn render(&self, backend: &str) -> String {
        let mut out = String::new();
        let counters: [(&str, &str, &AtomicU64); 8] = [
            (
                "gatecare_events_ingested_total",
                "Device events stored for the first time.",
                &self.events_ingested,
            ),
            (
                "gatecare_events_replayed_total",
                "Device events received again and answered from storage.",
                &self.events_replayed,
            ),
            (
                "gatecare_conflicts_total",
                "Double issuances detected (the later voucher is voided).",
                &self.conflicts_detected,
            ),
            ("gatecare_push_batches_total", "Push batches stored.", &self.push_batches),
            ("gatecare_feed_items_served_total", "Feed items sent to devices.", &self.feed_items_served),
            ("gatecare_redemptions_total", "Vouchers redeemed.", &self.redemptions),
            (
                "gatecare_events_from_ahead_total",
                "Device events stamped more than five minutes after central's clock: a device clock is wrong.",
                &self.events_from_ahead,
            ),
            (
                "gatecare_seq_conflicts_total",
                "Pushes refused because a device sent other events under numbers central holds, and pulls of a \
                 device that logged fewer events than central holds under its identity: two devices use one \
                 identity (a copied disk or token), or a store was restored from an old copy.",
                &self.seq_conflicts,
            ),
        ];
        for (name, help, v) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(out, "# HELP gatecare_http_responses_total HTTP responses by route and status.");
        let _ = writeln!(out, "# TYPE gatecare_http_responses_total counter");
        if let Ok(m) = self.responses.lock() {
            for ((route, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "gatecare_http_responses_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        let _ =
            writeln!(out, "# HELP gatecare_info The database backend in use.\n# TYPE gatecare_info gauge");
        let _ = writeln!(out, "gatecare_info{{backend=\"{backend}\"}} 1");
        out
    }
}
