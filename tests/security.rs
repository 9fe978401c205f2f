//! Sensitive data and permissions (issue 5, docs/security.md): no full SSN leaves the process
//! except into the PDFs' own text and, when the operator asks, the manifest; output files are
//! 0640 and folders 0750 whatever the umask.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::*;

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

/// The SSNs the generator put on the demo pages we run over (from its truth.json).
fn known_ssns() -> Vec<String> {
    let truth: Truth = serde_json::from_slice(&std::fs::read(demo().join("truth.json")).unwrap()).unwrap();
    let mut ssns: Vec<String> = truth
        .files
        .iter()
        .filter(|f| f.path.starts_with("scans/") || f.path == "intake_g4.tif")
        .flat_map(|f| f.pages.iter().filter_map(|p| p.fields.get("ssn").cloned()))
        .collect();
    ssns.sort();
    ssns.dedup();
    assert!(ssns.len() >= 2, "{ssns:?}");
    ssns
}

/// Every way a full SSN can be spelled: 123-45-6789, 123456789, 123 45 6789.
fn spellings(ssn: &str) -> Vec<String> {
    let digits: String = ssn.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(digits.len(), 9, "{ssn}");
    vec![
        format!("{}-{}-{}", &digits[..3], &digits[3..5], &digits[5..]),
        digits.clone(),
        format!("{} {} {}", &digits[..3], &digits[3..5], &digits[5..]),
    ]
}

/// Where (which of `texts`) a full SSN appears.
fn leaks(texts: &[(String, Vec<u8>)], ssns: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, bytes) in texts {
        for ssn in ssns {
            for s in spellings(ssn) {
                if bytes.windows(s.len()).any(|w| w == s.as_bytes()) {
                    found.push(format!("{name} holds {}…", &s[..3]));
                }
            }
        }
    }
    found
}

/// stdout, stderr, every manifest and index.jsonl of a run.
fn run_texts(o: &std::process::Output, out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut texts = vec![("stdout".to_string(), o.stdout.clone()), ("stderr".to_string(), o.stderr.clone())];
    for e in std::fs::read_dir(out.join("manifests")).unwrap() {
        let p = e.unwrap().path();
        texts.push((p.display().to_string(), std::fs::read(&p).unwrap()));
    }
    texts.push(("index.jsonl".into(), std::fs::read(out.join("index.jsonl")).unwrap()));
    // The ledger (SQLite database, its WAL) and anything else casefile keeps for itself.
    for e in walkdir::WalkDir::new(out.join(".casefile")).into_iter().filter_map(Result::ok) {
        if e.file_type().is_file() {
            texts.push((e.path().display().to_string(), std::fs::read(e.path()).unwrap()));
        }
    }
    // Output file names too.
    let names: Vec<u8> = walkdir::WalkDir::new(out).into_iter().filter_map(Result::ok).flat_map(|e| e.path().display().to_string().into_bytes().into_iter().chain([b'\n'])).collect();
    texts.push(("file names".into(), names));
    texts
}

