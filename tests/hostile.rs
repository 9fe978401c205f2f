//! Hostile and broken inputs (issue 5): each bad input gets one clear line on stderr naming the
//! file and the problem, is recorded as failed in the manifest, and the rest of the run goes on
//! (a good page in the same run still produces its PDF); the exit code is 1. Oversized images
//! are refused before any large allocation (checked with the peak memory of the run).
//!
//! Every fixture is made here, deterministically; the shared corpus is not needed.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use serde_json::Value;

/// A folder `scans/` holding one good page (a blank white PNG: fast, needs no recognition).
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("scans")).unwrap();
        let img = image::GrayImage::from_pixel(850, 1100, image::Luma([255]));
        img.save(dir.path().join("scans/good.png")).unwrap();
        Case { dir }
    }
    fn scans(&self) -> PathBuf {
        self.dir.path().join("scans")
    }
    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }
    fn put(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.scans().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
    fn run(&self) -> Output {
        run(&[&self.scans()], &self.out(), &["--split", "file"])
    }
}

fn input<'a>(m: &'a Value, path: &str) -> Option<&'a Value> {
    m["inputs"].as_array().unwrap().iter().find(|i| i["path"] == path)
}

/// The run refused `bad` (one line naming it and saying `problem`, failed in the manifest with
/// `kind`, exit 1) and still wrote good.png's PDF. Returns the manifest.
fn assert_refused(case: &Case, o: &Output, bad: &str, problem: &str, kind: &str) -> Value {
    let err = stderr(o);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(o.status.code(), Some(1), "exit code 1 for {bad}: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.contains(bad)).collect();
    assert_eq!(lines.len(), 1, "one line names {bad}: {err}");
    assert!(lines[0].to_lowercase().contains(&problem.to_lowercase()), "the line for {bad} says {problem:?}: {}", lines[0]);
    let out = case.out();
    let m = manifest(&out);
    check_manifest(&out, &m);
    let rec = input(&m, bad).unwrap_or_else(|| panic!("{bad} is in the manifest: {:#}", m["inputs"]));
    assert_eq!(rec["status"], "failed", "{rec}");
    assert_eq!(rec["error"]["kind"], kind, "{rec}");
    assert_eq!(input(&m, "good.png").map(|i| i["status"].clone()), Some("processed".into()), "the good page still went through");
    let doc = m["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["pages"][0]["source"]["path"] == "good.png")
        .expect("good.png has its document");
    assert!(out.join(doc["pdf"]["path"].as_str().unwrap()).is_file());
    assert_eq!(m["summary"]["inputs_failed"], 1, "only {bad} failed: {:#}", m["inputs"]);
    m
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/// A page with some ink, as PNG bytes.
fn page_png() -> Vec<u8> {
    let mut img = image::GrayImage::from_pixel(400, 300, image::Luma([255]));
    for y in 100..140 {
        for x in 50..350 {
            img.put_pixel(x, y, image::Luma([0]));
        }
    }
    let mut buf = Vec::new();
    image::DynamicImage::ImageLuma8(img).write_to(&mut std::io::Cursor::new(&mut buf), image::ImageFormat::Png).unwrap();
    buf
}

fn encode(img: &image::GrayImage, format: image::ImageFormat) -> Vec<u8> {
    let mut buf = Vec::new();
    image::DynamicImage::ImageLuma8(img.clone()).write_to(&mut std::io::Cursor::new(&mut buf), format).unwrap();
    buf
}

/// A noisy page (so that its JPEG and TIFF data are long and a cut lands inside the pixels).
fn noisy_page() -> image::GrayImage {
    let mut state = 12345u32;
    image::GrayImage::from_fn(600, 400, |_, _| {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        image::Luma([(state >> 24) as u8])
    })
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
    out
}

/// A PNG whose (valid) header claims `w` x `h` pixels, with a few bytes of pixel data.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit gray
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr));
    out.extend(png_chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]));
    out.extend(png_chunk(b"IEND", &[]));
    out
}

/// A little-endian TIFF whose one page claims `w` x `h` 8-bit gray pixels in one strip.
fn tiff_claiming(w: u32, h: u32) -> Vec<u8> {
    tiff_page_bytes(w, h, 8, 1)
}

