//! Unattended operation: the ledger (reruns, changed, renamed and fresh files), crash safety
//! (SIGKILL, Ctrl-C), the output lock, exit codes, logs and progress, verify and report.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

fn demo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo"))
}

/// A copy of the demo scans (5 inputs, 7 pages, 7 documents) that a test may change.
fn demo_copy(dir: &Path) -> PathBuf {
    let scans = dir.join("scans-in");
    for entry in walkdir::WalkDir::new(demo()).into_iter().filter_map(Result::ok) {
        let rel = entry.path().strip_prefix(demo()).unwrap();
        let to = scans.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else if entry.file_name() != "truth.json" {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    scans
}

/// Every (input, page) pair in the documents of every manifest of `out`, with its count.
fn pages_in_manifests(out: &Path) -> BTreeMap<(String, u64), usize> {
    let mut seen = BTreeMap::new();
    for m in all_manifests(out) {
        for d in m["documents"].as_array().unwrap() {
            for p in d["pages"].as_array().unwrap() {
                let key = (p["source"]["path"].as_str().unwrap().to_string(), p["source"]["page"].as_u64().unwrap());
                *seen.entry(key).or_default() += 1;
            }
        }
    }
    seen
}

fn all_manifests(out: &Path) -> Vec<Value> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(out.join("manifests")).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths.iter().map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()).collect()
}

fn index_lines(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out.join("index.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every index line is JSON"))
        .collect()
}

/// The 7 (input, page) pairs of the demo set.
fn demo_pages() -> BTreeSet<(String, u64)> {
    let truth: Truth = serde_json::from_slice(&std::fs::read(demo().join("truth.json")).unwrap()).unwrap();
    truth.files.iter().flat_map(|f| f.pages.iter().map(move |p| (f.path.clone(), p.page as u64))).collect()
}

/// Complete lines in index.jsonl (safe to call while a run appends to it).
fn index_count(out: &Path) -> usize {
    std::fs::read(out.join("index.jsonl")).map(|b| b.iter().filter(|&&c| c == b'\n').count()).unwrap_or(0)
}