#[test]
fn no_full_ssn_in_logs_or_manifests_unless_revealed() {
    let ssns = known_ssns();
    let inputs = [demo().join("scans"), demo().join("intake_g4.tif")];
    let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();

    // Default: masked everywhere we write or print (not --quiet: warnings and the review list
    // are printed too).
    let out = tempfile::tempdir().unwrap();
    let o = run(&inputs, out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(out.path());
    check_manifest(out.path(), &m);
    let masked: Vec<&str> = m["documents"].as_array().unwrap().iter().filter_map(|d| d["fields"]["ssn"]["value"].as_str()).collect();
    assert!(masked.len() >= 2 && masked.iter().all(|v| v.starts_with("***-**-")), "the SSNs were read, masked: {masked:?}");
    let found = leaks(&run_texts(&o, out.path()), &ssns);
    assert!(found.is_empty(), "full SSNs leaked: {found:?}");
    // The same with the JSON summary.
    let out_json = tempfile::tempdir().unwrap();
    let o = run(&[&demo().join("intake_g4.tif")], out_json.path(), &["--json"]);
    assert_eq!(o.status.code(), Some(0));
    let found = leaks(&run_texts(&o, out_json.path()), &ssns);
    assert!(found.is_empty(), "full SSNs leaked: {found:?}");

    // --reveal-ssn: the manifest holds them (so the search above can find what it looks for),
    // and still nothing on the terminal or in index.jsonl.
    let out = tempfile::tempdir().unwrap();
    let o = run(&inputs, out.path(), &["--reveal-ssn"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let texts = run_texts(&o, out.path());
    let found = leaks(&texts, &ssns);
    for ssn in &ssns {
        assert!(found.iter().any(|f| f.contains("manifests") && f.ends_with(&format!("{}…", &ssn[..3]))), "the revealed manifest holds {}…: {found:?}", &ssn[..3]);
    }
    assert!(found.iter().all(|f| f.contains("manifests")), "only the manifest holds them: {found:?}");

    // The ledger holds no OCR text and no field values: not the names, not the birth dates.
    let truth: Truth = serde_json::from_slice(&std::fs::read(demo().join("truth.json")).unwrap()).unwrap();
    let ledger: Vec<u8> = texts.iter().filter(|(n, _)| n.contains(".casefile")).flat_map(|(_, b)| b.clone()).collect();
    assert!(ledger.len() > 1000, "the ledger was read ({} bytes)", ledger.len());
    for f in &truth.files {
        for p in &f.pages {
            for key in ["name", "date_of_birth"] {
                if let Some(v) = p.fields.get(key) {
                    let surname = v.split(',').next().unwrap_or(v);
                    assert!(!ledger.windows(surname.len()).any(|w| w == surname.as_bytes()), "the ledger holds a {key}");
                }
            }
            for w in p.words.iter().filter(|w| w.len() >= 9 && w.chars().all(char::is_alphabetic)) {
                assert!(!ledger.windows(w.len()).any(|x| x == w.as_bytes()), "the ledger holds OCR text ({w})");
            }
        }
    }
}

fn assert_modes(out: &Path) {
    let mut seen = 0;
    for entry in walkdir::WalkDir::new(out) {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        let want = if entry.file_type().is_dir() { 0o750 } else { 0o640 };
        assert_eq!(mode, want, "{:o} for {}", mode, entry.path().display());
        seen += 1;
    }
    assert!(seen >= 6, "output root, manifests/, review/, review/unknown/, the PDF, manifest, index");
}

/// Regression: under umask 077 the folders created as parents (review/, manifests/) came out
/// 0700 and index.jsonl 0600; under umask 000 nothing may come out wider than 0640/0750.
#[test]
fn output_modes_whatever_the_umask() {
    for umask in ["000", "077", "027"] {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("page.png");
        image::GrayImage::from_pixel(850, 1100, image::Luma([255])).save(&page).unwrap();
        let out = dir.path().join("out/nested");
        let o = run_in_shell(&format!("umask {umask}"), &[&page], &out, &["--split", "file"]);
        assert_eq!(o.status.code(), Some(0), "umask {umask}: {}", stderr(&o));
        assert_modes(&out);
        // A second run into the same folder appends to index.jsonl and keeps its mode.
        let o = run_in_shell(&format!("umask {umask}"), &[&page], &out, &["--split", "file"]);
        assert_eq!(o.status.code(), Some(0));
        assert_modes(&out);
    }
}

/// Rendering temporaries (pdftoppm's page images) live in a private folder that is gone
/// afterwards: nothing of a page is left in the temporary directory.
#[test]
fn no_page_left_in_the_temporary_folder() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = tempfile::tempdir().unwrap();
    // A vector-only page: it has to be rendered.
    let pdf = tmp.path().join("..").join(format!("vector-{}.pdf", std::process::id()));
    let doc = {
        use lopdf::{dictionary, Document, Object, Stream};
        let mut doc = Document::with_version("1.4");
        let pages_id = doc.new_object_id();
        let content = doc.add_object(Stream::new(dictionary! {}, b"BT /F1 24 Tf 72 700 Td (Hello) Tj ET 1 w 72 600 m 500 600 l S".to_vec()));
        let font = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            "Contents" => content, "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        });
        doc.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }));
        let cat = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", cat);
        doc
    };
    let mut doc = doc;
    doc.save(&pdf).unwrap();
    let mut cmd = run_cmd(&[&pdf], out.path(), &["--split", "file", "--force-ocr"]);
    let o = cmd.env("TMPDIR", tmp.path()).output().unwrap();
    let _ = std::fs::remove_file(&pdf);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(out.path());
    assert_eq!(m["documents"][0]["pages"][0]["text_source"], "ocr", "the page was rendered and recognised");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