/// A little-endian TIFF of one page: `w` x `h`, `bits` per sample, `compression` (1 none,
/// 3 CCITT G3), one strip of 16 bytes of 0x80.
fn tiff_page_bytes(w: u32, h: u32, bits: u32, compression: u32) -> Vec<u8> {
    let entries: [(u16, u16, u32, u32); 8] = [
        (256, 4, 1, w),      // ImageWidth LONG
        (257, 4, 1, h),      // ImageLength LONG
        (258, 3, 1, bits),   // BitsPerSample
        (259, 3, 1, compression),
        (262, 3, 1, 1),      // BlackIsZero
        (273, 4, 1, 200),    // StripOffsets
        (278, 4, 1, h),      // RowsPerStrip
        (279, 4, 1, 16),     // StripByteCounts
    ];
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, typ, count, value) in entries {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        if typ == 3 {
            out.extend_from_slice(&(value as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
        } else {
            out.extend_from_slice(&value.to_le_bytes());
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.resize(216, 0x80);
    out
}

/// A BMP header claiming `w` x `h` 24-bit pixels.
fn bmp_claiming(w: i32, h: i32) -> Vec<u8> {
    let mut out = b"BM".to_vec();
    out.extend_from_slice(&1000u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&54u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&w.to_le_bytes());
    out.extend_from_slice(&h.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    out.extend_from_slice(&[0u8; 24]);
    out.resize(1000, 0x40);
    out
}

/// A one-page PDF drawing one image XObject over the whole page (or, with `image` None, a
/// vector line only).
fn pdf_page(media: [f32; 4], image: Option<lopdf::Stream>) -> Vec<u8> {
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.4");
    let pages_id = doc.new_object_id();
    let (content, resources) = match image {
        Some(img) => {
            let img_id = doc.add_object(img);
            (
                format!("q {} 0 0 {} 0 0 cm /Im0 Do Q", media[2] - media[0], media[3] - media[1]),
                dictionary! { "XObject" => dictionary! { "Im0" => img_id } },
            )
        }
        None => ("1 w 10 10 m 100 100 l S".to_string(), dictionary! {}),
    };
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => media.iter().map(|v| Object::Real(*v)).collect::<Vec<_>>(),
        "Contents" => content_id,
        "Resources" => resources,
    });
    doc.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 }));
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    doc.reference_table.cross_reference_type = lopdf::xref::XrefType::CrossReferenceTable;
    let mut buf = Vec::new();
    doc.save_to(&mut buf).unwrap();
    buf
}

/// A scanner-style PDF: a letter page showing a JPEG.
fn scanner_pdf() -> Vec<u8> {
    use lopdf::{dictionary, Stream};
    let mut img = image::GrayImage::from_pixel(850, 1100, image::Luma([255]));
    for y in 200..260 {
        for x in 100..700 {
            img.put_pixel(x, y, image::Luma([0]));
        }
    }
    let jpeg = encode(&img, image::ImageFormat::Jpeg);
    let stream = Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => 850, "Height" => 1100, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => "DCTDecode" },
        jpeg,
    )
    .with_compression(false);
    pdf_page([0.0, 0.0, 612.0, 792.0], Some(stream))
}

/// Peak resident memory (KiB) of `casefile run` on `inputs`, measured by GNU time, with the
/// address space limited to `vmem_kib` (so that even an allocation never touched would fail).
fn run_measured(inputs: &[&Path], out: &Path, extra: &[&str], vmem_kib: u64) -> Option<(Output, u64)> {
    if !Path::new("/usr/bin/time").is_file() {
        eprintln!("SKIPPED memory measurement: /usr/bin/time is not installed (Debian package `time`, in scripts/setup.sh)");
        return None;
    }
    let rss_file = out.with_extension("rss");
    let script = format!("ulimit -v {vmem_kib}; exec /usr/bin/time -f %M -o '{}' \"$0\" \"$@\"", rss_file.display());
    let inner = run_cmd(inputs, out, extra);
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(inner.get_program())
        .args(inner.get_args())
        .output()
        .unwrap();
    let rss = std::fs::read_to_string(&rss_file).ok()?.lines().last()?.trim().parse().ok()?;
    Some((o, rss))
}

// ---------------------------------------------------------------------------------------------
// The matrix

