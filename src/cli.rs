//! The command line: raw flags as clap parses them, validated into a [`Config`] before any work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use casefile::Config;

#[derive(Debug, Parser)]
#[command(name = "casefile", version, about = "Turn scanner output into case records: searchable PDFs and JSON manifests")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Recognise every scan under the inputs and write searchable PDFs and a manifest.
    Run(RunArgs),
    /// Print the JSON Schema of the manifest.
    Schema,
    /// List the forms casefile knows (the catalog).
    Forms(FormsArgs),
    /// Run over scans with known answers (a generator's truth.json) and print accuracy figures.
    Eval(EvalArgs),
    /// Re-hash every output of an output folder against its ledger, manifests and index;
    /// report missing, altered and orphaned files (exit 1 on any).
    Verify(VerifyArgs),
    /// Sum up the work done in an output folder: runs, pages, documents by form and by day.
    /// No names, no paths, no personal data.
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The output folder of earlier runs.
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The output folder of earlier runs.
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    /// Count only work from this day on (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The ground truth (truth.json written by fixturegen).
    #[arg(long, value_name = "FILE")]
    pub truth: PathBuf,
    /// The scans the truth describes (default: the truth file's folder).
    #[arg(value_name = "SCANS")]
    pub scans: Vec<PathBuf>,
    /// Keep the outputs here (default: a temporary folder, removed afterwards).
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Pages recognised in parallel (default: all cores).
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// Merge this catalog file (TOML) over the built-in form catalog.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// List every field that was read wrong (values masked like SSNs in manifests).
    #[arg(long)]
    pub errors: bool,
    /// Also write every box next to a numeric label that the digit readers see, as PNG, with
    /// DIR/zones.jsonl giving each box's field and true value (for work on the readers; the
    /// boxes and the file hold full SSNs).
    #[arg(long, value_name = "DIR")]
    pub dump_zones: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FormsArgs {
    /// Print the catalog as JSON.
    #[arg(long)]
    pub json: bool,
    /// Merge this catalog file (TOML) over the built-in one.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Folders or files to process (JPEG, PNG, BMP, TIFF, PDF).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output folder (created if missing).
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Recognise page images even on PDF pages that already carry text.
    #[arg(long)]
    pub force_ocr: bool,
    /// Pages recognised in parallel (default: all cores).
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// Tesseract language(s), e.g. "eng" or "eng+spa".
    #[arg(long, short = 'l', default_value = "eng")]
    pub language: String,
    /// Folder holding Tesseract's *.traineddata (default: the system's).
    #[arg(long, value_name = "DIR")]
    pub tessdata: Option<PathBuf>,
    /// Resolution assumed for images that do not state one.
    #[arg(long, default_value_t = 300, value_name = "DPI", value_parser = clap::value_parser!(u32).range(50..=2400))]
    pub default_dpi: u32,
    /// Refuse pages with more pixels than this (protects memory from hostile files).
    #[arg(long, default_value_t = casefile::load::DEFAULT_MAX_PIXELS, value_name = "N")]
    pub max_pixels: u64,
    /// Seconds one page's recognition may take (0: no limit); a page that takes longer keeps
    /// its image without text, and its document goes to review.
    #[arg(long, default_value_t = casefile::ocr::DEFAULT_PAGE_TIMEOUT_SECS, value_name = "SECONDS", value_parser = page_timeout)]
    pub page_timeout: f64,
    /// Recognise gray and colour pages scanned at 1.4 times this resolution or more (280 dpi
    /// for 200) from a copy reduced to it: about a fifth less CPU per 300-dpi page. The PDF
    /// keeps the original image. 0: recognise at the scan's resolution (for very small print).
    #[arg(long, default_value_t = DEFAULT_RECOGNITION_DPI, value_name = "DPI", value_parser = recognition_dpi)]
    pub recognition_dpi: u32,
    /// How to split pages into documents: `auto` (by form, blank and barcode separator sheets)
    /// or `file` (one document per input file).
    #[arg(long, value_enum, default_value = "auto")]
    pub split: casefile::separate::Split,
    /// Merge this catalog file (TOML) over the built-in form catalog.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Output file names: placeholders {form} {family} {claim} {date} {key} {id} {id_full};
    /// documents that need review go under review/.
    #[arg(long, value_name = "TEMPLATE", default_value = casefile::naming::DEFAULT_TEMPLATE)]
    pub name_template: String,
    /// Write full SSNs into the manifest (default: masked as ***-**-1234).
    #[arg(long)]
    pub reveal_ssn: bool,
    /// Print only errors and the final summary line.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the closing summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Leave inputs modified less than this long ago for a later run (a scanner may still be
    /// writing them), e.g. "30s", "2m", "0".
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub min_age: std::time::Duration,
    /// Process inputs again even when the ledger says they are done (or failed); the new
    /// documents supersede the old ones.
    #[arg(long)]
    pub force: bool,
    /// How to write problems and events on stderr: `text` lines, or `json` lines for log
    /// collectors.
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    pub log_format: crate::ui::LogFormat,
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    humantime::parse_duration(s).map_err(|e| format!("{e} (examples: 30s, 2m, 0)"))
}

/// `--page-timeout`: seconds, 0 (no limit) up to a day.
fn page_timeout(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if v.is_finite() && (0.0..=86_400.0).contains(&v) {
        Ok(v)
    } else {
        Err("must be between 0 (no limit) and 86400 seconds".into())
    }
}

/// Default of `--recognition-dpi` (the library's default, as a whole number).
const DEFAULT_RECOGNITION_DPI: u32 = match casefile::ocr::DEFAULT_RECOGNITION_DPI {
    Some(dpi) => dpi as u32,
    None => 0,
};

/// `--recognition-dpi`: 0 (off), or a resolution Tesseract still reads well.
fn recognition_dpi(s: &str) -> Result<u32, String> {
    let v: u32 = s.parse().map_err(|_| format!("{s:?} is not a whole number of dpi"))?;
    if v == 0 || (150..=600).contains(&v) {
        Ok(v)
    } else {
        Err("must be 0 (recognise at the scan's resolution) or between 150 and 600 dpi".into())
    }
}

impl RunArgs {
    /// Turn the raw flags into the library's configuration.
    pub fn to_config(&self) -> Config {
        let mut config = Config::new(self.inputs.clone(), self.out.clone());
        config.force_ocr = self.force_ocr;
        if let Some(jobs) = self.jobs {
            config.jobs = jobs;
        }
        config.language = self.language.clone();
        config.tessdata = self.tessdata.clone();
        config.default_dpi = self.default_dpi;
        config.max_pixels = self.max_pixels;
        config.page_timeout = (self.page_timeout > 0.0).then(|| std::time::Duration::from_secs_f64(self.page_timeout));
        config.recognition_dpi = (self.recognition_dpi > 0).then_some(self.recognition_dpi as f32);
        config.reveal_ssn = self.reveal_ssn;
        config.split = self.split;
        config.catalog = self.catalog.clone();
        config.name_template = self.name_template.clone();
        config.quiet = self.quiet;
        config.min_age = self.min_age;
        config.force = self.force;
        config
    }
}
