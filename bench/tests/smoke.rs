//! The benchmark harness itself works end to end on a tiny corpus (2 pages, casefile and the
//! raw floor; OCRmyPDF is left out). This checks the harness, not speed: no figure is judged.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn harness_runs_casefile_and_the_floor_and_writes_figures() {
    let bench = PathBuf::from(env!("CARGO_BIN_EXE_casefile-bench"));
    let casefile = bench.with_file_name("casefile");
    if !casefile.exists() {
        eprintln!("SKIPPED: {} is not built (cargo test --workspace builds it)", casefile.display());
        return;
    }
    let work = tempfile_dir();
    let json = work.join("results.json");
    let o = Command::new(&bench)
        .args(["run", "--pages", "2", "--jobs", "2", "--tools", "casefile,floor"])
        .arg("--work")
        .arg(&work)
        .arg("--casefile")
        .arg(&casefile)
        .arg("--json")
        .arg(&json)
        .output()
        .expect("casefile-bench runs");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("casefile / floor"), "{stdout}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["pages"], 2);
    for tool in ["casefile", "floor"] {
        let t = &v["tools"][tool];
        assert!(t["pages_per_minute"].as_f64().unwrap() > 0.0, "{tool}: {t}");
        assert!(t["cpu_seconds_per_page"].as_f64().unwrap() > 0.0, "{tool}: {t}");
        assert!(t["peak_rss_mb"].as_f64().unwrap() > 1.0, "{tool}: {t}");
        assert!(t["output_bytes"].as_u64().unwrap() > 0, "{tool}: {t}");
        assert_eq!(t["failed_processes"], 0, "{tool}: {t}");
    }
    assert!(v["ratios"]["casefile_over_floor"]["wall"].as_f64().unwrap() > 0.0);
    let _ = std::fs::remove_dir_all(&work);
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("casefile-bench-smoke-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
