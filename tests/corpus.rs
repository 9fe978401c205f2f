//! The real files in ../shared/corpus: OPM's encrypted SF 2809 and a peer project's awkward
//! PDFs and images. Each yields a valid searchable PDF or is reported as failed with one clear
//! line; nothing panics or hangs. Skipped (and says so) where ../shared is absent.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;

/// Time one file may take. Most take seconds; cardinal.pdf (sideways JBIG2 pages, rendered,
/// recognised without orientation correction yet) takes over a minute on 2 busy cores.
const PER_FILE_LIMIT: Duration = Duration::from_secs(300);

#[test]
fn encrypted_sf2809_opens_and_every_page_is_searchable() {
    let Some(corpus) = shared_corpus() else { return };
    let input = corpus.join("real/sf2809-nov2014.pdf");
    let out = tempfile::tempdir().unwrap();
    let o = run(&[&input], out.path(), &["--split", "file"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(out.path());
    check_manifest(out.path(), &m);
    let pdf = out.path().join(m["documents"][0]["pdf"]["path"].as_str().unwrap());
    assert_qpdf_ok(&pdf);
    assert_eq!(pdf_pages(&pdf), 15);
    for page in 1..=15 {
        let text = pdftotext(&pdf, Some(page));
        assert!(text.split_whitespace().count() >= 20, "page {page} has a text layer:\n{text}");
    }
    let form = pdftotext(&pdf, Some(14));
    for phrase in ["Health Benefits Election Form", "OMB No. 3206-0160", "Enrollee"] {
        assert!(form.contains(phrase), "page 14 reads {phrase:?}");
    }
    // The output is not encrypted any more: any reader opens it.
    assert!(!String::from_utf8_lossy(&std::fs::read(&pdf).unwrap()).contains("/Encrypt"));
}

#[test]
fn sf2809_force_ocr_recognises_the_rendered_pages() {
    let Some(corpus) = shared_corpus() else { return };
    let input = corpus.join("real/sf2809-nov2014.pdf");
    let out = tempfile::tempdir().unwrap();
    let o = run(&[&input], out.path(), &["--force-ocr", "--split", "file"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(out.path());
    let pages = m["documents"][0]["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 15);
    assert!(pages.iter().all(|p| p["text_source"] == "ocr"), "{pages:#?}");
}

#[test]
fn sf2809_is_classified_as_sf2809() {
    let Some(corpus) = shared_corpus() else { return };
    let input = corpus.join("real/sf2809-nov2014.pdf");
    let out = tempfile::tempdir().unwrap();
    let o = run(&[&input], out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(out.path());
    check_manifest(out.path(), &m);
    // The form pages (14 and 15) are SF 2809, wherever the separator puts its boundaries.
    let pages: Vec<&serde_json::Value> = m["documents"].as_array().unwrap().iter().flat_map(|d| d["pages"].as_array().unwrap()).collect();
    assert_eq!(pages.len(), 15);
    for p in pages.iter().filter(|p| p["source"]["page"].as_u64().unwrap() >= 14) {
        assert_eq!(p["form"], "SF 2809", "{p}");
    }
    let doc = m["documents"].as_array().unwrap().iter().find(|d| d["pages"].as_array().unwrap().iter().any(|p| p["source"]["page"] == 14)).unwrap();
    assert_eq!(doc["form"]["id"], "SF 2809");
    assert_eq!(doc["form"]["revision"], "November 2014");
    assert_eq!(doc["form"]["family"], "health_benefits");
    // A blank form: its required fields are missing, so it goes to review, in the review folder.
    assert_eq!(doc["review"]["required"], true);
    assert!(doc["pdf"]["path"].as_str().unwrap().starts_with("review/SF-2809/"), "{}", doc["pdf"]["path"]);
}

/// One peer-corpus file's outcome.
struct Row {
    name: String,
    outcome: &'static str,
    secs: f64,
    message: String,
}

/// Run every scan of the peer corpus on its own; assert each is processed (a valid searchable
/// PDF) or refused cleanly (exit 1, one line naming it, failed in the manifest), in bounded time.
fn run_peer_corpus(dir: &Path) -> Vec<Row> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("pdf" | "png" | "jpg")))
        .collect();
    files.sort();
    assert!(files.len() > 40, "the peer corpus is there");
    let mut table = Vec::new();
    for file in &files {
        let out = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let o = run(&[file], out.path(), &["--quiet", "--split", "file"]);
        let took = started.elapsed();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(took < PER_FILE_LIMIT, "{name} took {took:?}");
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{name} panicked: {err}");
        let m = manifest(out.path());
        check_manifest(out.path(), &m);
        let status = m["inputs"][0]["status"].as_str().unwrap().to_string();
        match o.status.code() {
            Some(0) => {
                assert_eq!(status, "processed", "{name}");
                let mut words = 0;
                for d in m["documents"].as_array().unwrap() {
                    let pdf = out.path().join(d["pdf"]["path"].as_str().unwrap());
                    assert_qpdf_ok(&pdf);
                    words += pdftotext(&pdf, None).split_whitespace().count();
                }
                let pages = m["summary"]["pages"].as_u64().unwrap_or(0);
                let sources: std::collections::BTreeMap<String, usize> = m["documents"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|d| d["pages"].as_array().unwrap().iter().map(|p| p["text_source"].as_str().unwrap_or("?").to_string()))
                    .fold(Default::default(), |mut acc, s| {
                        *acc.entry(s).or_default() += 1;
                        acc
                    });
                let sources: Vec<String> = sources.iter().map(|(k, v)| format!("{v} {k}")).collect();
                let notes: Vec<String> = m["documents"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|d| d["pages"].as_array().unwrap().iter().filter_map(|p| p["note"].as_str().map(str::to_string)))
                    .collect();
                let mut message = format!("{pages} page(s) ({}), {words} words in the output", sources.join(", "));
                if !notes.is_empty() {
                    message.push_str(&format!("; note: {}", notes.join("; ")));
                }
                table.push(Row { name, outcome: "processed", secs: took.as_secs_f64(), message });
            }
            Some(1) => {
                assert_eq!(status, "failed", "{name}");
                let lines: Vec<&str> = err.lines().collect();
                assert_eq!(lines.len(), 1, "{name}: one line on stderr, got {err}");
                assert!(lines[0].contains(&name), "{name}: the line names the file: {err}");
                let message = format!("{}: {}", m["inputs"][0]["error"]["kind"].as_str().unwrap_or("?"), m["inputs"][0]["error"]["message"].as_str().unwrap_or("?"));
                table.push(Row { name, outcome: "refused", secs: took.as_secs_f64(), message });
            }
            other => panic!("{name}: exit code {other:?}: {err}"),
        }
    }
    table
}

#[test]
fn peer_corpus_each_file_is_processed_or_refused_cleanly() {
    let Some(corpus) = shared_corpus() else { return };
    let rows = run_peer_corpus(&corpus.join("peer/ocrmypdf-resources"));
    for r in &rows {
        eprintln!("{:<30} {:<9} {:>6.1}s  {}", r.name, r.outcome, r.secs, r.message);
    }
}

/// Refresh docs/peer-corpus.md (the outcome table):
/// `cargo test --release --test corpus -- --ignored peer_corpus_table`
#[test]
#[ignore = "writes docs/peer-corpus.md; run by hand to refresh it"]
fn peer_corpus_table() {
    let Some(corpus) = shared_corpus() else { return };
    let dir = corpus.join("peer/ocrmypdf-resources");
    let rows = run_peer_corpus(&dir);
    let origin = std::fs::read_to_string(dir.join("ORIGIN-COMMIT")).unwrap_or_default();
    let processed = rows.iter().filter(|r| r.outcome == "processed").count();
    let total: f64 = rows.iter().map(|r| r.secs).sum();
    let slowest = rows.iter().max_by(|a, b| a.secs.total_cmp(&b.secs)).unwrap();
    let mut md = String::new();
    md.push_str("# Peer corpus: OCRmyPDF's test resources

");
    md.push_str("Every scan (PDF, PNG, JPEG) in `../shared/corpus/peer/ocrmypdf-resources/`");
    if !origin.trim().is_empty() {
        md.push_str(&format!(" (OCRmyPDF commit `{}`)", origin.trim()));
    }
    md.push_str(", run on its own with `casefile run FILE --split file --quiet` (debug-profile binary,\n");
    md.push_str("dependencies optimised). Each is processed into a PDF that passes `qpdf --check`, or refused with one\n");
    md.push_str("line naming it and exit code 1; none may take over ");
    md.push_str(&format!("{} s (`PER_FILE_LIMIT` in tests/corpus.rs).\n\n", PER_FILE_LIMIT.as_secs()));
    md.push_str("Generated by `cargo test --test corpus -- --ignored peer_corpus_table` (needs ../shared); the same\n");
    md.push_str("checks run in CI as `peer_corpus_each_file_is_processed_or_refused_cleanly`.\n\n");
    md.push_str(&format!(
        "{} files: {processed} processed, {} refused; {:.0} s in all, slowest {} ({:.1} s). Seconds are wall time on a\n2-core machine shared with other work.\n\n",
        rows.len(),
        rows.len() - processed,
        total,
        slowest.name,
        slowest.secs
    ));
    md.push_str("| file | outcome | seconds | message |\n|---|---|---:|---|\n");
    for r in &rows {
        md.push_str(&format!("| {} | {} | {:.1} | {} |\n", r.name, r.outcome, r.secs, r.message.replace('|', "\\|")));
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/peer-corpus.md");
    std::fs::write(&path, md).unwrap();
    eprintln!("wrote {}", path.display());
}

#[test]
fn known_hard_peer_files() {
    let Some(corpus) = shared_corpus() else { return };
    let dir = corpus.join("peer/ocrmypdf-resources");
    // invalid.pdf is not a PDF at all: refused with a clear line.
    let out = tempfile::tempdir().unwrap();
    let o = run(&[&dir.join("invalid.pdf")], out.path(), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("invalid.pdf"), "{}", stderr(&o));
    // A 35000 x 35000 page is refused before it is decoded.
    let out = tempfile::tempdir().unwrap();
    let o = run(&[&dir.join("hugemono.pdf")], out.path(), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--max-pixels"), "{}", stderr(&o));
    // JBIG2 pages (which we cannot decode) are rendered for recognition and come out searchable.
    for name in ["jbig2.pdf", "skew.pdf"] {
        let out = tempfile::tempdir().unwrap();
        let o = run(&[&dir.join(name)], out.path(), &[]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let m = manifest(out.path());
        let pdf = out.path().join(m["documents"][0]["pdf"]["path"].as_str().unwrap());
        let words = pdftotext(&pdf, None).split_whitespace().count();
        assert!(words > 300, "{name}: {words} words");
    }
    // CCITT G4 scanner page: decoded and recognised directly.
    let out = tempfile::tempdir().unwrap();
    let o = run(&[&dir.join("ccitt.pdf")], out.path(), &[]);
    assert_eq!(o.status.code(), Some(0));
    let pdf = out.path().join(manifest(out.path())["documents"][0]["pdf"]["path"].as_str().unwrap());
    assert!(pdftotext(&pdf, None).split_whitespace().count() > 300);
    let _ = Path::new("");
}
