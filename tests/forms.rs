//! Forms: classification, separation and field extraction end to end on the bundled demo
//! scans, and the evaluation command that scores them.

mod common;

use std::path::Path;

use common::*;

fn demo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo"))
}

#[test]
fn demo_pages_are_classified_and_read() {
    let out = tempfile::tempdir().unwrap();
    let o = run(&[demo()], out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(out.path());
    check_manifest(out.path(), &m);
    let truth: Truth = serde_json::from_slice(&std::fs::read(demo().join("truth.json")).unwrap()).unwrap();
    let docs = m["documents"].as_array().unwrap();
    for file in &truth.files {
        for page in &file.pages {
            let doc = docs
                .iter()
                .find(|d| d["pages"].as_array().unwrap().iter().any(|p| p["source"]["path"] == file.path.as_str() && p["source"]["page"] == page.page))
                .unwrap_or_else(|| panic!("{} page {} is in a document", file.path, page.page));
            assert_eq!(doc["form"]["id"], page.form.as_str(), "{} page {}", file.path, page.page);
            assert_eq!(doc["fields"]["name"]["value"], page.fields["name"].as_str());
            assert_eq!(doc["fields"]["date_of_birth"]["value"], page.fields["date_of_birth"].as_str());
            let ssn = &page.fields["ssn"];
            assert_eq!(doc["fields"]["ssn"]["value"], format!("***-**-{}", &ssn[ssn.len() - 4..]), "masked by default");
            // Filed by form and claim number; the name, SSN and birth date never appear in paths.
            let path = doc["pdf"]["path"].as_str().unwrap();
            assert!(path.starts_with(&page.form.replace(' ', "-")), "{path}");
            assert!(path.contains(&page.fields["claim_number"].replace(' ', "-")), "{path}");
            assert!(!path.contains(&ssn[ssn.len() - 4..]));
        }
    }
}

#[test]
fn full_ssn_only_when_asked() {
    let out = tempfile::tempdir().unwrap();
    let o = run(&[&demo().join("scans/scan_1.jpg")], out.path(), &["--reveal-ssn"]);
    assert_eq!(o.status.code(), Some(0));
    let m = manifest(out.path());
    let ssn = m["documents"][0]["fields"]["ssn"]["value"].as_str().unwrap();
    assert!(ssn.starts_with('9') && ssn.len() == 11, "{ssn}");
    // Never on the terminal.
    assert!(!stdout(&o).contains(ssn) && !stderr(&o).contains(ssn));
}

#[test]
fn pdf_metadata_names_the_form() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(run(&[&demo().join("intake_g4.tif")], out.path(), &[]).status.code(), Some(0));
    let m = manifest(out.path());
    let pdf = out.path().join(m["documents"][0]["pdf"]["path"].as_str().unwrap());
    let info = std::process::Command::new("pdfinfo").arg(&pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("Title:") && info.contains(m["documents"][0]["form"]["id"].as_str().unwrap()), "{info}");
    assert!(info.lines().any(|l| l.starts_with("Subject:") && l.ends_with("Retirement application")), "{info}");
    assert_qpdf_ok(&pdf);
}

#[test]
fn eval_scores_the_demo() {
    let o = casefile().args(["eval", "--json", "--truth"]).arg(demo().join("truth.json")).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["documents"], 7);
    assert_eq!(r["form"]["total"], 7);
    assert_eq!(r["form"]["right"], 7, "{r:#}");
    assert_eq!(r["wrong_form_unflagged"], 0);
    assert_eq!(r["fields"]["ssn"]["right"], 7, "{r:#}");
    let text = casefile().args(["eval", "--truth"]).arg(demo().join("truth.json")).output().unwrap();
    let text = stdout(&text);
    assert!(text.contains("form right") && text.contains("boundaries exact"), "{text}");
}

#[test]
fn eval_dumps_the_numeric_boxes_with_their_true_values() {
    let dump = tempfile::tempdir().unwrap();
    let dir = dump.path().join("zones");
    let o = casefile().args(["eval", "--json", "--truth"]).arg(demo().join("truth.json")).arg("--dump-zones").arg(&dir).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Dumping changes nothing in the results.
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["fields"]["ssn"]["right"], 7, "{r:#}");
    assert!(stderr(&o).contains("boxes written to"), "{}", stderr(&o));
    let truth: Truth = serde_json::from_slice(&std::fs::read(demo().join("truth.json")).unwrap()).unwrap();
    let zones: Vec<serde_json::Value> = std::fs::read_to_string(dir.join("zones.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // Every page of the demo has an SSN and a date of birth box.
    let pages: usize = truth.files.iter().map(|f| f.pages.len()).sum();
    for field in ["ssn", "date_of_birth"] {
        let seen: std::collections::BTreeSet<(String, u64)> = zones
            .iter()
            .filter(|z| z["field"] == field)
            .map(|z| (z["source"].as_str().unwrap().to_string(), z["page"].as_u64().unwrap()))
            .collect();
        assert_eq!(seen.len(), pages, "{field}: {seen:?}");
    }
    for z in &zones {
        assert!(dir.join(z["png"].as_str().unwrap()).is_file(), "{z}");
        let file = truth.files.iter().find(|f| f.path == z["source"].as_str().unwrap()).unwrap_or_else(|| panic!("{z}"));
        let page = file.pages.iter().find(|p| u64::from(p.page) == z["page"].as_u64().unwrap()).unwrap();
        let field = z["field"].as_str().unwrap();
        assert_eq!(z["truth"].as_str(), page.fields.get(field).map(String::as_str), "{z}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o007, 0, "the boxes hold SSNs: no access for others ({mode:o})");
    }
}

/// Regression (review): the dumped boxes were written with the umask's permissions, so a
/// folder that already existed (and that casefile therefore leaves as it is) held full SSNs
/// readable by anyone. Each file is now closed to others, and a second dump into the same
/// folder replaces the first.
#[cfg(unix)]
#[test]
fn regression_zone_dump_files_are_closed_to_others_in_an_existing_folder() {
    use std::os::unix::fs::PermissionsExt;
    let dump = tempfile::tempdir().unwrap();
    let dir = dump.path().join("zones");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut counts = Vec::new();
    for _ in 0..2 {
        let o = casefile().args(["eval", "--json", "--truth"]).arg(demo().join("truth.json")).arg("--dump-zones").arg(&dir).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let zones = std::fs::read_to_string(dir.join("zones.jsonl")).unwrap();
        counts.push(zones.lines().count());
        for line in zones.lines() {
            let z: serde_json::Value = serde_json::from_str(line).unwrap();
            let png = dir.join(z["png"].as_str().unwrap());
            let mode = std::fs::metadata(&png).unwrap().permissions().mode();
            assert_eq!(mode & 0o007, 0, "{}: {mode:o}", png.display());
        }
        let mode = std::fs::metadata(dir.join("crops.jsonl")).unwrap().permissions().mode();
        assert_eq!(mode & 0o007, 0, "crops.jsonl: {mode:o}");
    }
    assert!(counts[0] > 0);
    assert_eq!(counts[0], counts[1], "the second dump lists every box again");
}
