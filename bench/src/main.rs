//! `casefile-bench`: casefile side by side with its peers on the same pages and cores.
//!
//! ```text
//! casefile-bench run     [--pages N | --corpus DIR] [--jobs J] [--tools casefile,ocrmypdf,floor] [--json FILE]
//! casefile-bench profile [--pages N | --corpus DIR] [--limit K]     per-stage CPU seconds, one thread
//! casefile-bench corpus  [--pages N] [--seed S] --out DIR           just make the corpus
//! ```
//!
//! `run` times, one after another on the same corpus: `casefile run`; OCRmyPDF (from the
//! virtual environment `scripts/bench-setup` makes) on the corpus bundled into one PDF by
//! img2pdf (JPEG, PNG and G4 kept as they are); and the raw floor, `tesseract page out pdf` for
//! every page, J processes at a time. All with `OMP_THREAD_LIMIT=1`. It prints pages per minute,
//! CPU seconds per page, wall time, peak RSS (all processes of the tool, sampled every 20 ms) and
//! output bytes / input bytes, with the ratios casefile / OCRmyPDF and casefile / floor, and
//! writes them as JSON. See docs/performance.md.

mod measure;
mod profile;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use serde_json::json;

use fixturegen::encode::{Format, TiffCompression};
use fixturegen::render::Fonts;
use fixturegen::sets::{self, scan, Job, Tone};

use measure::Measured;

#[derive(Debug, Parser)]
#[command(version, about = "casefile side by side with OCRmyPDF and the raw Tesseract floor")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Time casefile, OCRmyPDF and the raw floor on the same pages and cores.
    Run(RunArgs),
    /// Where one page's CPU time goes, stage by stage (one thread, the library's own functions).
    Profile(profile::ProfileArgs),
    /// Make the benchmark corpus and stop.
    Corpus(CorpusArgs),
    #[command(hide = true)]
    Probe { dir: PathBuf },
}

#[derive(Debug, clap::Args)]
struct CorpusSource {
    /// Pages of the generated corpus (40 % gray JPEG, 20 % colour JPEG, 20 % gray PNG, 20 % G4 TIFF; 300 dpi, US letter).
    #[arg(long, default_value_t = 50)]
    pages: u32,
    /// Seed of the generated corpus.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Use this folder of page images (JPEG, PNG, TIFF, BMP; one page per file) instead of generating one.
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// Working folder: generated corpora and each tool's output (default: target/bench).
    #[arg(long, value_name = "DIR")]
    work: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    #[command(flatten)]
    source: CorpusSource,
    /// Pages processed in parallel by every tool (default: all cores).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Which tools to run, comma-separated, in this order.
    #[arg(long, value_delimiter = ',', default_value = "casefile,ocrmypdf,floor")]
    tools: Vec<String>,
    /// The casefile binary (default: `casefile` beside this binary).
    #[arg(long, value_name = "PATH")]
    casefile: Option<PathBuf>,
    /// Extra argument for `casefile run` (repeatable), e.g. --casefile-arg=--split=file.
    #[arg(long, value_name = "ARG", allow_hyphen_values = true)]
    casefile_arg: Vec<String>,
    /// OCRmyPDF's command (default: target/bench-venv/bin/ocrmypdf, made by scripts/bench-setup).
    #[arg(long, value_name = "PATH")]
    ocrmypdf: Option<PathBuf>,
    /// Tesseract language, for every tool.
    #[arg(long, short = 'l', default_value = "eng")]
    language: String,
    /// Folder of *.traineddata for every tool (default: the system's).
    #[arg(long, value_name = "DIR")]
    tessdata: Option<PathBuf>,
    /// After casefile's run, run it again on the same output (a no-op rerun) and time that too.
    #[arg(long)]
    rerun: bool,
    /// Write the figures here as JSON (default: WORK/results.json).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct CorpusArgs {
    #[arg(long, default_value_t = 50)]
    pages: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

fn main() -> Result<()> {
    measure::ensure_omp_thread_limit();
    let cli = Cli::parse();
    match cli.command {
        Cmd::Run(args) => run(args),
        Cmd::Profile(args) => profile::run(args),
        Cmd::Probe { dir } => profile::probe(dir),
        Cmd::Corpus(args) => {
            generate_corpus(args.pages, args.seed, &args.out)?;
            let pages = corpus_pages(&args.out)?;
            eprintln!("casefile-bench: {} page files in {}", pages.len(), args.out.display());
            Ok(())
        }
    }
}

/// The workspace's root (this crate lives in `bench/`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| ".".into())
}

