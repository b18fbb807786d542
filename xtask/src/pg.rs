//! A throwaway PostgreSQL cluster under /tmp (Debian's binaries), for
//! `sqlx-prepare` and the benchmark. As root it runs as `postgres`, since
//! initdb refuses root.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    pub port: u16,
    as_postgres: bool,
}

fn bin_dir() -> anyhow::Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL is not installed (cargo xtask deps installs it)")?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, p): &(u32, PathBuf)| p.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p).context("no /usr/lib/postgresql/*/bin/initdb")
}

impl Cluster {
    fn tool(&self, name: &str) -> Command {
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(self.bin.join(name));
            c
        } else {
            Command::new(self.bin.join(name))
        }
    }

    pub fn start() -> anyhow::Result<Cluster> {
        let bin = bin_dir()?;
        let as_postgres = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let dir = std::env::temp_dir().join(format!("gatecare-xtask-pg-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let c = Cluster { dir, bin, port, as_postgres };
        if as_postgres
            && !Command::new("chown").args(["-R", "postgres:postgres"]).arg(&c.dir).status()?.success()
        {
            bail!("chown of {} failed", c.dir.display());
        }
        let out = c
            .tool("initdb")
            .arg("-D")
            .arg(c.dir.join("data"))
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"])
            .output()?;
        if !out.status.success() {
            bail!("initdb: {}", String::from_utf8_lossy(&out.stderr));
        }
        let opts = format!("-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", c.dir.display());
        let out = c
            .tool("pg_ctl")
            .arg("-D")
            .arg(c.dir.join("data"))
            .args(["-w", "-t", "60", "-l"])
            .arg(c.dir.join("log"))
            .args(["-o", &opts, "start"])
            .output()?;
        if !out.status.success() {
            bail!("pg_ctl start: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(c)
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    pub fn psql(&self, db: &str, args: &[&str]) -> anyhow::Result<()> {
        let out = Command::new(self.bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                db,
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
            ])
            .args(args)
            .output()?;
        if !out.status.success() {
            bail!("psql: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
