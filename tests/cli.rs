//! Command-line behaviour: exit codes, bad inputs, never overwriting, permissions, the output
//! folder inside the input folder.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::*;

/// A blank white page as PNG (blank pages are not sent to the engine, so this is fast).
fn blank_png(path: &Path) {
    let img = image::GrayImage::from_pixel(850, 1100, image::Luma([255]));
    img.save(path).unwrap();
}

#[test]
fn usage_errors_exit_2() {
    let out = tempfile::tempdir().unwrap();
    let o = run(&[Path::new("/no/such/folder")], out.path(), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("/no/such/folder"), "{}", stderr(&o));
    let o = casefile().arg("run").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = casefile().args(["run", ".", "--out", "x", "--no-such-flag"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn missing_language_data_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    blank_png(&dir.path().join("a.png"));
    let out = dir.path().join("out");
    let o = run(&[&dir.path().join("a.png")], &out, &["--language", "xyz"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("tesseract-ocr-xyz"), "says what to install: {}", stderr(&o));
}

#[test]
fn bad_inputs_are_reported_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let scans = dir.path().join("scans");
    std::fs::create_dir(&scans).unwrap();
    blank_png(&scans.join("good.png"));
    std::fs::write(scans.join("notes.pdf"), "this is a text file named .pdf").unwrap();
    std::fs::write(scans.join("empty.jpg"), b"").unwrap();
    let png = std::fs::read(scans.join("good.png")).unwrap();
    std::fs::write(scans.join("truncated.png"), &png[..png.len() / 3]).unwrap();
    std::fs::write(scans.join("readme.txt"), "not a scan, ignored").unwrap();
    let out = dir.path().join("out");
    let o = run(&[&scans], &out, &["--split", "file"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    for bad in ["notes.pdf", "empty.jpg", "truncated.png"] {
        assert_eq!(err.lines().filter(|l| l.contains(bad)).count(), 1, "one line for {bad}: {err}");
    }
    assert!(!err.contains("readme.txt"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let m = manifest(&out);
    check_manifest(&out, &m);
    let status = |p: &str| m["inputs"].as_array().unwrap().iter().find(|i| i["path"] == p).map(|i| i["status"].as_str().unwrap().to_string());
    assert_eq!(status("good.png").as_deref(), Some("processed"));
    for bad in ["notes.pdf", "empty.jpg", "truncated.png"] {
        assert_eq!(status(bad).as_deref(), Some("failed"), "{bad}");
    }
    assert_eq!(m["summary"]["inputs_failed"], 3);
    assert_eq!(m["documents"].as_array().unwrap().len(), 1);
    assert!(out.join(m["documents"][0]["pdf"]["path"].as_str().unwrap()).is_file());
    assert!(stdout(&o).contains("failed: truncated.png"), "the summary names failures: {}", stdout(&o));
}

#[test]
fn never_overwrites_an_existing_output() {
    let dir = tempfile::tempdir().unwrap();
    let scan = dir.path().join("page.png");
    blank_png(&scan);
    let out = dir.path().join("out");
    assert_eq!(run(&[&scan], &out, &["--split", "file"]).status.code(), Some(0));
    let first_path = out.join(manifest(&out)["documents"][0]["pdf"]["path"].as_str().unwrap());
    let first = std::fs::read(&first_path).unwrap();
    // Let the second run's timestamps differ.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    // A forced rerun makes the document again (an unforced one would skip the done input).
    assert_eq!(run(&[&scan], &out, &["--split", "file", "--force"]).status.code(), Some(0));
    assert_eq!(std::fs::read(&first_path).unwrap(), first, "the first output is untouched");
    let second_path = out.join(manifest(&out)["documents"][0]["pdf"]["path"].as_str().unwrap());
    assert_ne!(second_path, first_path, "the second output has a name of its own");
    assert!(second_path.to_string_lossy().ends_with("-2.pdf"), "{}", second_path.display());
    assert_eq!(std::fs::read_dir(out.join("manifests")).unwrap().count(), 2);
    let index = std::fs::read_to_string(out.join("index.jsonl")).unwrap();
    assert_eq!(index.lines().count(), 2, "index.jsonl is appended to");
    // No temporary files are left behind.
    let leftovers: Vec<_> = walkdir::WalkDir::new(&out).into_iter().filter_map(Result::ok).filter(|e| e.file_name().to_string_lossy().ends_with(".tmp")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn outputs_are_owner_and_group_only() {
    let dir = tempfile::tempdir().unwrap();
    let scan = dir.path().join("page.png");
    blank_png(&scan);
    let out = dir.path().join("out");
    assert_eq!(run(&[&scan], &out, &[]).status.code(), Some(0));
    for entry in walkdir::WalkDir::new(&out) {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        let want = if entry.file_type().is_dir() { 0o750 } else { 0o640 };
        assert_eq!(mode, want, "{}", entry.path().display());
    }
}

#[test]
fn output_folder_inside_the_input_is_not_taken_as_input() {
    let dir = tempfile::tempdir().unwrap();
    blank_png(&dir.path().join("page.png"));
    let out = dir.path().join("casework");
    assert_eq!(run(&[dir.path()], &out, &[]).status.code(), Some(0));
    assert_eq!(run(&[dir.path()], &out, &[]).status.code(), Some(0));
    let m = manifest(&out);
    let paths: Vec<&str> = m["inputs"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["page.png"]);
}

#[test]
fn same_input_given_twice_is_processed_once() {
    let dir = tempfile::tempdir().unwrap();
    blank_png(&dir.path().join("page.png"));
    let out = tempfile::tempdir().unwrap();
    let o = run(&[dir.path(), dir.path()], out.path(), &["--split", "file"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(manifest(out.path())["documents"].as_array().unwrap().len(), 1);
}

#[test]
fn blank_page_is_marked_blank() {
    let dir = tempfile::tempdir().unwrap();
    blank_png(&dir.path().join("page.png"));
    let out = tempfile::tempdir().unwrap();
    assert_eq!(run(&[dir.path()], out.path(), &["--split", "file"]).status.code(), Some(0));
    let m = manifest(out.path());
    assert_eq!(m["documents"][0]["pages"][0]["blank"], true);
    assert_eq!(m["documents"][0]["pages"][0]["text_source"], "none");
}

#[test]
fn blank_page_is_a_separator_with_auto_split() {
    let dir = tempfile::tempdir().unwrap();
    blank_png(&dir.path().join("page.png"));
    let out = tempfile::tempdir().unwrap();
    assert_eq!(run(&[dir.path()], out.path(), &[]).status.code(), Some(0));
    let m = manifest(out.path());
    check_manifest(out.path(), &m);
    assert_eq!(m["documents"].as_array().unwrap().len(), 0);
    assert_eq!(m["separators"][0]["kind"], "blank");
    assert_eq!(m["separators"][0]["source"]["path"], "page.png");
}

#[test]
fn name_template_is_checked_and_used() {
    let dir = tempfile::tempdir().unwrap();
    blank_png(&dir.path().join("page.png"));
    let out = dir.path().join("out");
    let o = run(&[&dir.path().join("page.png")], &out, &["--name-template", "{form}/{name}.pdf"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown placeholder {name}"), "{}", stderr(&o));
    let o = run(&[&dir.path().join("page.png")], &out, &["--split", "file", "--name-template", "cases/{date}/{form}-{id}.pdf"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let path = manifest(&out)["documents"][0]["pdf"]["path"].as_str().unwrap().to_string();
    assert!(path.starts_with("review/cases/") && path.contains("/unknown-"), "{path}");
}

#[test]
fn forms_lists_the_catalog() {
    let o = casefile().arg("forms").output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let table = stdout(&o);
    for id in ["SF 3107", "SF 2801", "SF 3102", "SF 2818", "RI 92-19", "SF 2809"] {
        assert!(table.lines().any(|l| l.starts_with(id)), "{id} listed:\n{table}");
    }
    // Regression: the columns were 24 characters wide whatever they held, and SF 3107's five
    // fields pushed its title out of line. Every title starts where the TITLE heading does.
    let at = table.lines().next().and_then(|h| h.find("TITLE")).expect("a header");
    let sf3107 = table.lines().find(|l| l.starts_with("SF 3107 ")).expect("SF 3107");
    assert_eq!(sf3107.get(at..), Some("Application for Immediate Retirement, Federal Employees Retirement System (FERS)"), "{table}");
    assert!(table.lines().all(|l| l.get(at - 1..at) == Some(" ")), "{table}");
    let o = casefile().args(["forms", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["form"].as_array().unwrap().len() >= 30);
}

#[test]
fn a_broken_catalog_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("bad.toml");
    std::fs::write(&cat, "[[form]]\nid = 1").unwrap();
    let o = casefile().args(["forms", "--catalog"]).arg(&cat).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.toml"), "{}", stderr(&o));
}

#[test]
fn schema_command_prints_the_manifest_schema() {
    let o = casefile().arg("schema").output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["title"], "Manifest");
    for key in ["schema_version", "run", "inputs", "documents", "summary"] {
        assert!(v["required"].as_array().unwrap().iter().any(|k| k == key), "{key} is required");
    }
}

#[test]
fn json_summary_is_machine_readable() {
    let dir = tempfile::tempdir().unwrap();
    blank_png(&dir.path().join("page.png"));
    let out = tempfile::tempdir().unwrap();
    let o = run(&[dir.path()], out.path(), &["--json", "--split", "file"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    assert_eq!(v["summary"]["documents"], 1);
}
