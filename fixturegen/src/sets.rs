//! The fixture sets and the generator that renders, degrades and encodes them.
//!
//! A set is a list of [`Job`]s. A job is one case document: a person, a number
//! of pages (each page shows the next form of the catalog), a resolution, a
//! degradation pipeline, and the files the pages are written to.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::degrade::{self, Raster, Step};
use crate::encode::{Format, PdfImage, TiffCompression};
use crate::layout::layout;
use crate::model::{PageSpec, Person, CATALOG};
use crate::render::{rasterize, Fonts, Palette};
use crate::truth::{FileTruth, PageTruth, Truth};

/// A named set of fixtures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Set {
    /// One file per supported input format and variant.
    Formats,
    /// A small set for the README demo (under 3 MB).
    Demo,
    /// `n` 300-dpi pages, each as a JPEG file and as a PNG file, for throughput runs.
    Bench(u32),
    /// Case files with at least this many documents (see [`crate::case`]).
    Case(u32),
}

impl Set {
    pub fn name(self) -> &'static str {
        match self {
            Set::Formats => "formats",
            Set::Demo => "demo",
            Set::Bench(_) => "bench",
            Set::Case(_) => "case",
        }
    }

    /// The jobs making up this set (none for the case set, which is planned
    /// by [`crate::case::generate`]).
    pub fn jobs(self) -> Vec<Job> {
        match self {
            Set::Formats => formats(),
            Set::Demo => demo(),
            Set::Bench(n) => vec![Job::new("bench", n, 300, scan(Tone::Gray, true))
                .output("bench/jpeg/page_{page}.jpg", Format::Jpeg { quality: 85 })
                .output("bench/png/page_{page}.png", Format::Png)],
            Set::Case(_) => Vec::new(),
        }
    }
}

/// Where a job's pages are written.
#[derive(Debug, Clone)]
pub struct Output {
    /// Path relative to the output directory. Single-page formats write one
    /// file per page and must contain `{page}` (1-based, not zero-padded).
    pub path: String,
    pub format: Format,
}

/// One case document and the files it is written to.
#[derive(Debug, Clone)]
pub struct Job {
    /// Seeds the job's randomness, so jobs do not affect each other.
    pub id: String,
    pub pages: u32,
    pub dpi: u32,
    pub steps: Vec<Step>,
    pub outputs: Vec<Output>,
}

impl Job {
    pub fn new(id: &str, pages: u32, dpi: u32, steps: Vec<Step>) -> Self {
        Job {
            id: id.to_string(),
            pages,
            dpi,
            steps,
            outputs: Vec::new(),
        }
    }

    pub fn output(mut self, path: &str, format: Format) -> Self {
        self.outputs.push(Output {
            path: path.to_string(),
            format,
        });
        self
    }

    /// A job whose only output is `path` (its id is the path).
    fn file(path: &str, pages: u32, dpi: u32, steps: Vec<Step>, format: Format) -> Self {
        Job::new(path, pages, dpi, steps).output(path, format)
    }
}

/// Pixel type of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Color,
    Gray,
    Bilevel,
}

/// Light, upright scanner degradation: noise on continuous tone, slight blur
/// for JPEG output, thresholding and faint speckle for bilevel.
pub fn scan(tone: Tone, jpeg: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    if tone != Tone::Color {
        steps.push(Step::Gray);
    }
    match tone {
        Tone::Bilevel => steps.extend([Step::Blur(0.6), Step::Binarize(150), Step::Speckle(25)]),
        _ if jpeg => steps.extend([Step::Blur(0.6), Step::Noise(2.5)]),
        _ => steps.push(Step::Noise(2.0)),
    }
    steps
}

