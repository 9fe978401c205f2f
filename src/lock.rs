//! One run per output folder: an exclusive `flock` on `.casefile/lock`, taken before anything
//! is read or written and held until the run ends. The kernel releases it when the process
//! dies, however it dies, so a lock left by a dead run never blocks the next one. The file
//! holds a line naming the holder (pid, host, start time) for the message a second run prints.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::ledger::STATE_DIR;

/// Held while a run works on an output folder; released on drop (or process death).
#[derive(Debug)]
pub struct OutputLock {
    file: File,
    path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another live process holds the lock.
    #[error("{} is in use by another casefile run ({holder}); try again when it has finished", out.display())]
    Held { out: PathBuf, holder: String },
    #[error("cannot lock {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl OutputLock {
    /// Take the lock of an output folder, at once or not at all.
    pub fn acquire(out_dir: &Path) -> Result<OutputLock, LockError> {
        let dir = out_dir.join(STATE_DIR);
        let path = dir.join("lock");
        let io = |source| LockError::Io { path: path.clone(), source };
        crate::output::create_dir_all(&dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(crate::output::FILE_MODE)
            .open(&path)
            .map_err(io)?;
        // Created under the umask: set owner+group read/write exactly, like every output file.
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = file.metadata().map_err(io)?.permissions().mode() & 0o777;
            if mode != crate::output::FILE_MODE {
                let _ = file.set_permissions(std::fs::Permissions::from_mode(crate::output::FILE_MODE));
            }
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let holder = if holder.is_empty() { "holder unknown".to_string() } else { holder.to_string() };
                return Err(LockError::Held { out: out_dir.to_path_buf(), holder });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "this machine".into());
        let line = format!("pid {} on {host}, started {}\n", std::process::id(), chrono::Utc::now().to_rfc3339());
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(line.as_bytes()).map_err(io)?;
        let _ = file.sync_data();
        Ok(OutputLock { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_and_named_then_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutputLock::acquire(dir.path()).unwrap();
        match OutputLock::acquire(dir.path()) {
            Err(LockError::Held { holder, .. }) => assert!(holder.contains(&format!("pid {}", std::process::id())), "{holder}"),
            other => panic!("expected Held, got {other:?}"),
        }
        drop(first);
        OutputLock::acquire(dir.path()).expect("free again once dropped");
    }
}