impl CorpusSource {
    fn work_dir(&self) -> PathBuf {
        self.work.clone().unwrap_or_else(|| workspace_root().join("target").join("bench"))
    }

    /// The corpus folder, generated (once, cached under WORK) when not given.
    fn resolve(&self) -> Result<PathBuf> {
        if let Some(dir) = &self.corpus {
            if !dir.is_dir() {
                bail!("--corpus {}: no such folder", dir.display());
            }
            return Ok(dir.clone());
        }
        let dir = self.work_dir().join(format!("corpus-{}p-seed{}", self.pages, self.seed));
        let done = dir.join(".complete");
        if !done.exists() {
            eprintln!("casefile-bench: generating {} pages into {} ...", self.pages, dir.display());
            if dir.exists() {
                std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
            }
            generate_corpus(self.pages, self.seed, &dir)?;
            std::fs::write(&done, b"")?;
        }
        Ok(dir)
    }
}

/// Share of the corpus per format: for every 5 pages, 2 gray JPEG (phone and home scanners),
/// 1 colour JPEG, 1 gray PNG and 1 bilevel CCITT G4 TIFF (production scanners).
fn plan(pages: u32) -> [(u32, &'static str); 4] {
    let mut n = [0u32; 4];
    for i in 0..pages {
        n[match i % 5 {
            0 | 1 => 0,
            2 => 1,
            3 => 2,
            _ => 3,
        }] += 1;
    }
    [(n[0], "jpeg-gray"), (n[1], "jpeg-color"), (n[2], "png-gray"), (n[3], "tiff-g4")]
}

/// Generate `pages` 300-dpi letter pages, one file per page, in the common scanner formats.
fn generate_corpus(pages: u32, seed: u64, out: &Path) -> Result<()> {
    let fonts = Fonts::load()?;
    std::fs::create_dir_all(out)?;
    let jpeg = Format::Jpeg { quality: 85 };
    let mut jobs = Vec::new();
    for (n, kind) in plan(pages) {
        if n == 0 {
            continue;
        }
        match kind {
            "jpeg-gray" => jobs.push(Job::new("bench-jpeg-gray", n, 300, scan(Tone::Gray, true)).output("jpeg-gray/page_{page}.jpg", jpeg)),
            "jpeg-color" => jobs.push(Job::new("bench-jpeg-color", n, 300, scan(Tone::Color, true)).output("jpeg-color/page_{page}.jpg", jpeg)),
            "png-gray" => jobs.push(Job::new("bench-png-gray", n, 300, scan(Tone::Gray, false)).output("png-gray/page_{page}.png", Format::Png)),
            _ => {
                // TIFF is a multi-page format: one job (one single-page file) per page.
                for k in 1..=n {
                    let path = format!("tiff-g4/page_{k}.tif");
                    jobs.push(Job::new(&path, 1, 300, scan(Tone::Bilevel, false)).output(&path, Format::Tiff(TiffCompression::G4)));
                }
            }
        }
    }
    let sink = |path: &str, bytes: &[u8]| -> Result<()> {
        let target = out.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&target, bytes).with_context(|| format!("writing {}", target.display()))?;
        Ok(())
    };
    sets::generate("bench-mix", &jobs, seed, &fonts, &sink)?;
    Ok(())
}

/// The page files of a corpus folder, in natural order of their paths.
fn corpus_pages(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let p = entry?.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if matches!(ext(&p).as_str(), "jpg" | "jpeg" | "png" | "tif" | "tiff" | "bmp") {
                files.push(p);
            }
        }
    }
    files.sort_by(|a, b| natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
    if files.is_empty() {
        bail!("{}: no page images (JPEG, PNG, TIFF, BMP) found", dir.display());
    }
    Ok(files)
}

