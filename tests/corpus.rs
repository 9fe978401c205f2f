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

#[test]
fn peer_corpus_each_file_is_processed_or_refused_cleanly() {
    let Some(corpus) = shared_corpus() else { return };
    let dir = corpus.join("peer/ocrmypdf-resources");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
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
                let pdf = out.path().join(m["documents"][0]["pdf"]["path"].as_str().unwrap());
                assert_qpdf_ok(&pdf);
                table.push(format!("{name:<30} processed  {:>5} words  {:.1}s", pdftotext(&pdf, None).split_whitespace().count(), took.as_secs_f64()));
            }
            Some(1) => {
                assert_eq!(status, "failed", "{name}");
                let lines: Vec<&str> = err.lines().collect();
                assert_eq!(lines.len(), 1, "{name}: one line on stderr, got {err}");
                assert!(lines[0].contains(&name), "{name}: the line names the file: {err}");
                table.push(format!("{name:<30} failed     {}", m["inputs"][0]["error"]["message"]));
            }
            other => panic!("{name}: exit code {other:?}: {err}"),
        }
    }
    eprintln!("{}", table.join("\n"));
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
