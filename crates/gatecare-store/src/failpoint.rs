//! Crash-test failpoints. Inert unless `GATECARE_FAILPOINT` names one
//! (`name` or `name:k` for its k-th hit): then, on reaching it, the process
//! says so on stdout and waits to be killed (the SIGKILL test's parent does
//! that). The variable is read once; an unarmed failpoint costs a compare.

use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

static ARMED: OnceLock<Option<(String, u32)>> = OnceLock::new();
static HITS: AtomicU32 = AtomicU32::new(0);

fn armed() -> &'static Option<(String, u32)> {
    ARMED.get_or_init(|| {
        let v = std::env::var("GATECARE_FAILPOINT").ok().filter(|s| !s.is_empty())?;
        Some(match v.split_once(':') {
            Some((name, k)) => (name.to_owned(), k.parse().unwrap_or(1).max(1)),
            None => (v, 1),
        })
    })
}

pub fn hit(name: &str) {
    let Some((want, k)) = armed() else { return };
    if want != name || HITS.fetch_add(1, Ordering::SeqCst) + 1 != *k {
        return;
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "FAILPOINT {name}");
    let _ = out.flush();
    drop(out);
    // Wait for the SIGKILL; never continue past an armed failpoint.
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}
