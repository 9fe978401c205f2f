//! Shared helpers for the end-to-end tests: run the built binary, inspect PDFs with poppler
//! and qpdf, validate manifests against the shipped schema, generate fixtures.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;
use sha2::{Digest, Sha256};

pub use fixturegen::truth::Truth;

/// The `casefile` binary built for these tests.
pub fn casefile() -> Command {
    Command::new(env!("CARGO_BIN_EXE_casefile"))
}

/// Run `casefile run INPUTS --out OUT` with extra args.
pub fn run(inputs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    run_cmd(inputs, out, extra).output().expect("the casefile binary runs")
}

/// The command [`run`] runs (options every test run needs go here).
pub fn run_cmd(inputs: &[&Path], out: &Path, extra: &[&str]) -> Command {
    let mut cmd = casefile();
    // Files made by the test are seconds old: take them at once.
    cmd.arg("run").args(inputs).arg("--out").arg(out).arg("--min-age").arg("0").args(extra);
    cmd
}

/// [`run_cmd`] started through `sh -c 'PREFIX; exec "$0" "$@"'`, e.g. to set a umask or a
/// resource limit for the run alone.
pub fn run_in_shell(prefix: &str, inputs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let inner = run_cmd(inputs, out, extra);
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(format!("{prefix}; exec \"$0\" \"$@\"")).arg(inner.get_program()).args(inner.get_args());
    cmd.output().expect("sh runs casefile")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The shared corpus beside the repository (present in CI, absent in a user's clone).
pub fn shared_corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("SKIPPED: ../shared/corpus is not present (it is in CI); this test did not run");
        None
    }
}

/// Text of a PDF as `pdftotext` reads it (optionally one page).
pub fn pdftotext(pdf: &Path, page: Option<u32>) -> String {
    let mut cmd = Command::new("pdftotext");
    if let Some(p) = page {
        cmd.args(["-f", &p.to_string(), "-l", &p.to_string()]);
    }
    let o = cmd.arg(pdf).arg("-").output().expect("pdftotext is installed (poppler-utils)");
    assert!(o.status.success(), "pdftotext failed on {}: {}", pdf.display(), stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `qpdf --check` passes (no errors; warnings are reported as a failure too).
pub fn assert_qpdf_ok(pdf: &Path) {
    let o = Command::new("qpdf").arg("--check").arg(pdf).output().expect("qpdf is installed");
    assert!(
        o.status.code() == Some(0),
        "qpdf --check failed on {}:\n{}{}",
        pdf.display(),
        stdout(&o),
        stderr(&o)
    );
}

/// Page count from `pdfinfo`.
pub fn pdf_pages(pdf: &Path) -> u32 {
    let o = Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo is installed");
    stdout(&o)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap_or(0)))
        .unwrap_or(0)
}

/// The single manifest a run wrote under `out/manifests/` (the newest when several).
pub fn manifest(out: &Path) -> Value {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(out.join("manifests"))
        .expect("manifests folder exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let path = paths.last().expect("a manifest was written");
    serde_json::from_slice(&std::fs::read(path).unwrap()).expect("the manifest is JSON")
}

fn schema_validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let o = casefile().arg("schema").output().unwrap();
        let schema: Value = serde_json::from_slice(&o.stdout).expect("casefile schema prints JSON");
        jsonschema::validator_for(&schema).expect("the schema compiles")
    })
}

/// Validate a manifest against `casefile schema` and check every hash and size in it against
/// the files on disk.
pub fn check_manifest(out: &Path, m: &Value) {
    let errors: Vec<String> = schema_validator().iter_errors(m).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "manifest does not match its schema: {errors:#?}");
    for d in m["documents"].as_array().unwrap() {
        let rel = d["pdf"]["path"].as_str().unwrap();
        let path = out.join(rel);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(d["pdf"]["bytes"].as_u64().unwrap(), bytes.len() as u64, "size of {rel}");
        assert_eq!(d["pdf"]["sha256"].as_str().unwrap(), sha256(&bytes), "sha256 of {rel}");
        assert_eq!(d["pdf"]["pages"].as_u64().unwrap() as u32, pdf_pages(&path), "pages of {rel}");
    }
    for i in m["inputs"].as_array().unwrap() {
        if let (Some(sha), Some(root)) = (i["sha256"].as_str(), i["root"].as_str()) {
            let root = Path::new(root);
            let path = if root.is_file() { root.to_path_buf() } else { root.join(i["path"].as_str().unwrap()) };
            let bytes = std::fs::read(&path).unwrap();
            assert_eq!(sha, sha256(&bytes), "input hash of {}", path.display());
            assert_eq!(i["bytes"].as_u64().unwrap(), bytes.len() as u64);
        }
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Normalise a token for comparison: lower case, letters and digits only.
fn norm(w: &str) -> String {
    w.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Share of the truth's words (as a multiset, punctuation ignored) found in `text`.
pub fn word_recall(truth: &[String], text: &str) -> f64 {
    let mut have: HashMap<String, usize> = HashMap::new();
    for w in text.split_whitespace().map(norm).filter(|w| !w.is_empty()) {
        *have.entry(w).or_default() += 1;
    }
    let wanted: Vec<String> = truth.iter().map(|w| norm(w)).filter(|w| !w.is_empty()).collect();
    if wanted.is_empty() {
        return 1.0;
    }
    let mut found = 0;
    for w in &wanted {
        if let Some(n) = have.get_mut(w) {
            if *n > 0 {
                *n -= 1;
                found += 1;
            }
        }
    }
    found as f64 / wanted.len() as f64
}

/// Generate a fixture set (`formats`, `demo`) into `dir` with the generator's own code, and
/// return its ground truth.
pub fn generate(set: &str, seed: u64, dir: &Path) -> Truth {
    let status = Command::new(fixturegen_bin())
        .args(["--seed", &seed.to_string(), "--set", set, "--out"])
        .arg(dir)
        .status()
        .expect("fixturegen runs");
    assert!(status.success(), "fixturegen failed");
    serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).expect("truth.json parses")
}

/// The fixture generator binary, built once per test process in the same target folder.
fn fixturegen_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "fixturegen", "--release"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo builds fixturegen");
        assert!(status.success(), "building fixturegen failed");
        let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
        target.join("release/fixturegen")
    })
    .clone()
}