fn spawn_run(inputs: &Path, out: &Path, extra: &[&str]) -> Child {
    casefile()
        .arg("run")
        .arg(inputs)
        .arg("--out")
        .arg(out)
        .args(["--min-age", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("casefile starts")
}

fn wait_for(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill").arg(format!("-{sig}")).arg(child.id().to_string()).status().unwrap();
    assert!(status.success());
}

/// `casefile verify OUT` says every output is as recorded.
fn assert_verified(out: &Path) {
    let o = casefile().arg("verify").arg(out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "verify: {}{}", stdout(&o), stderr(&o));
}

fn leftovers(out: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .map(|e| e.path().to_path_buf())
        .collect()
}

#[test]
fn a_rerun_skips_what_is_done_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let scans = demo_copy(dir.path());
    let out = dir.path().join("out");
    let o = run(&[&scans], &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(all_manifests(&out).len(), 1);
    assert!(out.join(".casefile/ledger.sqlite3").is_file(), "the ledger lives in the output folder");

    let o = run(&[&scans], &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("nothing to do: 5 inputs already done"), "{}", stdout(&o));
    assert_eq!(all_manifests(&out).len(), 1, "a run with nothing to do writes no manifest");
    assert_eq!(index_lines(&out).len(), 7);

    // Touched but unchanged: hashed, recognised, still nothing to do.
    for e in std::fs::read_dir(scans.join("scans")).unwrap() {
        set_mtime(&e.unwrap().path(), "1 minute ago");
    }
    let o = run(&[&scans], &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("nothing to do: 5 inputs already done"), "{}", stdout(&o));
    assert_eq!(index_lines(&out).len(), 7, "no document twice");

    // --force redoes everything; the new documents supersede the old ones.
    let o = run(&[&scans], &out, &["--force", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(summary["summary"]["documents"], 7);
    assert_eq!(summary["summary"]["documents_superseded"], 7);
    let lines = index_lines(&out);
    assert_eq!(lines.len(), 14, "index.jsonl is append-only");
    for new in &lines[7..] {
        let sup = new["supersedes"].as_array().expect("a redone document names what it supersedes");
        assert_eq!(sup.len(), 1);
        assert_eq!(sup[0]["document_id"], new["document_id"], "document ids are stable across reruns");
        assert_ne!(sup[0]["pdf"], new["pdf"], "the old PDF is kept, the new one has its own name");
    }
    assert_verified(&out);
}

fn set_mtime(path: &Path, when: &str) {
    let status = Command::new("touch").arg("-d").arg(when).arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn changed_content_is_processed_again_and_supersedes_and_a_moved_file_is_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let scans = demo_copy(dir.path());
    let out = dir.path().join("out");
    assert_eq!(run(&[&scans], &out, &[]).status.code(), Some(0));
    let before = index_lines(&out);
    let old_of = |name: &str| before.iter().find(|l| l["sources"][0] == format!("scans/{name}")).unwrap().clone();
    let old2 = old_of("scan_2.jpg");

    // New content at a known path: scan_2.jpg now holds what scan_3.jpg held... no: that
    // content is done already. Use a page of another generated set.
    let other = dir.path().join("other");
    generate("demo", 7, &other);
    std::fs::copy(other.join("scans/scan_2.jpg"), scans.join("scans/scan_2.jpg")).unwrap();
    // Moved: scan_3.jpg renamed, content unchanged.
    std::fs::rename(scans.join("scans/scan_3.jpg"), scans.join("scans/renamed_3.jpg")).unwrap();

    let o = run(&[&scans], &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(&out);
    check_manifest(&out, &m);
    let input = |p: &str| m["inputs"].as_array().unwrap().iter().find(|i| i["path"] == p).cloned();
    assert_eq!(input("scans/scan_2.jpg").unwrap()["status"], "processed");
    let moved = input("scans/renamed_3.jpg").expect("the moved file is listed");
    assert_eq!(moved["status"], "skipped");
    assert!(moved["note"].as_str().unwrap().contains("same content as"), "{moved}");
    assert_eq!(m["documents"].as_array().unwrap().len(), 1, "only the changed file makes a document");
    let doc = &m["documents"][0];
    assert_eq!(doc["supersedes"][0]["document_id"], old2["document_id"]);
    assert_eq!(doc["supersedes"][0]["pdf"], old2["pdf"]);
    let after = index_lines(&out);
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after.last().unwrap()["supersedes"][0]["pdf"], old2["pdf"]);
    assert!(out.join(old2["pdf"].as_str().unwrap()).is_file(), "superseded PDFs are kept");
    assert_verified(&out);
}

#[test]
fn files_still_being_written_are_left_pending() {
    let dir = tempfile::tempdir().unwrap();
    let scans = dir.path().join("incoming");
    std::fs::create_dir_all(&scans).unwrap();
    let full = std::fs::read(demo().join("scans/scan_1.jpg")).unwrap();
    let target = scans.join("scan_1.jpg");
    // The scanner has written half of it, just now.
    std::fs::write(&target, &full[..full.len() / 2]).unwrap();
    let out = dir.path().join("out");
    let o = casefile().arg("run").arg(&scans).arg("--out").arg(&out).arg("--json").output().unwrap();
    assert_eq!(o.status.code(), Some(0), "a pending input is no failure: {}", stderr(&o));
    let s: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(s["summary"]["inputs_pending"], 1);
    assert_eq!(s["summary"]["inputs_failed"], 0, "the half-written file was not read");
    assert!(s["manifest"].is_null(), "nothing done, no manifest");
    // Text mode says so; JSON logs name the file and why.
    let o = casefile().arg("run").arg(&scans).arg("--out").arg(&out).output().unwrap();
    assert!(stdout(&o).contains("1 pending (still changing)"), "{}", stdout(&o));
    let o = casefile().arg("run").arg(&scans).arg("--out").arg(&out).args(["--log-format", "json"]).output().unwrap();
    let skipped: Value = stderr(&o).lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).find(|l| l["event"] == "input_skipped").unwrap();
    assert!(skipped["message"].as_str().unwrap().contains("--min-age"), "{skipped}");

    // The scanner finishes; a minute later the next run takes it.
    std::fs::write(&target, &full).unwrap();
    set_mtime(&target, "1 minute ago");
    let o = casefile().arg("run").arg(&scans).arg("--out").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(&out);
    assert_eq!(m["inputs"][0]["status"], "processed");
    assert_eq!(m["documents"].as_array().unwrap().len(), 1);
}

#[test]
fn sigkill_in_the_middle_then_a_rerun_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let scans = demo_copy(dir.path());
    let out = dir.path().join("out");
    let mut child = spawn_run(&scans, &out, &["--jobs", "1"]);
    // Kill it once it has written at least one document and before it has finished.
    wait_for("a first document", Duration::from_secs(120), || index_count(&out) >= 2);
    signal(&child, "KILL");
    let _ = child.wait();
    let written_before = index_lines(&out).len();
    assert!(written_before < 7, "killed before the end ({written_before} documents)");

    let o = run(&[&scans], &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("did not finish"), "the rerun says it completed a crashed run: {}", stderr(&o));
    assert!(leftovers(&out).is_empty(), "no temporary file left: {:?}", leftovers(&out));
    // Every page of every input is in exactly one document, across the two runs' manifests.
    let pages = pages_in_manifests(&out);
    assert_eq!(pages.keys().cloned().collect::<BTreeSet<_>>(), demo_pages());
    assert!(pages.values().all(|&n| n == 1), "no page twice: {pages:?}");
    // The index holds each document once; the ledger, manifests and index agree.
    let lines = index_lines(&out);
    assert_eq!(lines.len(), 7, "{lines:?}");
    let ids: BTreeSet<_> = lines.iter().map(|l| l["document_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 7);
    let ms = all_manifests(&out);
    assert_eq!(ms.len(), 2);
    assert_eq!(ms[0]["run"]["status"], "interrupted", "the killed run's manifest is written by the rerun");
    // Each input processed exactly once.
    let mut processed: Vec<String> = ms
        .iter()
        .flat_map(|m| m["inputs"].as_array().unwrap().iter().filter(|i| i["status"] == "processed").map(|i| i["path"].as_str().unwrap().to_string()).collect::<Vec<_>>())
        .collect();
    processed.sort();
    let before = processed.len();
    processed.dedup();
    assert_eq!(processed.len(), before, "no input processed twice");
    assert_eq!(processed.len(), 5);
    assert_verified(&out);
}

#[test]
fn a_document_pending_when_the_process_died_is_removed_and_made_again() {
    // The moment between "ledger: pending" and "ledger: written": the PDF may already sit under
    // its final name. Reproduce that state exactly with the library, then rerun.
    let dir = tempfile::tempdir().unwrap();
    let scans = dir.path().join("in");
    std::fs::create_dir_all(&scans).unwrap();
    std::fs::copy(demo().join("scans/scan_1.jpg"), scans.join("scan_1.jpg")).unwrap();
    let out = dir.path().join("out");
    {
        let ledger = casefile::ledger::Ledger::open(&out).unwrap();
        ledger.begin_run("20260101T000000Z-dead00", "2026-01-01T00:00:00Z").unwrap();
        let bytes = b"%PDF-1.7 half of a document that was never recorded";
        std::fs::create_dir_all(out.join("FEHB")).unwrap();
        std::fs::write(out.join("FEHB/x.pdf"), bytes).unwrap();
        let row = casefile::ledger::DocRow {
            id: "deadbeef".into(),
            pdf: "FEHB/x.pdf".into(),
            sha256: sha256(bytes),
            bytes: bytes.len() as u64,
            pages: 1,
            form: "SF 2809".into(),
            review: false,
            run_id: "20260101T000000Z-dead00".into(),
            state: "pending".into(),
            superseded_by: None,
        };
        ledger.add_pending(&row, "2026-01-01T00:00:01Z").unwrap();
        std::fs::write(out.join("FEHB/.casefile-abc.tmp"), b"partial").unwrap();
    }
    let o = run(&[&scans], &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!out.join("FEHB/x.pdf").exists(), "the unrecorded PDF is gone");
    assert!(leftovers(&out).is_empty());
    assert_eq!(index_lines(&out).len(), 1);
    assert_verified(&out);
}

#[test]
fn ctrl_c_stops_soon_keeps_what_is_complete_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let scans = demo_copy(dir.path());
    let out = dir.path().join("out");
    let mut child = spawn_run(&scans, &out, &["--jobs", "1"]);
    wait_for("a first document", Duration::from_secs(120), || index_count(&out) >= 1);
    let asked = Instant::now();
    signal(&child, "INT");
    let status = child.wait().unwrap();
    let took = asked.elapsed();
    eprintln!("stopped {:.2} s after Ctrl-C", took.as_secs_f64());
    assert_eq!(status.code(), Some(130));
    assert!(took < Duration::from_secs(10), "stopped within a few seconds (took {took:?})");
    let m = manifest(&out);
    check_manifest(&out, &m);
    assert_eq!(m["run"]["status"], "interrupted");
    let kept = m["documents"].as_array().unwrap().len();
    assert!(kept >= 1 && kept < 7, "{kept}");
    for d in m["documents"].as_array().unwrap() {
        assert_qpdf_ok(&out.join(d["pdf"]["path"].as_str().unwrap()));
    }
    // The rest is done by the next run, nothing twice.
    let o = run(&[&scans], &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let pages = pages_in_manifests(&out);
    assert_eq!(pages.keys().cloned().collect::<BTreeSet<_>>(), demo_pages());
    assert!(pages.values().all(|&n| n == 1), "{pages:?}");
    assert_verified(&out);
}

#[test]
fn a_second_run_on_the_same_output_exits_4_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let scans = demo_copy(dir.path());
    let out = dir.path().join("out");
    let lock = out.join(".casefile/lock");
    let mut first = spawn_run(&scans, &out, &["--jobs", "1"]);
    wait_for("the first run's lock", Duration::from_secs(60), || std::fs::read_to_string(&lock).map(|s| !s.is_empty()).unwrap_or(false));
    let started = Instant::now();
    let o = run(&[&scans], &out, &[]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(started.elapsed() < Duration::from_secs(5), "refused at once");
    assert!(stderr(&o).contains(&format!("pid {}", first.id())), "names the holder: {}", stderr(&o));
    assert!(stderr(&o).lines().count() == 1, "one line: {}", stderr(&o));
    assert!(!out.join("manifests").exists() || all_manifests(&out).is_empty(), "the refused run wrote nothing");
    signal(&first, "KILL");
    let _ = first.wait();

    // A lock left by a dead process does not block: its file still names the dead holder.
    assert!(std::fs::read_to_string(&lock).unwrap().contains(&format!("pid {}", first.id())));
    let o = run(&[&scans], &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_verified(&out);
}

#[test]
fn outputs_and_manifest_order_do_not_depend_on_the_number_of_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let scans = demo_copy(dir.path());
    let key = |out: &Path| -> Vec<Value> {
        manifest(out)["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| serde_json::json!([d["id"], d["pdf"]["path"], d["form"]["id"], d["pages"], d["fields"], d["review"]]))
            .collect()
    };
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    assert_eq!(run(&[&scans], &one, &["--jobs", "1"]).status.code(), Some(0));
    assert_eq!(run(&[&scans], &two, &["--jobs", "2"]).status.code(), Some(0));
    assert_eq!(key(&one), key(&two));
    let text = |out: &Path| -> Vec<String> {
        manifest(out)["documents"].as_array().unwrap().iter().map(|d| pdftotext(&out.join(d["pdf"]["path"].as_str().unwrap()), None)).collect()
    };
    assert_eq!(text(&one), text(&two));
}

#[test]
fn json_logs_progress_and_summary_manners() {
    let dir = tempfile::tempdir().unwrap();
    let scans = dir.path().join("in");
    std::fs::create_dir_all(&scans).unwrap();
    std::fs::copy(demo().join("scans/scan_1.jpg"), scans.join("scan_1.jpg")).unwrap();
    std::fs::write(scans.join("broken.pdf"), b"%PDF-1.7\n").unwrap();
    let out = dir.path().join("out");
    let o = run(&[&scans], &out, &["--log-format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<Value> = stderr(&o).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}"))).collect();
    let failed = lines.iter().find(|l| l["event"] == "input_failed").expect("the failure is logged");
    assert_eq!(failed["level"], "error");
    assert!(failed["path"].as_str().unwrap().ends_with("broken.pdf"));
    assert!(lines.iter().any(|l| l["event"] == "document_written"));
    // Not a terminal: no progress display, nothing but the failure on stderr in text mode.
    let out2 = dir.path().join("out2");
    let o = run(&[&scans], &out2, &[]);
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stdout(&o).contains("1 pages -> 1 documents"), "{}", stdout(&o));

    // On a terminal (a pseudo-terminal through script(1)), the progress display appears; with
    // --quiet, or under CI, it does not.
    if Command::new("script").arg("--version").output().is_ok() {
        let bin = env!("CARGO_BIN_EXE_casefile");
        let tty_run = |out: &str, extra: &str, ci: bool| -> String {
            let cmd = format!("{bin} run {} --out {} --min-age 0 {extra}", scans.display(), dir.path().join(out).display());
            let mut c = Command::new("script");
            c.args(["-qec", &cmd, "/dev/null"]).env("TERM", "xterm");
            if ci {
                c.env("CI", "true");
            } else {
                c.env_remove("CI");
            }
            String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
        };
        assert!(tty_run("t1", "", false).contains("pages/min"), "progress on a terminal");
        let quiet = tty_run("t2", "--quiet", false);
        assert!(!quiet.contains("ETA"), "{quiet}");
        let ci = tty_run("t3", "", true);
        assert!(!ci.contains("ETA"), "{ci}");
    } else {
        eprintln!("SKIPPED: script(1) is not installed; the terminal half of this test did not run");
    }
}

#[test]
fn verify_finds_missing_altered_and_orphaned_files_and_report_has_no_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let scans = demo_copy(dir.path());
    let out = dir.path().join("out");
    assert_eq!(run(&[&scans], &out, &[]).status.code(), Some(0));
    assert_verified(&out);
    let m = manifest(&out);
    let pdf = |n: usize| out.join(m["documents"][n]["pdf"]["path"].as_str().unwrap());
    std::fs::remove_file(pdf(0)).unwrap();
    let mut bytes = std::fs::read(pdf(1)).unwrap();
    bytes.extend_from_slice(b"% appended\n");
    std::fs::write(pdf(1), bytes).unwrap();
    std::fs::write(out.join("stray.pdf"), b"not ours").unwrap();
    let o = casefile().arg("verify").arg(&out).arg("--json").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let r: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["missing"], serde_json::json!([m["documents"][0]["pdf"]["path"]]));
    assert_eq!(r["altered"], serde_json::json!([m["documents"][1]["pdf"]["path"]]));
    assert_eq!(r["orphaned"], serde_json::json!(["stray.pdf"]));

    let o = casefile().arg("report").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(text.contains("documents: 7   pages: 7"), "{text}");
    let o = casefile().args(["report", "--json", "--since", "2000-01-01"]).arg(&out).output().unwrap();
    let r: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["documents"], 7);
    assert_eq!(r["by_form"]["SF 3107"], 2);
    let day = chrono_today();
    assert_eq!(r["by_day"][&day]["pages"], 7);
    // Nothing personal: no names, no file names, no SSN digits.
    let truth: Truth = serde_json::from_slice(&std::fs::read(demo().join("truth.json")).unwrap()).unwrap();
    let all = format!("{text}{}", stdout(&o));
    for f in &truth.files {
        assert!(!all.contains(&f.path), "no paths in the report");
        for p in &f.pages {
            for (k, v) in &p.fields {
                if k != "agency" {
                    assert!(!all.contains(v.as_str()), "{k} must not be in the report");
                }
            }
        }
    }
    let o = casefile().args(["report", "--since", "24/11/2026"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "a bad date is a usage error");
}

fn chrono_today() -> String {
    let o = Command::new("date").args(["-u", "+%Y-%m-%d"]).output().unwrap();
    stdout(&o).trim().to_string()
}

#[test]
fn exit_codes_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let scans = dir.path().join("in");
    std::fs::create_dir_all(&scans).unwrap();
    std::fs::copy(demo().join("scans/scan_1.jpg"), scans.join("scan_1.jpg")).unwrap();
    // 0: everything processed; and 0 again when everything is already done.
    let out = dir.path().join("out");
    assert_eq!(run(&[&scans], &out, &[]).status.code(), Some(0));
    assert_eq!(run(&[&scans], &out, &[]).status.code(), Some(0));
    // 1: an input failed; not reported again while it stays as it is.
    std::fs::write(scans.join("bad.jpg"), b"not a jpeg at all").unwrap();
    let o = run(&[&scans], &out, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("bad.jpg"));
    let o = run(&[&scans], &out, &[]);
    assert_eq!(o.status.code(), Some(0), "a known bad file does not fail every cron run: {}", stderr(&o));
    // 2: usage.
    assert_eq!(run(&[&scans], &out, &["--min-age", "soon"]).status.code(), Some(2));
    assert_eq!(run(&[Path::new("/no/such/folder")], &out, &[]).status.code(), Some(2));
    // 3: missing component.
    let o = run(&[&scans], &dir.path().join("out3"), &["--language", "xx_nope"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    // 4 and 130 have tests of their own (lock, Ctrl-C).
}

#[test]
fn a_rerun_over_many_done_inputs_is_quick() {
    // 300 small inputs (blank pages: no recognition needed); the measured figure for 10,000
    // is in docs/performance.md.
    let dir = tempfile::tempdir().unwrap();
    let scans = dir.path().join("in");
    std::fs::create_dir_all(&scans).unwrap();
    for i in 0..300u32 {
        // Blank, and each a little different (identical files would be taken once).
        let mut img = image::GrayImage::from_pixel(200, 260, image::Luma([255u8]));
        img.put_pixel(i % 200, i / 200, image::Luma([250u8]));
        img.save(scans.join(format!("page_{i:04}.png"))).unwrap();
    }
    let out = dir.path().join("out");
    let o = run(&[&scans], &out, &["--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(s["summary"]["inputs_processed"], 300);
    let o = run(&[&scans], &out, &["--json"]);
    let s: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(s["summary"]["inputs_skipped"], 300);
    assert!(s["manifest"].is_null());
    eprintln!("no-op rerun over 300 done inputs: {} s", s["elapsed_seconds"]);
}

#[test]
fn identical_files_in_one_run_are_taken_once() {
    let dir = tempfile::tempdir().unwrap();
    let scans = dir.path().join("in");
    std::fs::create_dir_all(&scans).unwrap();
    std::fs::copy(demo().join("scans/scan_1.jpg"), scans.join("a.jpg")).unwrap();
    std::fs::copy(demo().join("scans/scan_1.jpg"), scans.join("b_copy.jpg")).unwrap();
    let out = dir.path().join("out");
    let o = run(&[&scans], &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(&out);
    assert_eq!(m["documents"].as_array().unwrap().len(), 1);
    let b = m["inputs"].as_array().unwrap().iter().find(|i| i["path"] == "b_copy.jpg").unwrap();
    assert_eq!(b["status"], "skipped");
    assert!(b["note"].as_str().unwrap().contains("a.jpg"), "{b}");
}

#[test]
fn disk_full_stops_cleanly_and_a_rerun_once_space_returns_completes_the_work() {
    // A real full disk: a 1 MB tmpfs as the output folder, in a private mount namespace
    // (unshare -rm: no privileges needed where user namespaces are allowed).
    let probe = Command::new("unshare").args(["-rm", "true"]).output();
    if !probe.map(|o| o.status.success()).unwrap_or(false) {
        eprintln!("SKIPPED: unshare -rm is not allowed here (no user namespaces); the disk-full test did not run");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let scans = demo_copy(dir.path());
    let mnt = dir.path().join("mnt");
    let snap1 = dir.path().join("after-full");
    let snap2 = dir.path().join("after-rerun");
    for d in [&mnt, &snap1, &snap2] {
        std::fs::create_dir_all(d).unwrap();
    }
    let bin = env!("CARGO_BIN_EXE_casefile");
    let script = format!(
        r#"set -u
mount -t tmpfs -o size=1m tmpfs {mnt}
{bin} run {scans} --out {mnt}/out --min-age 0 --jobs 1 >{d}/stdout1 2>{d}/stderr1; echo $? >{d}/rc1
cp -a {mnt}/out/. {snap1}/
mount -o remount,size=64m {mnt}
{bin} run {scans} --out {mnt}/out --min-age 0 >{d}/stdout2 2>{d}/stderr2; echo $? >{d}/rc2
cp -a {mnt}/out/. {snap2}/
"#,
        mnt = mnt.display(),
        bin = bin,
        scans = scans.display(),
        d = dir.path().display(),
        snap1 = snap1.display(),
        snap2 = snap2.display(),
    );
    let o = Command::new("unshare").args(["-rm", "sh", "-c", &script]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    // The full disk: a clear error, a non-zero exit, nothing partial under a final name.
    let rc1: i32 = read("rc1").trim().parse().unwrap();
    let err1 = read("stderr1");
    eprintln!("first run (disk full): exit {rc1}: {err1}");
    assert_ne!(rc1, 0);
    assert!(err1.contains("No space left on device") || err1.contains("disk is full"), "{err1}");
    assert!(leftovers(&snap1).is_empty(), "{:?}", leftovers(&snap1));
    for e in walkdir::WalkDir::new(&snap1).into_iter().filter_map(Result::ok) {
        if e.path().extension().is_some_and(|x| x == "pdf") {
            assert_qpdf_ok(e.path());
        }
    }
    // Space is back: the rerun completes the work; every page once; all outputs verified.
    let rc2: i32 = read("rc2").trim().parse().unwrap();
    assert_eq!(rc2, 0, "{}{}", read("stdout2"), read("stderr2"));
    assert!(leftovers(&snap2).is_empty());
    let pages = pages_in_manifests(&snap2);
    assert_eq!(pages.keys().cloned().collect::<BTreeSet<_>>(), demo_pages());
    assert!(pages.values().all(|&n| n == 1), "{pages:?}");
    assert_eq!(index_lines(&snap2).len(), 7);
    assert_verified(&snap2);
}