/// Regression: every file refused at discovery was recorded with kind `unsupported`; an empty
/// one is now `corrupt` (and a file that cannot be read, `io`).
#[test]
fn zero_byte_file() {
    let case = Case::new();
    case.put("empty.jpg", b"");
    let o = case.run();
    assert_refused(&case, &o, "empty.jpg", "empty file (0 bytes)", "corrupt");
}

#[test]
fn truncated_png() {
    let case = Case::new();
    let png = encode(&noisy_page(), image::ImageFormat::Png);
    case.put("cut.png", &png[..png.len() / 2]);
    let o = case.run();
    assert_refused(&case, &o, "cut.png", "cannot decode the image (unexpected end of file)", "page");
}

/// Regression: a JPEG cut in half was decoded (the missing half painted grey) and its broken
/// bytes embedded in the output PDF as if whole.
#[test]
fn truncated_jpeg_is_refused() {
    let case = Case::new();
    let jpeg = encode(&noisy_page(), image::ImageFormat::Jpeg);
    case.put("cut.jpg", &jpeg[..jpeg.len() / 2]);
    let o = case.run();
    assert_refused(&case, &o, "cut.jpg", "truncated", "corrupt");
}

#[test]
fn truncated_tiff() {
    let case = Case::new();
    let tiff = encode(&noisy_page(), image::ImageFormat::Tiff);
    case.put("cut.tif", &tiff[..tiff.len() / 2]);
    let o = case.run();
    assert_refused(&case, &o, "cut.tif", "not a readable TIFF", "corrupt");
}

/// Regression: a damaged CCITT G3 TIFF (which the tiff crate does not read, so Leptonica is
/// tried) printed Leptonica's own "Error in pixReadFromTiffStream" line besides ours: two lines,
/// one not naming the file. Leptonica's messages are now silenced.
#[test]
fn damaged_g3_tiff_gives_one_line() {
    let case = Case::new();
    case.put("fax.tif", &tiff_page_bytes(64, 48, 1, 3));
    let o = case.run();
    assert_refused(&case, &o, "fax.tif", "Leptonica: cannot decode the page", "page");
    assert_eq!(stderr(&o).lines().count(), 1, "nothing else on stderr: {}", stderr(&o));
}

#[test]
fn text_file_named_pdf_or_jpg() {
    for name in ["notes.pdf", "notes.jpg"] {
        let case = Case::new();
        case.put(name, b"Dear Sir, this is a letter typed in a text editor.\n");
        let o = case.run();
        assert_refused(&case, &o, name, "its name says scan but its content is not", "unsupported");
    }
}

#[test]
fn invalid_pdf_header_then_eof() {
    let case = Case::new();
    case.put("header.pdf", b"%PDF-1.7\n");
    let o = case.run();
    assert_refused(&case, &o, "header.pdf", "not a readable PDF", "corrupt");
}

