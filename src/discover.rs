//! Stage 1, discover: walk the input roots and list the scans in them, in natural order.
//!
//! A file is a scan when its first bytes say so (JPEG, PNG, BMP, TIFF, PDF), whatever its name.
//! A file whose *name* says it is a scan but whose bytes do not is reported (it is probably
//! damaged); anything else (scanner sidecars, notes, thumbnails databases) is ignored quietly.
//! Hidden files and folders, partial downloads and editor temporaries are never taken, nor is
//! anything under the output folder.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use walkdir::WalkDir;

/// The container format of a scan, decided by magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Jpeg,
    Png,
    Bmp,
    Tiff,
    Pdf,
}

/// One input file found under a root.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// The root it was found under, as given on the command line.
    pub root: PathBuf,
    /// Its path relative to the root (the file name when the root is the file itself).
    pub rel_path: PathBuf,
    /// The path to open.
    pub path: PathBuf,
    pub size: u64,
    pub mtime: Option<SystemTime>,
    pub kind: FileKind,
}

/// Something under a root that looked like a scan but could not be taken.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub root: PathBuf,
    pub rel_path: PathBuf,
    pub path: PathBuf,
    pub reason: String,
    /// The manifest's error kind: `io` (cannot be read), `corrupt` (empty), `unsupported`.
    pub kind: &'static str,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Discovery {
    pub inputs: Vec<InputFile>,
    pub rejected: Vec<Rejected>,
    /// Files passed over because they are not scans (not an error).
    pub ignored: usize,
}

/// Extensions that promise a scan: a file with one of these that is not a scan is reported.
const SCAN_EXTENSIONS: &[&str] = &["jpg", "jpeg", "jpe", "png", "bmp", "tif", "tiff", "pdf"];
/// Suffixes of files a scanner, browser or editor is still writing.
const PARTIAL_SUFFIXES: &[&str] = &[".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", "~", ".swp"];

/// Magic-byte signatures of the formats we read.
pub fn sniff(head: &[u8]) -> Option<FileKind> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        Some(FileKind::Tiff)
    } else if head.starts_with(b"BM") && head.len() >= 18 {
        Some(FileKind::Bmp)
    } else if memfind(head, b"%PDF-").is_some() {
        // The PDF header may follow a little junk (allowed within the first 1024 bytes).
        Some(FileKind::Pdf)
    } else {
        None
    }
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('.')
}

fn is_partial(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    PARTIAL_SUFFIXES.iter().any(|s| lower.ends_with(s)) || lower.starts_with("~$")
}

fn has_scan_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| SCAN_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        .unwrap_or(false)
}

/// Walk every root and return the scans in processing order: roots in the order given, and
/// inside a root a natural sort of the relative path (`scan_2` before `scan_10`).
/// `exclude` (the output folder) is never entered. The same file reached twice (a root given
/// twice, nested roots) is taken once.
pub fn discover(roots: &[PathBuf], exclude: Option<&Path>) -> Discovery {
    let exclude = exclude.and_then(|p| p.canonicalize().ok());
    let mut out = Discovery::default();
    let mut seen = std::collections::HashSet::new();

    for root in roots {
        let mut found: Vec<InputFile> = Vec::new();
        let walker = WalkDir::new(root).follow_links(true).into_iter().filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            if is_hidden(&name) {
                return false;
            }
            match (&exclude, e.file_type().is_dir()) {
                (Some(ex), true) => e.path().canonicalize().map(|c| &c != ex).unwrap_or(true),
                _ => true,
            }
        });
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = err.path().map(Path::to_path_buf).unwrap_or_else(|| root.clone());
                    let reason = if err.loop_ancestor().is_some() {
                        "symbolic link loop; not followed".to_string()
                    } else {
                        format!("cannot read: {}", err.io_error().map(|e| e.to_string()).unwrap_or_else(|| err.to_string()))
                    };
                    out.rejected.push(Rejected {
                        root: root.clone(),
                        rel_path: rel(root, &path),
                        path,
                        reason,
                        kind: "io",
                    });
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.depth() > 0 && is_partial(&name) {
                out.ignored += 1;
                continue;
            }
            let path = entry.path().to_path_buf();
            let rel_path = rel(root, &path);
            // The manifest (JSON, UTF-8) must name the file exactly, or it cannot be traced back.
            if path.to_str().is_none() {
                out.rejected.push(Rejected {
                    root: root.clone(),
                    rel_path,
                    path,
                    reason: "its name is not valid UTF-8, so the manifest cannot name it; rename the file (or the folder)".to_string(),
                    kind: "unsupported",
                });
                continue;
            }
            match classify_file(&path) {
                Ok(Some((kind, size, mtime))) => {
                    let key = path.canonicalize().unwrap_or_else(|_| path.clone());
                    if !seen.insert(key) {
                        continue;
                    }
                    found.push(InputFile { root: root.clone(), rel_path, path, size, mtime, kind });
                }
                Ok(None) if has_scan_extension(&path) => out.rejected.push(Rejected {
                    root: root.clone(),
                    rel_path,
                    path,
                    reason: "its name says scan but its content is not JPEG, PNG, BMP, TIFF or PDF"
                        .to_string(),
                    kind: "unsupported",
                }),
                Ok(None) => out.ignored += 1,
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    out.rejected.push(Rejected { root: root.clone(), rel_path, path, reason: e.to_string(), kind: "corrupt" })
                }
                Err(e) => out.rejected.push(Rejected { root: root.clone(), rel_path, path, reason: format!("cannot read: {e}"), kind: "io" }),
            }
        }
        found.sort_by(|a, b| natord::compare(&a.rel_path.to_string_lossy(), &b.rel_path.to_string_lossy()));
        out.inputs.extend(found);
    }
    out
}

