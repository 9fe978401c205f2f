//! Looking back at an output folder: `verify` re-hashes every output against the ledger, the
//! manifests and `index.jsonl`; `report` sums up the work done, without personal data.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::RunError;
use crate::ledger::{self, Ledger};
use crate::lock::{LockError, OutputLock};
use crate::manifest::{IndexLine, Manifest};

/// What `verify` found. Paths are relative to the output root.
#[derive(Debug, Default, Serialize)]
pub struct VerifyReport {
    pub documents_checked: usize,
    pub manifests_checked: usize,
    pub index_lines_checked: usize,
    /// Outputs the ledger or a manifest names that are not there.
    pub missing: Vec<String>,
    /// Outputs whose bytes no longer match their recorded SHA-256.
    pub altered: Vec<String>,
    /// Files in the output folder that no run wrote.
    pub orphaned: Vec<String>,
    /// The ledger, manifests and index disagree.
    pub inconsistent: Vec<String>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.altered.is_empty() && self.orphaned.is_empty() && self.inconsistent.is_empty()
    }
}

fn open_ledger(out: &Path) -> Result<Ledger, RunError> {
    match Ledger::open_existing(out) {
        Ok(Some(l)) => Ok(l),
        Ok(None) => Err(RunError::Usage(format!("{}: no casefile output here (no {}/ledger)", out.display(), ledger::STATE_DIR))),
        Err(e) => Err(RunError::Output { path: out.to_path_buf(), message: e.to_string() }),
    }
}

fn sha_of(path: &Path) -> Option<String> {
    std::fs::read(path).ok().map(|b| crate::load::hex(&Sha256::digest(&b)))
}

/// Check every output of an output folder. Takes the folder's lock, so that a run in progress
/// is not mistaken for damage.
pub fn verify(out: &Path) -> Result<VerifyReport, RunError> {
    if !out.is_dir() {
        return Err(RunError::Usage(format!("{}: no such folder", out.display())));
    }
    let ledger = open_ledger(out)?;
    let _lock = OutputLock::acquire(out).map_err(|e| match e {
        LockError::Held { .. } => RunError::Locked(e.to_string()),
        LockError::Io { path, source } => RunError::Output { path, message: source.to_string() },
    })?;
    let lerr = |e: ledger::LedgerError| RunError::Output { path: out.to_path_buf(), message: e.to_string() };
    let mut report = VerifyReport::default();
    let mut known: HashSet<PathBuf> = HashSet::new();

    // Documents, by the ledger.
    let docs = ledger.documents().map_err(lerr)?;
    let mut by_pdf: HashMap<&str, &ledger::DocRow> = HashMap::new();
    for d in &docs {
        by_pdf.insert(d.pdf.as_str(), d);
        known.insert(PathBuf::from(&d.pdf));
        if d.state != "written" {
            report.inconsistent.push(format!("{}: recorded as being written by run {} (the next run finishes it)", d.pdf, d.run_id));
            continue;
        }
        report.documents_checked += 1;
        match sha_of(&out.join(&d.pdf)) {
            None => report.missing.push(d.pdf.clone()),
            Some(sha) if sha != d.sha256 => report.altered.push(d.pdf.clone()),
            Some(_) => {}
        }
    }

    // Manifests, by the ledger, and the documents they list.
    for run in ledger.runs().map_err(lerr)? {
        let (Some(rel), Some(sha)) = (&run.manifest, &run.manifest_sha256) else { continue };
        known.insert(PathBuf::from(rel));
        report.manifests_checked += 1;
        let path = out.join(rel);
        let Ok(bytes) = std::fs::read(&path) else {
            report.missing.push(rel.clone());
            continue;
        };
        if &crate::load::hex(&Sha256::digest(&bytes)) != sha {
            report.altered.push(rel.clone());
            continue;
        }
        match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(m) => {
                for d in &m.documents {
                    match by_pdf.get(d.pdf.path.as_str()) {
                        Some(row) if row.sha256 == d.pdf.sha256 && row.id == d.id => {}
                        Some(_) => report.inconsistent.push(format!("{}: {} and the ledger disagree", d.pdf.path, rel)),
                        None => report.inconsistent.push(format!("{}: listed in {} but unknown to the ledger", d.pdf.path, rel)),
                    }
                }
            }
            Err(e) => report.inconsistent.push(format!("{rel}: not a manifest this version reads ({e})")),
        }
    }

    // The index: one line per written document, matching the ledger.
    let index = out.join("index.jsonl");
    let mut indexed: HashSet<String> = HashSet::new();
    if let Ok(text) = std::fs::read_to_string(&index) {
        for (n, line) in text.lines().enumerate() {
            report.index_lines_checked += 1;
            match serde_json::from_str::<IndexLine>(line) {
                Ok(l) => {
                    match by_pdf.get(l.pdf.as_str()) {
                        Some(row) if row.sha256 == l.sha256 && row.id == l.document_id => {}
                        _ => report.inconsistent.push(format!("index.jsonl line {}: {} does not match the ledger", n + 1, l.pdf)),
                    }
                    indexed.insert(l.pdf);
                }
                Err(_) => report.inconsistent.push(format!("index.jsonl line {}: not an index line", n + 1)),
            }
        }
    }
    for d in docs.iter().filter(|d| d.state == "written") {
        if !indexed.contains(&d.pdf) {
            report.inconsistent.push(format!("{}: written but missing from index.jsonl", d.pdf));
        }
    }

    // Orphans: anything else in the output folder.
    for entry in walkdir::WalkDir::new(out).min_depth(1).into_iter().filter_entry(|e| e.depth() != 1 || e.file_name() != ledger::STATE_DIR) {
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(out).unwrap_or(entry.path()).to_path_buf();
        if rel == Path::new("index.jsonl") || known.contains(&rel) {
            continue;
        }
        report.orphaned.push(rel.to_string_lossy().into_owned());
    }
    report.missing.sort();
    report.altered.sort();
    report.orphaned.sort();
    Ok(report)
}

