//! A throwaway PostgreSQL cluster under the temporary folder, from Debian's
//! binaries (the newest `/usr/lib/postgresql/*/bin`), on a free loopback
//! port, trusting local connections and with `fsync=off`: its data is never
//! worth keeping. As root it runs as `postgres`, since initdb refuses root.

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("PostgreSQL is not installed (Debian package postgresql; cargo xtask deps installs it)")]
    NotInstalled,
    #[error("{step}: {detail}")]
    Step { step: &'static str, detail: String },
}

fn step(step: &'static str) -> impl Fn(std::io::Error) -> ClusterError {
    move |e| ClusterError::Step { step, detail: e.to_string() }
}

pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// The newest installed server's binaries.
fn bin_dir() -> Result<PathBuf, ClusterError> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| ClusterError::NotInstalled)?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, p): &(u32, PathBuf)| p.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p).ok_or(ClusterError::NotInstalled)
}

fn free_port() -> Result<u16, ClusterError> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(step("a free port"))?
        .port())
}

impl Cluster {
    /// Creates and starts a cluster; `Drop` (or [`Cluster::stop`]) removes it.
    pub fn start() -> Result<Cluster, ClusterError> {
        let bin = bin_dir()?;
        // SAFETY: geteuid has no preconditions.
        let as_postgres = unsafe { libc::geteuid() } == 0;
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("gatecare-pg-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(step("the cluster's folder"))?;
        let cluster = Cluster { dir, bin, port, as_postgres };
        if as_postgres {
            let chown = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&cluster.dir)
                .status()
                .map_err(step("chown"))?;
            if !chown.success() {
                return Err(ClusterError::Step { step: "chown", detail: cluster.dir.display().to_string() });
            }
        }
        let data = cluster.dir.join("data");
        let out = cluster
            .tool("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"])
            .output()
            .map_err(step("initdb"))?;
        if !out.status.success() {
            let detail = String::from_utf8_lossy(&out.stderr).into_owned();
            return Err(ClusterError::Step { step: "initdb", detail });
        }
        // Enough connections for every test's pools at once.
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
            cluster.dir.display()
        );
        let log = cluster.dir.join("log");
        let out = cluster
            .tool("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-w", "-t", "60", "-l"])
            .arg(&log)
            .args(["-o", &options, "start"])
            .output()
            .map_err(step("pg_ctl start"))?;
        if !out.status.success() {
            let detail = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            return Err(ClusterError::Step { step: "pg_ctl start", detail });
        }
        Ok(cluster)
    }

    fn tool(&self, name: &str) -> Command {
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(self.bin.join(name));
            c
        } else {
            Command::new(self.bin.join(name))
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Runs `psql` on database `db` with `args` (e.g. `["-c", "CREATE …"]`).
    pub fn psql(&self, db: &str, args: &[&str]) -> Result<(), ClusterError> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", "-d", db])
            .args(["-q", "-v", "ON_ERROR_STOP=1"])
            .args(args)
            .output()
            .map_err(step("psql"))?;
        if !out.status.success() {
            return Err(ClusterError::Step {
                step: "psql",
                detail: String::from_utf8_lossy(&out.stderr).into_owned(),
            });
        }
        Ok(())
    }

    /// Stops the server and removes its folder; safe to call twice. For a
    /// cluster held in a `static`, which is never dropped.
    pub fn stop(&self) {
        let _ = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}