/// Broken cross-reference tables: lopdf rebuilds the table by scanning the file's objects
/// (no fallback of ours is involved), so these inputs are *processed*, and their page comes out
/// as a valid PDF.
#[test]
fn pdf_with_broken_xref_is_recovered_by_lopdf() {
    let pdf = scanner_pdf();
    let xref = pdf.windows(6).rposition(|w| w == b"\nxref\n").expect("lopdf writes a classic xref table") + 1;
    let startxref = pdf.windows(9).rposition(|w| w == b"startxref").unwrap();
    let trailer = pdf.windows(7).rposition(|w| w == b"trailer").unwrap();
    // Every entry points at offset 1; the startxref points past the end; no table at all.
    let mut garbage = pdf[..xref].to_vec();
    let table = String::from_utf8_lossy(&pdf[xref..trailer]).into_owned();
    for (i, line) in table.lines().enumerate() {
        let l = if i >= 2 && line.len() >= 18 { "0000000001 00000 n ".to_string() } else { line.to_string() };
        garbage.extend_from_slice(l.as_bytes());
        garbage.push(b'\n');
    }
    garbage.extend_from_slice(&pdf[trailer..]);
    let mut wrong_start = pdf[..startxref].to_vec();
    wrong_start.extend_from_slice(b"startxref\n99999999\n%%EOF\n");
    let mut no_table = pdf[..xref].to_vec();
    no_table.extend_from_slice(b"%%EOF\n");
    let dir = tempfile::tempdir().unwrap();
    let scans = dir.path().join("scans");
    std::fs::create_dir(&scans).unwrap();
    for (name, bytes) in [("garbage_xref.pdf", &garbage), ("wrong_startxref.pdf", &wrong_start), ("no_xref.pdf", &no_table)] {
        std::fs::write(scans.join(name), bytes).unwrap();
    }
    let out = dir.path().join("out");
    let o = run(&[&scans], &out, &["--split", "file"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(&out);
    check_manifest(&out, &m);
    assert_eq!(m["documents"].as_array().unwrap().len(), 3);
    for d in m["documents"].as_array().unwrap() {
        let pdf = out.join(d["pdf"]["path"].as_str().unwrap());
        assert_qpdf_ok(&pdf);
        assert_eq!(d["pages"][0]["text_source"], "ocr", "the page image was found and recognised: {d:#}");
    }
}

#[test]
fn pdf_with_a_user_password() {
    let case = Case::new();
    let plain = case.dir.path().join("plain.pdf");
    std::fs::write(&plain, scanner_pdf()).unwrap();
    let locked = case.scans().join("locked.pdf");
    let q = std::process::Command::new("qpdf").args(["--encrypt", "secret", "owner", "256", "--"]).arg(&plain).arg(&locked).status().unwrap();
    assert!(q.success());
    let o = case.run();
    assert_refused(&case, &o, "locked.pdf", "needs a password", "encrypted");
}

/// Regression (TIFF): a TIFF page over the limit was only refused when its page was decoded,
/// as a `page` error; TIFF headers are now checked when the file is opened, like the others.
///
/// Image headers claiming 100000 x 100000 pixels (10^10 pixels; JPEG headers stop at 65535, so
/// 65000 x 65000) are refused from the header, and the run never holds more than a little
/// memory: the address space is capped at 1.5 GiB and the peak RSS is measured.
#[test]
fn huge_image_headers_are_refused_before_allocation() {
    let mut sof = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08];
    sof.extend_from_slice(&65000u16.to_be_bytes());
    sof.extend_from_slice(&65000u16.to_be_bytes());
    sof.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
    sof.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    sof.extend_from_slice(&[0x55; 64]);
    sof.extend_from_slice(&[0xFF, 0xD9]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("huge.png", png_claiming(100_000, 100_000)),
        ("huge.tif", tiff_claiming(100_000, 100_000)),
        ("huge.bmp", bmp_claiming(100_000, 100_000)),
        ("huge.jpg", sof),
    ];
    for (name, bytes) in cases {
        let case = Case::new();
        case.put(name, &bytes);
        let Some((o, rss_kib)) = run_measured(&[&case.scans()], &case.out(), &["--split", "file"], 1_500_000) else { return };
        if name.ends_with(".bmp") {
            // The BMP decoder refuses over 65535 pixels a side itself, reading the header.
            assert_refused(&case, &o, name, "image too large", "corrupt");
        } else {
            assert_refused(&case, &o, name, "--max-pixels", "too_large");
        }
        eprintln!("{name}: peak RSS {} MiB", rss_kib / 1024);
        assert!(rss_kib < 400 * 1024, "{name}: peak RSS {rss_kib} KiB");
    }
}

/// A 35000 x 35000 JBIG2 page image (1.2 G pixels) is refused from its dictionary, before any
/// decoding or rendering.
#[test]
fn huge_jbig2_pdf_page_is_refused_before_allocation() {
    use lopdf::{dictionary, Stream};
    let case = Case::new();
    let img = Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => 35000, "Height" => 35000, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 1, "Filter" => "JBIG2Decode" },
        vec![0u8; 256],
    )
    .with_compression(false);
    case.put("hugemono.pdf", &pdf_page([0.0, 0.0, 612.0, 792.0], Some(img)));
    let Some((o, rss_kib)) = run_measured(&[&case.scans()], &case.out(), &["--split", "file"], 1_500_000) else { return };
    assert_refused(&case, &o, "hugemono.pdf", "35000 x 35000 pixels is over the limit", "too_large");
    eprintln!("hugemono.pdf: peak RSS {} MiB", rss_kib / 1024);
    assert!(rss_kib < 400 * 1024, "peak RSS {rss_kib} KiB");
}

