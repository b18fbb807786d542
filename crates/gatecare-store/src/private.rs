//! A device's secrets at rest: the store holds the signing key, the device
//! token, manifests and (on consoles) agents' PIN hashes, so the store and
//! its SQLite companions (`-wal`, `-shm`) are readable by their owner only,
//! in a folder only the owner may list. A store written by an older build
//! with default permissions is tightened when opened; a file the process
//! cannot tighten stops it with a clear message.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What could not be made owner-only.
#[derive(Debug, thiserror::Error)]
// `cause` is in the message, not a `source`: an error chain printed whole
// (`{:#}`) would say it twice.
#[error("{path} must be readable by its owner only and could not be made so: {cause}")]
pub struct NotPrivate {
    pub path: PathBuf,
    pub cause: std::io::Error,
}

/// Files and folders this process creates from now on are its owner's only
/// (umask 077): the store's `-wal` and `-shm`, spooled vouchers, exports.
/// The app and the `gatecare` command call it first thing.
pub fn keep_new_files_private() {
    // SAFETY: umask only sets the process's file-creation mask; it cannot
    // fail and touches no memory.
    unsafe {
        libc::umask(0o077);
    }
}

/// Makes `store` (and its `-wal`/`-shm`, where they exist) owner-only and
/// its folder too, creating the folder 0700 when missing. A shared folder
/// (sticky, such as `/tmp`) or one of another owner is left as it is: the
/// files themselves are still made private.
pub fn tighten(store: &Path) -> Result<(), NotPrivate> {
    fn fail(path: &Path) -> impl FnOnce(std::io::Error) -> NotPrivate + '_ {
        move |cause| NotPrivate { path: path.to_owned(), cause }
    }
    // A bare file name's folder is the working folder.
    if let Some(dir) = store.parent().map(|d| if d.as_os_str().is_empty() { Path::new(".") } else { d }) {
        match std::fs::metadata(dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(fail(dir))?;
            }
            Err(e) => return Err(fail(dir)(e)),
            Ok(m) => {
                let shared = m.mode() & 0o1000 != 0;
                // SAFETY: geteuid cannot fail and touches no memory.
                let mine = m.uid() == unsafe { libc::geteuid() };
                if mine && !shared && m.mode() & 0o077 != 0 {
                    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                        .map_err(fail(dir))?;
                }
            }
        }
    }
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", store.display()));
        match std::fs::symlink_metadata(&file) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(fail(&file)(e)),
            Ok(m) if m.file_type().is_symlink() => {
                let refused = std::io::Error::other("it is a symbolic link; the store must be a plain file");
                return Err(fail(&file)(refused));
            }
            Ok(m) if m.mode() & 0o077 != 0 => {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .map_err(fail(&file))?;
            }
            Ok(_) => {}
        }
    }
    Ok(())
}
