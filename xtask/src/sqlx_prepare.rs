//! `cargo xtask sqlx-prepare`: refresh the offline query data of both
//! central backends (`crates/gatecare-server-{sqlite,postgres}/.sqlx/`). It starts a throwaway SQLite file and PostgreSQL
//! cluster, applies each backend's migrations, and rebuilds the two crates
//! with their database URLs set, which makes the sqlx macros write the data.

use std::process::Command;

use anyhow::{Context, bail};

use crate::{root, step};
use gatecare_testkit::pg::Cluster;

const BACKENDS: [&str; 2] = ["gatecare-server-sqlite", "gatecare-server-postgres"];

fn migrations(krate: &str) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<_> = std::fs::read_dir(root().join("crates").join(krate).join("migrations"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    Ok(files)
}

pub fn prepare() -> anyhow::Result<()> {
    let tmp = std::env::temp_dir().join(format!("gatecare-sqlx-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let sqlite = tmp.join("central.sqlite");
    // Python's sqlite3 applies the files: the central binary cannot build
    // before the data this command produces.
    for f in migrations(BACKENDS[0])? {
        let ok = Command::new("python3")
            .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit()"])
            .arg(&sqlite)
            .arg(&f)
            .status()
            .context("python3")?;
        if !ok.success() {
            bail!("applying {} to SQLite failed", f.display());
        }
    }
    let pg = Cluster::start()?;
    pg.psql("postgres", &["-c", "CREATE DATABASE sqlx_prepare"])?;
    for f in migrations(BACKENDS[1])? {
        pg.psql("sqlx_prepare", &["-f", &f.to_string_lossy()])?;
    }
    // Each backend keeps its own `.sqlx/` beside its Cargo.toml: queries
    // without parameters read the same on both and would share a file.
    let urls = [format!("sqlite:{}", sqlite.display()), pg.url("sqlx_prepare")];
    let vars = ["GATECARE_SQLITE_URL", "GATECARE_POSTGRES_URL"];
    for ((k, url), var) in BACKENDS.iter().zip(&urls).zip(vars) {
        let dir = root().join("crates").join(k);
        let out = dir.join(".sqlx");
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out)?;
        // Touch so cargo re-expands the macros.
        let lib = dir.join("src/lib.rs");
        let text = std::fs::read(&lib)?;
        std::fs::write(&lib, text)?;
        let mut check = Command::new("cargo");
        check
            .current_dir(root())
            .args(["check", "-p", k])
            .env(var, url)
            .env("SQLX_OFFLINE", "false")
            .env("SQLX_OFFLINE_DIR", &out);
        step(&format!("cargo check -p {k} against a live database"), &mut check)?;
        println!("{k}: {} query files in {}", std::fs::read_dir(&out)?.count(), out.display());
        std::fs::write(&lib, std::fs::read(&lib)?)?;
    }
    drop(pg);
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}
