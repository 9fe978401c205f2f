//! Writing outputs safely: every file appears whole or not at all (written to a temporary file
//! in the same folder, flushed, then renamed), an existing file is never replaced, and files
//! and folders are readable by owner and group only, whatever the umask.

use std::fs::{self, DirBuilder, Permissions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub const FILE_MODE: u32 = 0o640;
pub const DIR_MODE: u32 = 0o750;

/// Create a folder (and its missing parents) with owner+group permissions. Every folder it
/// creates gets exactly DIR_MODE, whatever the umask; existing folders are left as they are.
pub fn create_dir_all(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_all(parent)?;
    }
    match DirBuilder::new().mode(DIR_MODE).create(path) {
        Ok(()) => {}
        // Another writer made it meanwhile.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => return Ok(()),
        Err(e) => return Err(e),
    }
    // The umask may have removed bits; set them exactly.
    fs::set_permissions(path, Permissions::from_mode(DIR_MODE))
}

/// Write `bytes` to `path` atomically, refusing to replace an existing file
/// (`ErrorKind::AlreadyExists`).
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new().prefix(".casefile-").suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().set_permissions(Permissions::from_mode(FILE_MODE))?;
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

/// `path` if nothing is there, else the first free `stem-2.ext`, `stem-3.ext`, ... (the caller
/// holds the output lock, so the name stays free until it writes).
pub fn free_name(path: &Path) -> std::io::Result<PathBuf> {
    let mut candidate = path.to_path_buf();
    for n in 2..100_000u32 {
        match fs::symlink_metadata(&candidate) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(candidate),
            Err(e) => return Err(e),
            Ok(_) => {
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                let ext = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
                candidate = path.with_file_name(format!("{stem}-{n}{ext}"));
            }
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free file name"))
}

/// Remove the temporary files (`.casefile-*.tmp`) a killed run left under `root`.
pub fn remove_temporaries(root: &Path) {
    for entry in walkdir::WalkDir::new(root).into_iter().filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file() && name.starts_with(".casefile-") && name.ends_with(".tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Append one line to a file (created owner+group only), flushed to disk.
pub fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = fs::OpenOptions::new().create(true).append(true).mode(FILE_MODE).open(path)?;
    // A file just created had the umask applied: set the mode exactly (only if it is ours).
    let meta = f.metadata()?;
    if meta.len() == 0 && meta.permissions().mode() & 0o777 != FILE_MODE {
        f.set_permissions(Permissions::from_mode(FILE_MODE))?;
    }
    f.write_all(format!("{line}\n").as_bytes())?;
    f.sync_data()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_overwrites_and_sets_modes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/a.pdf");
        write_new(&p, b"one").unwrap();
        assert_eq!(write_new(&p, b"two").unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&p).unwrap(), b"one");
        let second = free_name(&p).unwrap();
        assert_eq!(second.file_name().unwrap(), "a-2.pdf");
        write_new(&second, b"two").unwrap();
        assert_eq!(fs::metadata(&p).unwrap().permissions().mode() & 0o777, FILE_MODE);
        assert_eq!(fs::metadata(p.parent().unwrap()).unwrap().permissions().mode() & 0o777, DIR_MODE);
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(p.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
