//! Printers. [`CupsPrinter`] submits with `lp` and reads job states with
//! `lpstat`; [`FakePrinter`] records jobs for UI tests that run beside the
//! real CUPS test, never instead of it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState {
    Pending,
    Completed,
    /// Gone from the queue without completing (cancelled or aborted).
    Failed {
        detail: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("cannot run {command}: {source}")]
    Spawn { command: &'static str, source: std::io::Error },
    #[error("the print system refused the job: {0}")]
    Refused(String),
    #[error("the job did not finish within {0:?}")]
    Timeout(Duration),
}

impl PrintError {
    pub fn code(&self) -> &'static str {
        match self {
            PrintError::Spawn { .. } => "print.unavailable",
            PrintError::Refused(_) => "print.refused",
            PrintError::Timeout(_) => "print.timeout",
        }
    }
}

pub trait Printer: Send + Sync {
    fn name(&self) -> String;
    /// Submits a PDF; returns the job id.
    fn submit(&self, pdf: &Path, media: &str, title: &str) -> Result<String, PrintError>;
    fn state(&self, job: &str) -> Result<JobState, PrintError>;

    /// Polls until the job completes or fails.
    fn wait(&self, job: &str, timeout: Duration) -> Result<JobState, PrintError> {
        let start = Instant::now();
        loop {
            match self.state(job)? {
                JobState::Pending if start.elapsed() < timeout => {
                    std::thread::sleep(Duration::from_millis(200))
                }
                JobState::Pending => return Err(PrintError::Timeout(timeout)),
                done => return Ok(done),
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct CupsPrinter {
    pub queue: String,
}

fn run(command: &'static str, args: &[&str]) -> Result<std::process::Output, PrintError> {
    Command::new(command).args(args).output().map_err(|source| PrintError::Spawn { command, source })
}

/// A job id from `lp`: "request id is Q-12 (1 file(s))".
pub fn parse_request_id(stdout: &str) -> Option<String> {
    stdout.split_whitespace().skip_while(|w| *w != "is").nth(1).map(str::to_owned)
}

impl Printer for CupsPrinter {
    fn name(&self) -> String {
        format!("cups:{}", self.queue)
    }

    fn submit(&self, pdf: &Path, media: &str, title: &str) -> Result<String, PrintError> {
        let path = pdf.to_string_lossy();
        // Titles become file names on some printers: keep them plain.
        let title: String =
            title.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).take(60).collect();
        let out =
            run("lp", &["-d", &self.queue, "-t", &title, "-o", &format!("media={media}"), "--", &path])?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(PrintError::Refused(String::from_utf8_lossy(&out.stderr).trim().to_owned()));
        }
        parse_request_id(&stdout)
            .ok_or_else(|| PrintError::Refused(format!("unexpected lp output: {stdout}")))
    }

    fn state(&self, job: &str) -> Result<JobState, PrintError> {
        let listed = |args: &[&str]| -> Result<bool, PrintError> {
            let out = run("lpstat", args)?;
            Ok(String::from_utf8_lossy(&out.stdout).lines().any(|l| l.split_whitespace().next() == Some(job)))
        };
        // A job that has just finished can be in neither list for a moment
        // (seen under load: gone from the queue, not yet among the
        // completed): ask again a few times before calling it unknown.
        let mut completed = false;
        for attempt in 0..5 {
            if listed(&["-o", &self.queue])? {
                return Ok(JobState::Pending);
            }
            if listed(&["-W", "completed", "-o", &self.queue])? {
                completed = true;
                break;
            }
            if attempt < 4 {
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        if completed {
            // Completed jobs include cancelled and aborted ones; -l says which.
            let out = run("lpstat", &["-l", "-W", "completed", "-o", &self.queue])?;
            let text = String::from_utf8_lossy(&out.stdout);
            let mut in_job = false;
            for line in text.lines() {
                if !line.starts_with(char::is_whitespace) {
                    in_job = line.split_whitespace().next() == Some(job);
                } else if in_job
                    && (line.contains("aborted") || line.contains("canceled") || line.contains("cancelled"))
                {
                    return Ok(JobState::Failed { detail: line.trim().to_owned() });
                }
            }
            return Ok(JobState::Completed);
        }
        Ok(JobState::Failed { detail: format!("job {job} is not known to {}", self.queue) })
    }
}

/// Where this process keeps documents until CUPS has them: a folder of its
/// own inside the device's data folder (the store's), created fresh with
/// mode 0700 (a folder or link already there is refused, never used). Each
/// document is created new (never an existing file, never through a link),
/// 0600, and removed as soon as it is submitted: `lp` hands CUPS a copy.
/// The folder goes when the spool is dropped.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    next: std::sync::atomic::AtomicU64,
}

/// Removes `spool-<pid>-…` folders in `parent` whose process no longer
/// runs. Best effort: a folder that cannot be removed is left.
fn remove_abandoned(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) =
            name.to_str().and_then(|n| n.strip_prefix("spool-")?.split('-').next()?.parse::<u32>().ok())
        else {
            continue;
        };
        let gone = !Path::new(&format!("/proc/{pid}")).exists();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if gone && is_dir && pid != std::process::id() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Spool {
    /// A fresh spool folder in `parent`. The folders of processes that are
    /// gone (stopped by a signal, so their folder was not removed) are
    /// removed first, with whatever vouchers they still held.
    pub fn create_in(parent: &Path) -> std::io::Result<Spool> {
        use std::os::unix::fs::DirBuilderExt;
        remove_abandoned(parent);
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(|e| std::io::Error::other(e.to_string()))?;
        let dir = parent.join(format!("spool-{}-{:016x}", std::process::id(), u64::from_le_bytes(random)));
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        Ok(Spool { dir, next: std::sync::atomic::AtomicU64::new(1) })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes a document as `name-N.pdf`: created new, owner-only, not
    /// through a link. Returns its path.
    pub fn write(&self, name: &str, pdf: &[u8]) -> std::io::Result<PathBuf> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let plain: String =
            name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(80).collect();
        let path = self.dir.join(format!("{plain}-{n}.pdf"));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)?;
        f.write_all(pdf)?;
        Ok(path)
    }

    /// Submits a spooled file and removes it: CUPS has its own copy once
    /// `lp` returns, and a refused job is not retried from here.
    pub fn submit(
        &self,
        printer: &dyn Printer,
        file: &Path,
        media: &str,
        title: &str,
    ) -> Result<String, PrintError> {
        let job = printer.submit(file, media, title);
        let _ = std::fs::remove_file(file);
        job
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Prints a document through `spool` and waits for it (30 s at most).
/// Returns the final state.
pub fn print_document(
    printer: &dyn Printer,
    spool: &Spool,
    name: &str,
    pdf: &[u8],
    media: &str,
) -> Result<JobState, PrintError> {
    let job = submit_document(printer, spool, name, pdf, media)?;
    printer.wait(&job, Duration::from_secs(30))
}

/// Spools a document and submits it; returns the job id without waiting (a
/// whole flight's vouchers take minutes on a receipt printer: the screen
/// asks for the job's state).
pub fn submit_document(
    printer: &dyn Printer,
    spool: &Spool,
    name: &str,
    pdf: &[u8],
    media: &str,
) -> Result<String, PrintError> {
    let file = spool
        .write(name, pdf)
        .map_err(|e| PrintError::Refused(format!("spool {}: {e}", spool.path().display())))?;
    spool.submit(printer, &file, media, name)
}

/// Records jobs, keeping each document's bytes as CUPS keeps a copy; for
/// tests beside the real CUPS test only.
#[derive(Debug, Default)]
pub struct FakePrinter {
    /// The spooled path, the media and the document.
    pub jobs: Mutex<Vec<(String, String, Vec<u8>)>>,
    pub fail: bool,
}

impl Printer for FakePrinter {
    fn name(&self) -> String {
        "fake".into()
    }

    fn submit(&self, pdf: &Path, media: &str, _title: &str) -> Result<String, PrintError> {
        if self.fail {
            return Err(PrintError::Refused("the fake printer is out of paper".into()));
        }
        let bytes = std::fs::read(pdf).map_err(|e| PrintError::Refused(e.to_string()))?;
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        jobs.push((pdf.display().to_string(), media.to_owned(), bytes));
        Ok(format!("fake-{}", jobs.len()))
    }

    fn state(&self, _job: &str) -> Result<JobState, PrintError> {
        Ok(JobState::Completed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lp_request_ids() {
        assert_eq!(
            parse_request_id("request id is GatecarePDF-12 (1 file(s))\n").as_deref(),
            Some("GatecarePDF-12")
        );
        assert_eq!(parse_request_id("nothing here"), None);
    }
}