fn ext(p: &Path) -> String {
    p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

/// Natural order: runs of digits compare by value.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, _) => return std::cmp::Ordering::Less,
            (_, None) => return std::cmp::Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let na = std::str::from_utf8(&a[..da]).ok().and_then(|s| s.parse::<u128>().ok()).unwrap_or(0);
                let nb = std::str::from_utf8(&b[..db]).ok().and_then(|s| s.parse::<u128>().ok()).unwrap_or(0);
                if na != nb {
                    return na.cmp(&nb);
                }
                a = &a[da..];
                b = &b[db..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn file_bytes(paths: &[PathBuf]) -> u64 {
    paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum()
}

/// Bytes of every PDF under `dir`.
fn pdf_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if ext(&p) == "pdf" {
                total += e.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
    }
    total
}

fn first_line(cmd: &mut Command) -> Option<String> {
    let o = cmd.output().ok()?;
    let text = if o.stdout.is_empty() { o.stderr } else { o.stdout };
    String::from_utf8_lossy(&text).lines().next().map(|l| l.trim().to_string())
}

fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    Ok(())
}

struct ToolResult {
    name: &'static str,
    measured: Measured,
    output_bytes: u64,
    note: String,
}

fn run(args: RunArgs) -> Result<()> {
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    let work = args.source.work_dir();
    let corpus = args.source.resolve()?;
    let corpus = corpus.canonicalize().unwrap_or(corpus);
    let pages = corpus_pages(&corpus)?;
    let input_bytes = file_bytes(&pages);
    let n = pages.len();
    let runs = work.join("runs");
    std::fs::create_dir_all(&runs)?;
    let casefile = args.casefile.clone().unwrap_or_else(|| {
        std::env::current_exe().ok().and_then(|e| e.parent().map(|d| d.join("casefile"))).unwrap_or_else(|| "casefile".into())
    });
    let ocrmypdf = args.ocrmypdf.clone().unwrap_or_else(|| workspace_root().join("target/bench-venv/bin/ocrmypdf"));
    let mut by_format: BTreeMap<String, usize> = BTreeMap::new();
    for p in &pages {
        *by_format.entry(p.parent().and_then(|d| d.file_name()).map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()).or_default() += 1;
    }
    eprintln!(
        "casefile-bench: {n} pages ({:.1} MB) from {}, {jobs} jobs, OMP_THREAD_LIMIT=1",
        input_bytes as f64 / 1e6,
        corpus.display()
    );

    let mut results: Vec<ToolResult> = Vec::new();
    let mut rerun: Option<Measured> = None;
    let mut versions = BTreeMap::new();
    versions.insert("tesseract", first_line(Command::new("tesseract").arg("--version")).unwrap_or_default());
    for tool in &args.tools {
        match tool.as_str() {
            "casefile" => {
                if !casefile.exists() {
                    bail!("{}: not found (build it: cargo build --release)", casefile.display());
                }
                versions.insert("casefile", first_line(Command::new(&casefile).arg("--version")).unwrap_or_default());
                let out = runs.join("casefile");
                fresh_dir(&out)?;
                let help = Command::new(&casefile).args(["run", "--help"]).output().map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
                let mut cmd = Command::new(&casefile);
                cmd.arg("run").arg(&corpus).arg("--out").arg(&out).arg("--jobs").arg(jobs.to_string()).arg("--quiet");
                cmd.args(["--language", &args.language]);
                if let Some(t) = &args.tessdata {
                    cmd.arg("--tessdata").arg(t);
                }
                // Files younger than --min-age are left pending: the corpus may be fresh.
                if help.contains("--min-age") {
                    cmd.args(["--min-age", "0"]);
                }
                cmd.args(&args.casefile_arg);
                eprintln!("casefile-bench: casefile ...");
                let measured = measure::run_all(vec![cmd], 1, &runs.join("casefile.log"))?;
                results.push(ToolResult { name: "casefile", output_bytes: pdf_bytes(&out), measured, note: String::new() });
                if args.rerun {
                    let mut cmd = Command::new(&casefile);
                    cmd.arg("run").arg(&corpus).arg("--out").arg(&out).arg("--jobs").arg(jobs.to_string()).arg("--quiet");
                    if help.contains("--min-age") {
                        cmd.args(["--min-age", "0"]);
                    }
                    cmd.args(&args.casefile_arg);
                    eprintln!("casefile-bench: casefile rerun ...");
                    rerun = Some(measure::run_all(vec![cmd], 1, &runs.join("casefile-rerun.log"))?);
                }
            }
            "ocrmypdf" => {
                if !ocrmypdf.exists() {
                    eprintln!(
                        "casefile-bench: OCRmyPDF skipped: {} not found (run scripts/bench-setup, or pass --ocrmypdf)",
                        ocrmypdf.display()
                    );
                    continue;
                }
                versions.insert("ocrmypdf", first_line(Command::new(&ocrmypdf).arg("--version")).unwrap_or_default());
                let out = runs.join("ocrmypdf");
                fresh_dir(&out)?;
                // OCRmyPDF takes one PDF: bundle the pages with img2pdf (same venv), which
                // embeds JPEG, PNG and G4 data as they are. Not timed.
                let bundle = out.join("input.pdf");
                let img2pdf = ocrmypdf.with_file_name("img2pdf");
                let status = Command::new(&img2pdf).args(&pages).arg("-o").arg(&bundle).status().with_context(|| format!("running {}", img2pdf.display()))?;
                if !status.success() {
                    bail!("img2pdf could not bundle the corpus ({status})");
                }
                let result = out.join("output.pdf");
                let mut cmd = Command::new(&ocrmypdf);
                cmd.args(["--jobs", &jobs.to_string(), "--output-type", "pdf", "-l", &args.language]);
                if let Some(t) = &args.tessdata {
                    cmd.env("TESSDATA_PREFIX", t);
                }
                cmd.arg(&bundle).arg(&result);
                eprintln!("casefile-bench: ocrmypdf ...");
                let measured = measure::run_all(vec![cmd], 1, &runs.join("ocrmypdf.log"))?;
                let output_bytes = std::fs::metadata(&result).map(|m| m.len()).unwrap_or(0);
                let note = format!("input bundled by img2pdf: {:.1} MB", std::fs::metadata(&bundle).map(|m| m.len()).unwrap_or(0) as f64 / 1e6);
                results.push(ToolResult { name: "ocrmypdf", measured, output_bytes, note });
            }
            "floor" => {
                versions.entry("tesseract").or_default();
                let out = runs.join("floor");
                fresh_dir(&out)?;
                let cmds: Vec<Command> = pages
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let mut cmd = Command::new("tesseract");
                        cmd.arg(p).arg(out.join(format!("page_{:05}", i + 1))).args(["-l", &args.language]);
                        if let Some(t) = &args.tessdata {
                            cmd.arg("--tessdata-dir").arg(t);
                        }
                        cmd.arg("pdf");
                        cmd
                    })
                    .collect();
                eprintln!("casefile-bench: floor (tesseract page out pdf, {jobs} at a time) ...");
                let measured = measure::run_all(cmds, jobs, &runs.join("floor.log"))?;
                results.push(ToolResult { name: "floor", output_bytes: pdf_bytes(&out), measured, note: String::new() });
            }
            other => bail!("unknown tool '{other}' (casefile, ocrmypdf, floor)"),
        }
    }

    // Table
    let per_min = |m: &Measured| if m.wall_secs > 0.0 { n as f64 * 60.0 / m.wall_secs } else { 0.0 };
    let cpu_pp = |m: &Measured| (m.user_secs + m.sys_secs) / n as f64;
    println!();
    println!("{n} pages, {jobs} jobs, input {:.1} MB ({})", input_bytes as f64 / 1e6, by_format.iter().map(|(k, v)| format!("{v} {k}")).collect::<Vec<_>>().join(", "));
    println!("{:<10} {:>9} {:>10} {:>9} {:>9} {:>10} {:>8}  status", "tool", "pages/min", "CPU s/page", "wall s", "peak MB", "1 proc MB", "out/in");
    for r in &results {
        let m = &r.measured;
        println!(
            "{:<10} {:>9.1} {:>10.3} {:>9.1} {:>9.0} {:>10.0} {:>8.3}  {}",
            r.name,
            per_min(m),
            cpu_pp(m),
            m.wall_secs,
            m.peak_tree_rss_kb as f64 / 1024.0,
            m.max_proc_rss_kb as f64 / 1024.0,
            r.output_bytes as f64 / input_bytes.max(1) as f64,
            if m.failures == 0 { "ok".to_string() } else { format!("{} failed (see log)", m.failures) }
        );
    }
    if let Some(m) = &rerun {
        println!("casefile no-op rerun: {:.2} s wall, {:.2} CPU s", m.wall_secs, m.user_secs + m.sys_secs);
    }
    let get = |name: &str| results.iter().find(|r| r.name == name);
    let mut ratios = serde_json::Map::new();
    if let Some(c) = get("casefile") {
        for peer in ["ocrmypdf", "floor"] {
            if let Some(p) = get(peer) {
                let (cm, pm) = (&c.measured, &p.measured);
                let r = json!({
                    "throughput": per_min(cm) / per_min(pm).max(1e-9),
                    "wall": cm.wall_secs / pm.wall_secs.max(1e-9),
                    "cpu": cpu_pp(cm) / cpu_pp(pm).max(1e-9),
                    "peak_rss": cm.peak_tree_rss_kb as f64 / pm.peak_tree_rss_kb.max(1) as f64,
                });
                println!(
                    "casefile / {peer:<8}: throughput {:.2}x, wall {:.2}x, CPU {:.2}x, peak RSS {:.2}x",
                    r["throughput"].as_f64().unwrap_or(0.0),
                    r["wall"].as_f64().unwrap_or(0.0),
                    r["cpu"].as_f64().unwrap_or(0.0),
                    r["peak_rss"].as_f64().unwrap_or(0.0)
                );
                ratios.insert(format!("casefile_over_{peer}"), r);
            }
        }
    }
    let tools: serde_json::Map<String, serde_json::Value> = results
        .iter()
        .map(|r| {
            let m = &r.measured;
            (
                r.name.to_string(),
                json!({
                    "pages_per_minute": per_min(m),
                    "cpu_seconds_per_page": cpu_pp(m),
                    "user_seconds": m.user_secs,
                    "sys_seconds": m.sys_secs,
                    "wall_seconds": m.wall_secs,
                    "peak_rss_mb": m.peak_tree_rss_kb as f64 / 1024.0,
                    "largest_process_rss_mb": m.max_proc_rss_kb as f64 / 1024.0,
                    "output_bytes": r.output_bytes,
                    "output_over_input": r.output_bytes as f64 / input_bytes.max(1) as f64,
                    "failed_processes": m.failures,
                    "note": r.note,
                }),
            )
        })
        .collect();
    let report = json!({
        "pages": n,
        "jobs": jobs,
        "corpus": { "path": corpus, "input_bytes": input_bytes, "by_format": by_format },
        "machine": measure::machine(),
        "versions": versions,
        "environment": { "OMP_THREAD_LIMIT": "1" },
        "tools": tools,
        "ratios": ratios,
        "casefile_rerun_seconds": rerun.as_ref().map(|m| m.wall_secs),
        "casefile_args": args.casefile_arg,
    });
    let json_path = args.json.clone().unwrap_or_else(|| work.join("results.json"));
    if let Some(parent) = json_path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&json_path, serde_json::to_string_pretty(&report)? + "\n")?;
    println!("figures: {}", json_path.display());
    if results.iter().any(|r| r.measured.failures > 0) {
        bail!("some tool failed; see the logs in {}", runs.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_plan_adds_up_and_mixes_formats() {
        for n in [1, 2, 5, 7, 50, 1000] {
            assert_eq!(plan(n).iter().map(|p| p.0).sum::<u32>(), n);
        }
        assert_eq!(plan(50).map(|p| p.0), [20, 10, 10, 10]);
        assert_eq!(plan(2).map(|p| p.0), [2, 0, 0, 0]);
    }

    #[test]
    fn natural_order() {
        let mut v = vec!["a/page_10.jpg", "a/page_2.jpg", "a/page_1.jpg", "b/page_1.png"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["a/page_1.jpg", "a/page_2.jpg", "a/page_10.jpg", "b/page_1.png"]);
    }
}