/// Regression: a page that has to be rendered (no image we decode) and whose MediaBox is huge
/// was rendered at the 10 dpi floor whatever its size: pdftoppm was asked for 10^10 pixels.
/// The rendered size now counts against --max-pixels too.
#[test]
fn huge_vector_page_is_not_rendered() {
    let case = Case::new();
    case.put("poster.pdf", &pdf_page([0.0, 0.0, 1_000_000.0, 1_000_000.0], None));
    let Some((o, rss_kib)) = run_measured(&[&case.scans()], &case.out(), &["--split", "file"], 1_500_000) else { return };
    assert_refused(&case, &o, "poster.pdf", "--max-pixels", "too_large");
    assert!(rss_kib < 400 * 1024, "peak RSS {rss_kib} KiB");
}

/// Regression: the pixel limit also bounds a CCITT page image whose DecodeParms (Columns, Rows)
/// claim more than its Width and Height.
#[test]
fn ccitt_columns_beyond_the_limit_are_refused() {
    use lopdf::{dictionary, Stream};
    let case = Case::new();
    let img = Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 1000, "Height" => 1000, "BitsPerComponent" => 1,
            "Filter" => "CCITTFaxDecode", "DecodeParms" => dictionary! { "K" => -1, "Columns" => 2_000_000_000, "Rows" => 1_000_000 },
        },
        vec![0u8; 64],
    )
    .with_compression(false);
    case.put("columns.pdf", &pdf_page([0.0, 0.0, 612.0, 792.0], Some(img)));
    let Some((o, rss_kib)) = run_measured(&[&case.scans()], &case.out(), &["--split", "file"], 1_500_000) else { return };
    assert_refused(&case, &o, "columns.pdf", "--max-pixels", "too_large");
    assert!(rss_kib < 400 * 1024, "peak RSS {rss_kib} KiB");
}

#[test]
fn symlink_loops() {
    let case = Case::new();
    std::os::unix::fs::symlink(case.scans(), case.scans().join("loop")).unwrap();
    std::os::unix::fs::symlink("self.jpg", case.scans().join("self.jpg")).unwrap();
    let o = case.run();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let m = manifest(&case.out());
    check_manifest(&case.out(), &m);
    for (name, problem) in [("loop", "symbolic link loop"), ("self.jpg", "symbolic links")] {
        let lines: Vec<&str> = err.lines().filter(|l| l.contains(&format!("/{name}:"))).collect();
        assert_eq!(lines.len(), 1, "one line for {name}: {err}");
        assert!(lines[0].contains(problem), "{}", lines[0]);
        assert_eq!(input(&m, name).unwrap()["status"], "failed");
    }
    assert_eq!(input(&m, "good.png").unwrap()["status"], "processed");
    assert_eq!(m["summary"]["inputs_processed"], 1, "good.png once, not once per trip round the loop");
}

/// Regression: the line said only "Permission denied (os error 13)" and the manifest's kind was
/// `unsupported`; it now says "cannot read: ..." with kind `io`.
///
/// chmod 000. Root reads such a file anyway (CAP_DAC_OVERRIDE): when the tests run as root the
/// binary is run as user `nobody` (setpriv) so that the case is really tested; where that is
/// impossible the test says so and checks nothing it cannot.
#[test]
fn unreadable_file() {
    let case = Case::new();
    let p = case.put("private.png", &page_png());
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::File::open(&p).is_ok();
    let o = if !readable {
        case.run()
    } else {
        eprintln!("NOTE: running as root: chmod 000 does not stop root from reading; running casefile as user nobody instead");
        if !Path::new("/usr/bin/setpriv").is_file() {
            eprintln!("SKIPPED unreadable_file: as root, and setpriv (util-linux) is not there to drop privileges");
            return;
        }
        // nobody must reach the binary, the scans, and write the output folder.
        for d in [case.dir.path(), &case.scans()] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        std::fs::set_permissions(case.scans().join("good.png"), std::fs::Permissions::from_mode(0o644)).unwrap();
        let inner = run_cmd(&[&case.scans()], &case.out(), &["--split", "file"]);
        let o = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(inner.get_program())
            .args(inner.get_args())
            .output()
            .unwrap();
        if stderr(&o).contains("Permission denied") && !stderr(&o).contains("private.png") {
            eprintln!("SKIPPED unreadable_file: user nobody cannot run the test binary here: {}", stderr(&o));
            return;
        }
        o
    };
    assert_refused(&case, &o, "private.png", "cannot read: permission denied", "io");
}