/// The work done in an output folder, for a supervisor: counts only, no names, no paths.
#[derive(Debug, Default, Serialize)]
pub struct WorkReport {
    /// First day counted (YYYY-MM-DD), when limited.
    pub since: Option<String>,
    pub runs: u32,
    pub interrupted_runs: u32,
    pub pages: u32,
    pub documents: u32,
    pub review: u32,
    pub inputs_processed: u32,
    pub inputs_failed: u32,
    pub by_form: BTreeMap<String, u32>,
    pub by_day: BTreeMap<String, DayFigures>,
}

#[derive(Debug, Default, Serialize)]
pub struct DayFigures {
    pub runs: u32,
    pub pages: u32,
    pub documents: u32,
    pub review: u32,
}

/// Sum up the ledger of an output folder (current documents only: superseded ones are not
/// counted twice). `since` is a date, YYYY-MM-DD.
pub fn report(out: &Path, since: Option<&str>) -> Result<WorkReport, RunError> {
    if let Some(s) = since {
        if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_err() {
            return Err(RunError::Usage(format!("--since {s:?}: expected a date as YYYY-MM-DD")));
        }
    }
    let ledger = open_ledger(out)?;
    let lerr = |e: ledger::LedgerError| RunError::Output { path: out.to_path_buf(), message: e.to_string() };
    let mut r = WorkReport { since: since.map(str::to_string), ..WorkReport::default() };
    for run in ledger.runs().map_err(lerr)? {
        let day = run.started.get(..10).unwrap_or("").to_string();
        if since.is_some_and(|s| day.as_str() < s) {
            continue;
        }
        r.runs += 1;
        if run.status == "interrupted" {
            r.interrupted_runs += 1;
        }
        r.inputs_processed += run.inputs_processed;
        r.inputs_failed += run.inputs_failed;
        r.by_day.entry(day).or_default().runs += 1;
    }
    for (day, form, pages, review) in ledger.documents_since(since).map_err(lerr)? {
        r.pages += pages;
        r.documents += 1;
        *r.by_form.entry(form).or_default() += 1;
        let d = r.by_day.entry(day).or_default();
        d.pages += pages;
        d.documents += 1;
        if review {
            r.review += 1;
            d.review += 1;
        }
    }
    Ok(r)
}

/// The report as text a technician can paste into an email.
pub fn render_report(r: &WorkReport) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "casefile work report{}", r.since.as_ref().map(|d| format!(" since {d}")).unwrap_or_default());
    let _ = writeln!(
        s,
        "runs: {} ({} interrupted)   inputs: {} processed, {} failed",
        r.runs, r.interrupted_runs, r.inputs_processed, r.inputs_failed
    );
    let _ = writeln!(s, "documents: {}   pages: {}   needing review: {}", r.documents, r.pages, r.review);
    if !r.by_form.is_empty() {
        let _ = writeln!(s, "\nby form:");
        for (form, n) in &r.by_form {
            let _ = writeln!(s, "  {form:<14} {n:>7}");
        }
    }
    if !r.by_day.is_empty() {
        let _ = writeln!(s, "\n  {:<12} {:>5} {:>9} {:>7} {:>7}", "day", "runs", "documents", "pages", "review");
        for (day, d) in &r.by_day {
            let _ = writeln!(s, "  {day:<12} {:>5} {:>9} {:>7} {:>7}", d.runs, d.documents, d.pages, d.review);
        }
    }
    s
}