#[rustfmt::skip]
fn formats() -> Vec<Job> {
    use TiffCompression as T;
    use Tone::*;
    let jpeg = Format::Jpeg { quality: 85 };
    let (tiff, pdf) = (Format::Tiff, Format::Pdf);
    vec![
        Job::file("jpeg/gray_300dpi.jpg",             1, 300, scan(Gray, true),     jpeg),
        Job::file("jpeg/gray_200dpi.jpg",             1, 200, scan(Gray, true),     jpeg),
        Job::file("jpeg/color_300dpi.jpg",            1, 300, scan(Color, true),    jpeg),
        Job::file("jpeg/color_200dpi.jpg",            1, 200, scan(Color, true),    jpeg),
        Job::file("png/gray_300dpi.png",              1, 300, scan(Gray, false),    Format::Png),
        Job::file("bmp/color_200dpi.bmp",             1, 200, scan(Color, false),   Format::Bmp),
        Job::file("tiff/lzw_gray_300dpi.tif",         2, 300, scan(Gray, false),    tiff(T::Lzw)),
        Job::file("tiff/lzw_rgb_200dpi.tif",          2, 200, scan(Color, false),   tiff(T::Lzw)),
        Job::file("tiff/deflate_gray_300dpi.tif",     2, 300, scan(Gray, false),    tiff(T::Deflate)),
        Job::file("tiff/deflate_rgb_200dpi.tif",      2, 200, scan(Color, false),   tiff(T::Deflate)),
        Job::file("tiff/packbits_gray_200dpi.tif",    2, 200, scan(Gray, false),    tiff(T::PackBits)),
        Job::file("tiff/packbits_bilevel_300dpi.tif", 2, 300, scan(Bilevel, false), tiff(T::PackBits)),
        Job::file("tiff/g4_300dpi.tif",               3, 300, scan(Bilevel, false), tiff(T::G4)),
        Job::file("tiff/g3_200dpi.tif",               2, 200, scan(Bilevel, false), tiff(T::G3)),
        Job::file("pdf/jpeg_color_200dpi.pdf",        2, 200, scan(Color, true),    pdf(PdfImage::Jpeg { quality: 85 })),
        Job::file("pdf/flate_gray_300dpi.pdf",        2, 300, scan(Gray, false),    pdf(PdfImage::Flate)),
        Job::file("pdf/g4_300dpi.pdf",                3, 300, scan(Bilevel, false), pdf(PdfImage::G4)),
        // scan_2.jpg must come before scan_10.jpg: natural sort, not byte order.
        Job::new("scans", 11, 200, scan(Color, true)).output("scans/scan_{page}.jpg", jpeg),
    ]
}

#[rustfmt::skip]
fn demo() -> Vec<Job> {
    use Tone::*;
    let jpeg = Format::Jpeg { quality: 75 };
    vec![
        Job::new("scans", 3, 200, scan(Color, true)).output("scans/scan_{page}.jpg", jpeg),
        Job::file("intake_g4.tif",   2, 300, scan(Bilevel, false), Format::Tiff(TiffCompression::G4)),
        Job::file("intake_scan.pdf", 2, 200, scan(Gray, true),     Format::Pdf(PdfImage::Jpeg { quality: 75 })),
    ]
}

/// A ChaCha RNG for one purpose, derived from the seed and a label path with
/// FNV-1a, so that adding a job or a page never changes the others.
pub fn rng_for(seed: u64, labels: &[&str]) -> ChaCha8Rng {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(&seed.to_le_bytes());
    for label in labels {
        eat(label.as_bytes());
        eat(&[0xff]);
    }
    ChaCha8Rng::seed_from_u64(h)
}

/// Receives every produced file (relative path, bytes); called from worker threads.
pub type Sink<'a> = dyn Fn(&str, &[u8]) -> Result<()> + Sync + 'a;