/// Regression: a file name that is not UTF-8 was written into the manifest with U+FFFD in
/// place of its bytes (a path that names no file, and two such files could collide). Such a
/// file is now refused with a line saying to rename it.
#[test]
fn non_utf8_file_name() {
    use std::os::unix::ffi::OsStrExt;
    let case = Case::new();
    let name = std::ffi::OsStr::from_bytes(b"scan_caf\xe9.png");
    std::fs::write(case.scans().join(name), page_png()).unwrap();
    let o = case.run();
    assert_refused(&case, &o, "scan_caf\u{fffd}.png", "not valid UTF-8", "unsupported");
}

/// A file deleted between discovery and reading. Honest timing without a race: the library's
/// run is driven in-process and the file is deleted when discovery reports its plan (the
/// `Planned` event comes after the walk, before any file is opened).
#[test]
fn file_deleted_between_discovery_and_reading() {
    let case = Case::new();
    let doomed = case.put("doomed.png", &page_png());
    let mut config = casefile::Config::new(vec![case.scans()], case.out());
    config.split = casefile::separate::Split::File;
    config.jobs = 1;
    config.min_age = std::time::Duration::ZERO;
    let lines = std::sync::Mutex::new(Vec::new());
    let stop = std::sync::atomic::AtomicBool::new(false);
    let outcome = casefile::run(
        &config,
        &|e| match e {
            casefile::pipeline::Event::Planned { .. } => std::fs::remove_file(&doomed).unwrap(),
            casefile::pipeline::Event::InputFailed { path, message } => lines.lock().unwrap().push(format!("{}: {message}", path.display())),
            _ => {}
        },
        &stop,
    )
    .unwrap();
    assert!(outcome.had_failures());
    let lines = lines.into_inner().unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("doomed.png") && lines[0].contains("cannot read") && lines[0].contains("No such file"), "{}", lines[0]);
    let m = manifest(&case.out());
    check_manifest(&case.out(), &m);
    assert_eq!(input(&m, "doomed.png").unwrap()["error"]["kind"], "io");
    assert_eq!(input(&m, "good.png").unwrap()["status"], "processed");
    assert_eq!(m["documents"].as_array().unwrap().len(), 1);
}

/// The same at the library's seams: discover, delete, open.
#[test]
fn deleted_after_discovery_is_an_io_error() {
    let case = Case::new();
    let p = case.put("gone.png", &page_png());
    let found = casefile::discover::discover(&[case.scans()], None);
    let gone = found.inputs.iter().find(|i| i.path == p).expect("discovered");
    std::fs::remove_file(&p).unwrap();
    let opts = casefile::load::LoadOptions { force_ocr: false, default_dpi: 300, max_pixels: casefile::load::DEFAULT_MAX_PIXELS };
    let Err(e) = casefile::load::open(gone, &opts) else { panic!("opened a deleted file") };
    assert_eq!(e.kind(), "io");
    assert!(e.to_string().contains("No such file"), "{e}");
}

