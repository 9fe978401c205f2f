//! `fixturegen`: deterministic scanner-output fixtures with OCR ground truth.
//!
//! ```text
//! fixturegen --seed 7 --out DIR [--set formats|demo|bench|case] [--pages N] [--docs N]
//! ```
//!
//! Writes the set's files under DIR and `DIR/truth.json` (see `truth.rs` and
//! the README). The same seed gives byte-identical files.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, ValueEnum};

use fixturegen::case::{self, hand::HandFonts};
use fixturegen::render::Fonts;
use fixturegen::sets::{self, Set};

/// Generate scanner-output fixtures (JPEG, PNG, BMP, TIFF, image-only PDF) with ground truth.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// Seed for every random choice; the same seed gives byte-identical files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output directory (created if missing; existing files are overwritten).
    #[arg(long)]
    out: PathBuf,
    /// Which set to generate [default: formats, or bench when --pages is given].
    #[arg(long, value_enum)]
    set: Option<SetArg>,
    /// Number of 300-dpi pages for the bench set (each as JPEG and as PNG).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pages: Option<u32>,
    /// Minimum number of documents for the case set [default: 120; implies --set case].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    docs: Option<u32>,
    /// Scan resolution of the case set [default: 200].
    #[arg(long, value_parser = clap::value_parser!(u32).range(100..=600))]
    dpi: Option<u32>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SetArg {
    /// One file per supported input format and variant.
    Formats,
    /// A small set (under 3 MB) for the README demo.
    Demo,
    /// N pages as single JPEG files and as PNG files, for throughput measurements.
    Bench,
    /// Whole case files (forms, distractors, separators; typed and hand-printed) for evaluation.
    Case,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let set = match (cli.set, cli.pages, cli.docs) {
        (None | Some(SetArg::Case), None, Some(docs)) => Set::Case(docs),
        (Some(SetArg::Case), None, docs) => {
            Set::Case(docs.unwrap_or(fixturegen::case::DEFAULT_DOCS))
        }
        (_, _, Some(_)) => Cli::command()
            .error(
                ErrorKind::ArgumentConflict,
                "--docs applies only to --set case",
            )
            .exit(),
        (None | Some(SetArg::Formats), None, None) => Set::Formats,
        (Some(SetArg::Demo), None, None) => Set::Demo,
        (None | Some(SetArg::Bench), pages, None) => Set::Bench(pages.unwrap_or(10)),
        (Some(_), Some(_), None) => Cli::command()
            .error(
                ErrorKind::ArgumentConflict,
                "--pages applies only to --set bench",
            )
            .exit(),
    };
    if cli.dpi.is_some() && !matches!(set, Set::Case(_)) {
        Cli::command().error(ErrorKind::ArgumentConflict, "--dpi applies only to --set case").exit();
    }
    let started = Instant::now();
    let fonts = Fonts::load()?;
    std::fs::create_dir_all(&cli.out).with_context(|| format!("creating {}", cli.out.display()))?;

    let total_bytes = AtomicU64::new(0);
    let sink = |path: &str, bytes: &[u8]| -> Result<()> {
        let target = cli.out.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&target, bytes).with_context(|| format!("writing {}", target.display()))?;
        total_bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(())
    };
    let truth = match set {
        Set::Case(docs) => {
            let hand = HandFonts::load()?;
            if hand.simulated {
                eprintln!(
                    "fixturegen: no handwriting font installed (fonts-humor-sans, fonts-bwht, \
                     fonts-breip); hand printing is simulated with a plain sans font"
                );
            }
            case::generate(docs, cli.dpi.unwrap_or(case::DEFAULT_DPI), cli.seed, &fonts, &hand, &sink)?
        }
        _ => sets::generate(set.name(), &set.jobs(), cli.seed, &fonts, &sink)?,
    };

    let truth_path = cli.out.join("truth.json");
    let mut json = serde_json::to_string_pretty(&truth).context("serializing truth")?;
    json.push('\n');
    std::fs::write(&truth_path, json)
        .with_context(|| format!("writing {}", truth_path.display()))?;

    let pages: usize = truth.files.iter().map(|f| f.pages.len()).sum();
    if !truth.documents.is_empty() {
        eprintln!(
            "fixturegen: {} documents ({} hand-printed), {} separator or blank sheets",
            truth.documents.len(),
            truth.documents.iter().filter(|d| d.handwritten).count(),
            truth.separators.len()
        );
    }
    eprintln!(
        "fixturegen: set {} seed {}: {} files, {} pages, {:.1} MB in {:.1} s -> {}",
        set.name(),
        cli.seed,
        truth.files.len(),
        pages,
        total_bytes.load(Ordering::Relaxed) as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        cli.out.display()
    );
    Ok(())
}