/// Generate `jobs`, hand each file to `sink`, and return the ground truth.
pub fn generate(set: &str, jobs: &[Job], seed: u64, fonts: &Fonts, sink: &Sink) -> Result<Truth> {
    let files = jobs
        .par_iter()
        .map(|job| {
            run_job(job, seed, fonts, sink).with_context(|| format!("generating {}", job.id))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Truth {
        seed,
        set: set.to_string(),
        files: files.into_iter().flatten().collect(),
        documents: Vec::new(),
        separators: Vec::new(),
    })
}

fn run_job(job: &Job, seed: u64, fonts: &Fonts, sink: &Sink) -> Result<Vec<FileTruth>> {
    let keep_rasters = job.outputs.iter().any(|o| o.format.multi_page());
    // Render pages in parallel; single-page files are written right away so
    // that large benchmark sets never hold more than a few pages in memory.
    let pages = (1..=job.pages)
        .into_par_iter()
        .map(|n| {
            let (raster, truth) = render_page(job, n, seed, fonts)?;
            let mut singles = Vec::new();
            for out in job.outputs.iter().filter(|o| !o.format.multi_page()) {
                let path = out.path.replace("{page}", &n.to_string());
                sink(
                    &path,
                    &out.format.encode(std::slice::from_ref(&raster), job.dpi)?,
                )?;
                singles.push(FileTruth {
                    path,
                    format: out.format.name().to_string(),
                    color: raster.color_name().to_string(),
                    pages: vec![PageTruth {
                        page: 1,
                        ..truth.clone()
                    }],
                });
            }
            Ok((keep_rasters.then_some(raster), truth, singles))
        })
        .collect::<Result<Vec<_>>>()?;

    let (mut rasters, mut truths, mut singles) = (Vec::new(), Vec::new(), Vec::new());
    for (raster, truth, files) in pages {
        rasters.extend(raster);
        truths.push(truth);
        singles.push(files.into_iter());
    }
    // Truth entries follow the order of the outputs, then of the pages.
    let mut files = Vec::new();
    for out in &job.outputs {
        if out.format.multi_page() {
            sink(&out.path, &out.format.encode(&rasters, job.dpi)?)?;
            files.push(FileTruth {
                path: out.path.clone(),
                format: out.format.name().to_string(),
                color: rasters
                    .first()
                    .map_or("gray", Raster::color_name)
                    .to_string(),
                pages: truths.clone(),
            });
        } else {
            files.extend(singles.iter_mut().filter_map(Iterator::next));
        }
    }
    Ok(files)
}

/// Render page `n` (1-based) of `job`: content, layout, raster, degradation.
fn render_page(job: &Job, n: u32, seed: u64, fonts: &Fonts) -> Result<(Raster, PageTruth)> {
    let id = job.id.as_str();
    let person = Person::random(&mut rng_for(seed, &[id, "person"]));
    let first_form = rng_for(seed, &[id, "forms"]).random_range(0..CATALOG.len());
    let form = &CATALOG[(first_form + n as usize - 1) % CATALOG.len()];
    let page = n.to_string();
    let mut rng = rng_for(seed, &[id, &page, "content"]);
    let spec = PageSpec::new(form, &person, &mut rng);
    let laid_out = layout(&spec, fonts, &mut rng);
    let palette = Palette::random(&mut rng);
    let clean = Raster::Rgb(rasterize(&laid_out, fonts, job.dpi, &palette));
    let raster = degrade::apply(
        clean,
        &job.steps,
        &mut rng_for(seed, &[id, &page, "degrade"]),
    )?;
    let (width_px, height_px) = raster.dimensions();
    let fields: BTreeMap<String, String> = spec
        .fields
        .iter()
        .map(|f| (f.kind.key().to_string(), f.truth.clone()))
        .collect();
    let truth = PageTruth {
        page: n,
        dpi: job.dpi,
        width_px,
        height_px,
        rotation: degrade::rotation(&job.steps),
        skew_degrees: 0.0,
        role: None,
        words: laid_out.words(),
        form: form.id.to_string(),
        fields,
    };
    Ok((raster, truth))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    /// Every format at a low resolution, so the test is quick in debug builds.
    fn small_jobs() -> Vec<Job> {
        let mut jobs: Vec<Job> = Set::Formats.jobs();
        for job in &mut jobs {
            job.dpi = 50;
            job.pages = job.pages.min(2);
        }
        jobs
    }

    fn run(seed: u64) -> (Truth, BTreeMap<String, Vec<u8>>) {
        let fonts = Fonts::load().unwrap();
        let files = Mutex::new(BTreeMap::new());
        let sink = |path: &str, bytes: &[u8]| {
            files
                .lock()
                .unwrap()
                .insert(path.to_string(), bytes.to_vec());
            Ok(())
        };
        let truth = generate("test", &small_jobs(), seed, &fonts, &sink).unwrap();
        (truth, files.into_inner().unwrap())
    }

    #[test]
    fn same_seed_same_bytes_and_different_seed_different_bytes() {
        let (truth_a, files_a) = run(11);
        let (truth_b, files_b) = run(11);
        assert_eq!(truth_a, truth_b);
        assert_eq!(files_a, files_b);
        let (truth_c, files_c) = run(12);
        assert_ne!(
            truth_a.files[0].pages[0].words,
            truth_c.files[0].pages[0].words
        );
        for (path, bytes) in &files_a {
            assert_ne!(
                Some(bytes),
                files_c.get(path),
                "{path} did not change with the seed"
            );
        }
    }

    #[test]
    fn truth_lists_every_file_once_with_its_pages() {
        let (truth, files) = run(3);
        let paths: BTreeSet<&str> = truth.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths.len(), truth.files.len());
        assert_eq!(paths, files.keys().map(String::as_str).collect());
        for file in &truth.files {
            for (i, page) in file.pages.iter().enumerate() {
                assert_eq!(page.page as usize, i + 1);
                assert!(
                    page.words.len() > 80,
                    "{} has {} words",
                    file.path,
                    page.words.len()
                );
                assert!(page.words.iter().any(|w| w == "Management"));
                assert!(page.fields["ssn"].starts_with('9'));
            }
        }
    }

    #[test]
    fn formats_scans_need_natural_sort() {
        let jobs = Set::Formats.jobs();
        let scans = jobs.iter().find(|j| j.id == "scans").unwrap();
        assert!(scans.pages >= 10, "scan_10 must exist to test natural sort");
    }

    #[test]
    fn set_definitions_are_consistent() {
        for set in [Set::Formats, Set::Demo, Set::Bench(3)] {
            let mut paths = BTreeSet::new();
            for job in set.jobs() {
                for out in &job.outputs {
                    assert!(
                        out.format.multi_page() || job.pages == 1 || out.path.contains("{page}")
                    );
                    assert!(
                        paths.insert(out.path.clone()),
                        "duplicate output {}",
                        out.path
                    );
                }
            }
        }
    }
}