/// Roots given twice, nested roots, a file root inside a folder root, a symbolic link to a file
/// in the tree: every file is processed once.
#[test]
fn nothing_is_processed_twice() {
    let case = Case::new();
    std::fs::create_dir(case.scans().join("sub")).unwrap();
    // Another page (a byte copy would be skipped as the same content; see tests/unattended.rs).
    let mut other = image::GrayImage::from_pixel(400, 300, image::Luma([255]));
    for y in 150..190 {
        for x in 50..350 {
            other.put_pixel(x, y, image::Luma([0]));
        }
    }
    std::fs::write(case.scans().join("sub/inner.png"), encode(&other, image::ImageFormat::Png)).unwrap();
    std::os::unix::fs::symlink("sub/inner.png", case.scans().join("alias.png")).unwrap();
    let scans = case.scans();
    let sub = scans.join("sub");
    let inner = sub.join("inner.png");
    let o = run(&[&scans, &scans, &sub, &inner, &scans.join("./sub/../sub")], &case.out(), &["--split", "file"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(&case.out());
    check_manifest(&case.out(), &m);
    assert_eq!(m["inputs"].as_array().unwrap().len(), 2, "{:#}", m["inputs"]);
    assert_eq!(m["documents"].as_array().unwrap().len(), 2);
}

/// The output folder inside the input folder, named through a symbolic link and by a relative
/// path: its files are never taken as inputs, on the first run or on the next.
#[test]
fn output_inside_input_is_never_read() {
    let case = Case::new();
    let real_out = case.scans().join("casework");
    std::fs::create_dir(&real_out).unwrap();
    let link = case.dir.path().join("out-link");
    std::os::unix::fs::symlink(&real_out, &link).unwrap();
    for _ in 0..2 {
        let o = run(&[&case.scans()], &link, &["--split", "file"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let m = manifest(&real_out);
        let paths: Vec<&str> = m["inputs"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
        assert_eq!(paths, ["good.png"]);
    }
}

/// Regression: an input folder that *is* (or is inside) the output folder was walked, so every
/// run took the previous runs' PDFs as new scans. It is now refused with one line.
#[test]
fn input_inside_the_output_folder_is_refused() {
    let case = Case::new();
    let out = case.out();
    let o = run(&[&case.scans()], &out, &["--split", "file"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&[&out], &out, &["--split", "file"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("output folder") && err.contains(&out.display().to_string()), "{err}");
    let review = out.join("review");
    let o = run(&[&review], &out, &["--split", "file"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // Only the first run wrote anything.
    assert_eq!(std::fs::read_dir(out.join("manifests")).unwrap().count(), 1);
}

/// A FIFO named like a scan is not a file: it is passed over, never opened (opening it would
/// block the run forever).
#[test]
fn fifo_named_like_a_scan_does_not_hang() {
    let case = Case::new();
    let fifo = case.scans().join("pipe.jpg");
    let st = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(st.success());
    let started = std::time::Instant::now();
    let o = case.run();
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let _ = std::io::stderr().flush();
}

// ---------------------------------------------------------------------------------------------
// Resource bounds

/// `--page-timeout`: a page whose recognition takes longer is stopped by Tesseract's progress
/// monitor (between words), keeps its image without a text layer, and its document goes to
/// review with the reason; the run goes on and exits 0 (the input is not lost). 0.1 s is far
/// less than this dense form page needs (1-3 s here; Tesseract's LSTM cannot read a page of
/// form text in 0.1 s on any CPU), and far more than handing the image to the engine takes, so
/// it is the monitor that stops it; the control run shows the page is readable.
#[test]
fn page_timeout_stops_a_slow_page_and_sends_it_to_review() {
    let page = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/scans/scan_1.jpg"));
    let out = tempfile::tempdir().unwrap();
    let o = run(&[page], out.path(), &["--split", "file", "--page-timeout", "0.1", "--jobs", "1"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("scan_1.jpg") && err.contains("page 1: not recognised: recognition took over 0.1 s (see --page-timeout)"), "{err}");
    let m = manifest(out.path());
    check_manifest(out.path(), &m);
    let doc = &m["documents"][0];
    assert_eq!(doc["pages"][0]["text_source"], "none", "{doc:#}");
    assert_eq!(doc["review"]["required"], true);
    assert!(doc["review"]["reasons"].as_array().unwrap().iter().any(|r| r.as_str().unwrap().contains("--page-timeout")), "{doc:#}");
    let pdf = out.path().join(doc["pdf"]["path"].as_str().unwrap());
    assert_qpdf_ok(&pdf);
    assert_eq!(pdf_pages(&pdf), 1, "the page is kept");
    assert!(pdftotext(&pdf, None).split_whitespace().count() == 0, "no text layer");
    // Control: with the default limit the same page is recognised.
    let out = tempfile::tempdir().unwrap();
    let o = run(&[page], out.path(), &["--split", "file", "--jobs", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(out.path());
    assert_eq!(m["documents"][0]["pages"][0]["text_source"], "ocr");
    assert_eq!(m["run"]["options"]["page_timeout_secs"], 180.0);
}

#[test]
fn page_timeout_is_checked() {
    let out = tempfile::tempdir().unwrap();
    let page = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/scans/scan_1.jpg"));
    for bad in ["-1", "abc", "1e9", "NaN"] {
        let o = run(&[page], out.path(), &["--page-timeout", bad]);
        assert_eq!(o.status.code(), Some(2), "--page-timeout {bad}: {}", stderr(&o));
    }
}