/// Refuse an input root that is the output folder or lies inside it: its files are outputs,
/// and every run would take the last run's PDFs as new scans.
pub fn check_roots(roots: &[PathBuf], out_dir: &Path) -> Result<(), String> {
    let Ok(out) = out_dir.canonicalize() else { return Ok(()) };
    for root in roots {
        if root.canonicalize().is_ok_and(|r| r.starts_with(&out)) {
            return Err(format!(
                "input {} is inside the output folder {}; outputs are never taken as inputs",
                root.display(),
                out_dir.display()
            ));
        }
    }
    Ok(())
}

/// The path relative to its root; a root that is itself a file gives its file name.
fn rel(root: &Path, path: &Path) -> PathBuf {
    match path.strip_prefix(root) {
        Ok(r) if !r.as_os_str().is_empty() => r.to_path_buf(),
        _ => path.file_name().map(PathBuf::from).unwrap_or_else(|| path.to_path_buf()),
    }
}

/// Open a file and decide by its first bytes whether it is a scan.
fn classify_file(path: &Path) -> std::io::Result<Option<(FileKind, u64, Option<SystemTime>)>> {
    let mut f = File::open(path)?;
    let meta = f.metadata()?;
    let mut head = [0u8; 1024];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..])? {
            0 => break,
            k => n += k,
        }
    }
    if n == 0 && has_scan_extension(path) {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "damaged or invalid file: empty file (0 bytes)"));
    }
    Ok(sniff(&head[..n]).map(|k| (k, meta.len(), meta.modified().ok())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(FileKind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(FileKind::Png));
        assert_eq!(sniff(b"II*\0...."), Some(FileKind::Tiff));
        assert_eq!(sniff(b"MM\0*...."), Some(FileKind::Tiff));
        assert_eq!(sniff(b"junk\n%PDF-1.7\n"), Some(FileKind::Pdf));
        assert_eq!(sniff(b"hello world, not a scan"), None);
    }

    #[test]
    fn partial_and_hidden_names() {
        assert!(is_partial("scan.pdf.part"));
        assert!(is_partial("scan.tmp"));
        assert!(is_partial("scan.jpg~"));
        assert!(!is_partial("scan.jpg"));
        assert!(is_hidden(".DS_Store"));
    }

    #[test]
    fn natural_order_and_filters() {
        let dir = tempfile::tempdir().unwrap();
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0];
        for name in ["scan_10.jpg", "scan_2.jpg", "scan_1.jpg", "scan_3.jpg.part", ".hidden.jpg", "notes.txt"] {
            std::fs::write(dir.path().join(name), if name.ends_with(".txt") { &b"text"[..] } else { &jpeg[..] }).unwrap();
        }
        std::fs::write(dir.path().join("fake.pdf"), b"this is text").unwrap();
        let d = discover(&[dir.path().to_path_buf()], None);
        let names: Vec<_> = d.inputs.iter().map(|i| i.rel_path.to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["scan_1.jpg", "scan_2.jpg", "scan_10.jpg"]);
        assert_eq!(d.rejected.len(), 1, "fake.pdf is reported");
        assert_eq!(d.ignored, 2, "partial file and notes.txt are ignored");
        // The same root twice: nothing taken twice.
        let d2 = discover(&[dir.path().to_path_buf(), dir.path().to_path_buf()], None);
        assert_eq!(d2.inputs.len(), 3);
    }
}
