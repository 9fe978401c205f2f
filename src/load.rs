//! Stage 2, load: open an input file, list its pages, and decode one page at a time.
//!
//! Opening a file ([`open`]) reads it once, hashes it and lists its pages cheaply; decoding a page
//! ([`load_page`]) happens in a worker thread, so that decoding runs in parallel with
//! recognition. Each decoded page keeps what the PDF writer needs to embed it *without
//! re-encoding* where the format allows: JPEG bytes as they are, CCITT G4 strips as they are, and
//! a PDF page's own objects.

use std::io::Cursor;
use std::sync::Arc;

use image::{DynamicImage, GrayImage};
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};
use sha2::{Digest, Sha256};

use crate::discover::{FileKind, InputFile};
use crate::error::InputError;

/// Images larger than this many pixels are refused before they are decoded.
pub const DEFAULT_MAX_PIXELS: u64 = 250_000_000;

/// An opened input: its hash and a handle per page, in page order.
pub struct OpenedInput {
    pub sha256: String,
    pub pages: Vec<PageHandle>,
}

/// Where one page lives; cheap to clone and to send to a worker.
#[derive(Clone)]
pub enum PageHandle {
    /// Page `index` (0-based) of an image file held in memory.
    Image { data: Arc<Vec<u8>>, kind: FileKind, index: u32 },
    /// A page of a parsed PDF (`path` is the file, for the rendering fallback).
    Pdf { doc: Arc<Document>, page_id: ObjectId, path: Arc<std::path::PathBuf> },
}

/// How the PDF writer should reproduce a page.
#[derive(Clone)]
pub enum PageOrigin {
    /// A new page showing this image, sized from its pixels and DPI.
    Image(Arc<EncodedImage>),
    /// The page of a source PDF, copied as it is. `image_matrix` is where its page image is drawn
    /// (the transformation of the image's unit square into the page's user space), which is
    /// where the recognised text goes.
    Pdf { doc: Arc<Document>, page_id: ObjectId, image_matrix: Option<[f32; 6]> },
}

/// Image data ready to embed in a PDF as an XObject.
#[derive(Debug, Clone)]
pub struct EncodedImage {
    pub width: u32,
    pub height: u32,
    pub dpi: (f32, f32),
    pub color: PdfColor,
    pub bits_per_component: u8,
    pub codec: PdfCodec,
    pub data: Vec<u8>,
    /// Swap black and white when drawing (`/Decode [1 0]`).
    pub invert: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfColor {
    Gray,
    Rgb,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfCodec {
    /// JPEG bytes as they came.
    Dct,
    /// CCITT Group 4 (K = -1), 1 bit per pixel.
    CcittG4,
    /// Deflate-compressed raw samples.
    Flate,
    /// A PNG's own compressed data (IDAT) as it is: deflated rows, each led by its PNG filter
    /// byte (PDF `/Predictor 15`), 8 bits per sample.
    FlatePng,
}

/// One decoded page, as the rest of the pipeline sees it.
pub struct SourcePage {
    /// 1-based page number inside its file.
    pub page_no: u32,
    /// The pixels to recognise, when recognition is needed.
    pub raster: Option<Raster>,
    /// Text the page already carries (born-digital or earlier OCR), used instead of recognition.
    pub existing_text: Option<String>,
    pub origin: PageOrigin,
    /// Why the page could not be recognised, when it cannot.
    pub note: Option<String>,
}

/// Grayscale pixels and their resolution.
pub struct Raster {
    pub image: GrayImage,
    pub dpi: f32,
    /// The file states no plausible resolution: `dpi` is `--default-dpi`, which may be wrong (a
    /// 200-dpi scan taken for 300 dpi must not be reduced for recognition as if it were one).
    pub dpi_assumed: bool,
}

/// What the loader needs to know from the run's configuration.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    pub force_ocr: bool,
    pub default_dpi: u32,
    pub max_pixels: u64,
}

/// Read a file, hash it, and list its pages.
pub fn open(input: &InputFile, opts: &LoadOptions) -> Result<OpenedInput, InputError> {
    let data = std::fs::read(&input.path)?;
    open_bytes(data, input.kind, &input.path, opts)
}

/// Hash a file's bytes and list its pages (what [`open`] does once the file is read).
/// `path` is only used to render PDF pages whose image cannot be decoded.
pub fn open_bytes(data: Vec<u8>, kind: FileKind, path: &std::path::Path, opts: &LoadOptions) -> Result<OpenedInput, InputError> {
    if data.is_empty() {
        return Err(InputError::Corrupt("empty file (0 bytes)".into()));
    }
    let sha256 = hex(&Sha256::digest(&data));
    let data = Arc::new(data);
    let pages = match kind {
        FileKind::Jpeg | FileKind::Png | FileKind::Bmp => {
            check_dimensions(&data, kind, opts)?;
            if kind == FileKind::Jpeg && !jpeg_has_end(&data) {
                return Err(InputError::Corrupt("the JPEG ends before its image data does (truncated?)".into()));
            }
            vec![PageHandle::Image { data, kind, index: 0 }]
        }
        FileKind::Tiff => {
            let n = tiff_page_count(&data, opts)?;
            (0..n).map(|index| PageHandle::Image { data: data.clone(), kind: FileKind::Tiff, index }).collect()
        }
        FileKind::Pdf => {
            let doc = open_pdf(&data)?;
            let doc = Arc::new(doc);
            let path = Arc::new(path.to_path_buf());
            let pages: Vec<_> = doc
                .get_pages()
                .into_values()
                .map(|page_id| PageHandle::Pdf { doc: doc.clone(), page_id, path: path.clone() })
                .collect();
            if pages.is_empty() {
                return Err(InputError::Corrupt("the PDF has no pages".into()));
            }
            pages
        }
    };
    Ok(OpenedInput { sha256, pages })
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn open_pdf(data: &[u8]) -> Result<Document, InputError> {
    // lopdf tries the empty user password itself, which opens OPM's own encrypted forms.
    match Document::load_mem(data) {
        Ok(doc) if doc.is_encrypted() => Err(InputError::Encrypted(
            "the PDF needs a password to open; casefile cannot read it".into(),
        )),
        Ok(doc) => Ok(doc),
        Err(lopdf::Error::Decryption(_)) | Err(lopdf::Error::InvalidPassword) => Err(InputError::Encrypted(
            "the PDF needs a password to open; casefile cannot read it".into(),
        )),
        Err(e) => Err(InputError::Corrupt(format!("not a readable PDF ({e})"))),
    }
}

/// Decode page `page_no` (1-based) of an opened input.
pub fn load_page(handle: &PageHandle, page_no: u32, opts: &LoadOptions) -> Result<SourcePage, InputError> {
    let page_err = |message: String| InputError::Page { page: page_no, message };
    match handle {
        PageHandle::Image { data, kind, index } => {
            let (raster, encoded) = match kind {
                FileKind::Jpeg => load_jpeg(data, opts).map_err(page_err)?,
                FileKind::Png | FileKind::Bmp => load_generic(data, *kind, opts).map_err(page_err)?,
                FileKind::Tiff => crate::load::tiff_page(data, *index, opts).map_err(page_err)?,
                FileKind::Pdf => return Err(page_err("internal: PDF handled as image".into())),
            };
            Ok(SourcePage {
                page_no,
                raster: Some(raster),
                existing_text: None,
                origin: PageOrigin::Image(Arc::new(encoded)),
                note: None,
            })
        }
        PageHandle::Pdf { doc, page_id, path } => pdf_page(doc, *page_id, page_no, path, opts),
    }
}

/// A file's stated resolution (x, y), when plausible; else the default, and `true`: assumed.
fn stated_dpi(stated: Option<(f32, f32)>, default: u32) -> ((f32, f32), bool) {
    match stated {
        Some((x, y)) if plausible_dpi(x) && plausible_dpi(y) => ((x, y), false),
        Some((x, y)) => ((sane_dpi(x, default), sane_dpi(y, default)), true),
        None => ((default as f32, default as f32), true),
    }
}

/// A resolution a scan can really have (not a JFIF aspect ratio, not garbage).
fn plausible_dpi(dpi: f32) -> bool {
    dpi.is_finite() && (50.0..=2400.0).contains(&dpi)
}

fn sane_dpi(dpi: f32, default: u32) -> f32 {
    if plausible_dpi(dpi) {
        dpi
    } else {
        default as f32
    }
}

/// Why a page image inside a PDF could not be decoded.
enum PageImageError {
    /// Over the pixel limit: the whole input is refused.
    TooLarge(String),
    /// A coding or colour space we do not decode: the page is rendered instead.
    Unsupported(String),
}

impl From<String> for PageImageError {
    fn from(s: String) -> Self {
        PageImageError::Unsupported(s)
    }
}

impl From<&str> for PageImageError {
    fn from(s: &str) -> Self {
        PageImageError::Unsupported(s.to_string())
    }
}

fn check_pixels(w: u32, h: u32, opts: &LoadOptions) -> Result<(), String> {
    let px = w as u64 * h as u64;
    if w == 0 || h == 0 {
        return Err(format!("the image has no pixels ({w} x {h})"));
    }
    if px > opts.max_pixels {
        return Err(format!(
            "{w} x {h} pixels is over the limit of {} pixels (see --max-pixels)",
            opts.max_pixels
        ));
    }
    Ok(())
}

/// Refuse an oversized JPEG/PNG/BMP from its header, before any pixel buffer is allocated.
fn check_dimensions(data: &[u8], kind: FileKind, opts: &LoadOptions) -> Result<(), InputError> {
    let format = image_format(kind);
    let reader = image::ImageReader::with_format(Cursor::new(data), format);
    match reader.into_dimensions() {
        Ok((w, h)) => check_pixels(w, h, opts).map_err(InputError::TooLarge),
        Err(e) => Err(InputError::Corrupt(format!("cannot read the image header ({e})"))),
    }
}

fn image_format(kind: FileKind) -> image::ImageFormat {
    match kind {
        FileKind::Jpeg => image::ImageFormat::Jpeg,
        FileKind::Png => image::ImageFormat::Png,
        FileKind::Bmp => image::ImageFormat::Bmp,
        FileKind::Tiff => image::ImageFormat::Tiff,
        FileKind::Pdf => image::ImageFormat::Png, // never used for PDFs
    }
}

fn decode_image(data: &[u8], kind: FileKind, opts: &LoadOptions) -> Result<DynamicImage, String> {
    let mut reader = image::ImageReader::with_format(Cursor::new(data), image_format(kind));
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(opts.max_pixels.saturating_mul(4));
    reader.limits(limits);
    reader.decode().map_err(|e| format!("cannot decode the image ({e})"))
}

/// JPEG: keep the bytes for the PDF (gray and RGB), decode once for recognition.
fn load_jpeg(data: &Arc<Vec<u8>>, opts: &LoadOptions) -> Result<(Raster, EncodedImage), String> {
    let info = jpeg_header(data);
    let img = decode_image(data, FileKind::Jpeg, opts)?;
    let (w, h) = (img.width(), img.height());
    let (dpi, dpi_assumed) = stated_dpi(info.as_ref().and_then(|i| i.dpi), opts.default_dpi);
    let gray = img.to_luma8();
    let encoded = match info.map(|i| i.components) {
        Some(1) => Some(PdfColor::Gray),
        Some(3) => Some(PdfColor::Rgb),
        _ => None, // CMYK/YCCK JPEGs: re-encode rather than trust every viewer's CMYK handling
    };
    let encoded = match encoded {
        Some(color) => EncodedImage {
            width: w,
            height: h,
            dpi,
            color,
            bits_per_component: 8,
            codec: PdfCodec::Dct,
            data: data.as_ref().clone(),
            invert: false,
        },
        None => flate_image(&img, dpi),
    };
    Ok((Raster { image: gray, dpi: dpi.1, dpi_assumed }, encoded))
}

/// PNG and BMP: decode once for recognition. For the PDF: an 8-bit gray or RGB PNG keeps its
/// compressed data as it is (no re-encoding); a black-and-white page becomes CCITT G4; other
/// images are stored as gray or RGB Flate.
fn load_generic(data: &[u8], kind: FileKind, opts: &LoadOptions) -> Result<(Raster, EncodedImage), String> {
    let img = decode_image(data, kind, opts)?;
    let stated = match kind {
        FileKind::Png => png_dpi(data),
        FileKind::Bmp => bmp_dpi(data),
        _ => None,
    };
    let (dpi, dpi_assumed) = stated_dpi(stated, opts.default_dpi);
    let bilevel = img.as_luma8().is_some_and(|g| g.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255));
    let passthrough = match kind {
        FileKind::Png if !bilevel => png_idat(data).filter(|p| (p.width, p.height) == (img.width(), img.height())),
        _ => None,
    };
    let encoded = match passthrough {
        Some(png) => EncodedImage {
            width: png.width,
            height: png.height,
            dpi,
            color: png.color,
            bits_per_component: 8,
            codec: PdfCodec::FlatePng,
            data: png.idat,
            invert: false,
        },
        None => encode_for_pdf(&img, dpi),
    };
    Ok((Raster { image: img.into_luma8(), dpi: dpi.1, dpi_assumed }, encoded))
}

/// A PNG whose compressed data a PDF can show as it is.
struct PngData {
    width: u32,
    height: u32,
    color: PdfColor,
    idat: Vec<u8>,
}

/// The IDAT data of an 8-bit gray or RGB, non-interlaced PNG without transparency (what PDF's
/// Flate filter with PNG predictors reads as it is); `None` for any other PNG.
fn png_idat(data: &[u8]) -> Option<PngData> {
    if !data.starts_with(b"\x89PNG\r\n\x1a\n") {
        return None;
    }
    let mut i = 8;
    let mut header = None;
    let mut idat = Vec::new();
    while i + 8 <= data.len() {
        let len = u32::from_be_bytes(data[i..i + 4].try_into().ok()?) as usize;
        let kind = &data[i + 4..i + 8];
        let body = data.get(i + 8..(i + 8).checked_add(len)?)?;
        match kind {
            b"IHDR" if body.len() >= 13 => {
                let w = u32::from_be_bytes(body[0..4].try_into().ok()?);
                let h = u32::from_be_bytes(body[4..8].try_into().ok()?);
                // depth 8; colour type 0 (gray) or 2 (RGB); deflate; adaptive filtering; no interlace
                let color = match (body[8], body[9], body[10], body[11], body[12]) {
                    (8, 0, 0, 0, 0) => PdfColor::Gray,
                    (8, 2, 0, 0, 0) => PdfColor::Rgb,
                    _ => return None,
                };
                header = Some((w, h, color));
            }
            b"tRNS" => return None,
            b"IDAT" => idat.extend_from_slice(body),
            b"IEND" => break,
            _ => {}
        }
        i = i.checked_add(12 + len)?;
    }
    let (width, height, color) = header?;
    (!idat.is_empty()).then_some(PngData { width, height, color, idat })
}

/// Choose how to store decoded pixels: CCITT G4 for black-and-white pages, gray or RGB Flate
/// otherwise.
pub fn encode_for_pdf(img: &DynamicImage, dpi: (f32, f32)) -> EncodedImage {
    let is_color = img.color().has_color() && !is_effectively_gray(img);
    if !is_color {
        let gray = img.to_luma8();
        if gray.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255) {
            return g4_image(&gray, dpi);
        }
        return flate_image(&DynamicImage::ImageLuma8(gray), dpi);
    }
    flate_image(img, dpi)
}

fn is_effectively_gray(img: &DynamicImage) -> bool {
    let rgb = match img.as_rgb8() {
        Some(rgb) => rgb,
        None => return false,
    };
    rgb.pixels().all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2])
}

fn flate_image(img: &DynamicImage, dpi: (f32, f32)) -> EncodedImage {
    use std::io::Write;
    let (color, raw) = if img.color().has_color() {
        (PdfColor::Rgb, img.to_rgb8().into_raw())
    } else {
        (PdfColor::Gray, img.to_luma8().into_raw())
    };
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(&raw);
    let data = enc.finish().unwrap_or_default();
    EncodedImage {
        width: img.width(),
        height: img.height(),
        dpi,
        color,
        bits_per_component: 8,
        codec: PdfCodec::Flate,
        data,
        invert: false,
    }
}

/// Encode a black-and-white page (pixels 0 or 255) as CCITT G4.
pub fn g4_image(gray: &GrayImage, dpi: (f32, f32)) -> EncodedImage {
    let (w, h) = gray.dimensions();
    let mut enc = fax::encoder::Encoder::new(fax::VecWriter::new());
    for row in gray.rows() {
        let pels = row.map(|p| if p.0[0] < 128 { fax::Color::Black } else { fax::Color::White });
        // VecWriter cannot fail.
        let _ = enc.encode_line(pels, w);
    }
    let data = match enc.finish() {
        Ok(writer) => writer.finish(),
        Err(_) => Vec::new(),
    };
    EncodedImage {
        width: w,
        height: h,
        dpi,
        color: PdfColor::Gray,
        bits_per_component: 1,
        codec: PdfCodec::CcittG4,
        data,
        invert: false,
    }
}

/// Whether a JPEG's image data is followed by its end marker (EOI). The decoder paints the
/// missing part of a file cut short (an interrupted copy or upload) grey without an error.
fn jpeg_has_end(data: &[u8]) -> bool {
    // Marker segments up to the first start of scan; EOI cannot occur inside scan data (0xFF is
    // stuffed there), so it is looked for after it.
    let mut i = 2;
    while i + 4 <= data.len() {
        if data[i] != 0xFF {
            return false;
        }
        match data[i + 1] {
            0xFF => i += 1,
            0xDA => break,
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => i += 2 + u16::from_be_bytes([data[i + 2], data[i + 3]]) as usize,
        }
    }
    data.get(i..).is_some_and(|rest| rest.windows(2).any(|w| w == [0xFF, 0xD9]))
}

struct JpegInfo {
    components: u8,
    dpi: Option<(f32, f32)>,
}

/// Read the number of components (SOF) and the JFIF density (APP0) from a JPEG's markers.
fn jpeg_header(data: &[u8]) -> Option<JpegInfo> {
    let mut i = 2;
    let mut dpi = None;
    while i + 4 <= data.len() {
        if data[i] != 0xFF {
            return None;
        }
        let marker = data[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = u16::from_be_bytes([data[i + 2], data[i + 3]]) as usize;
        let seg = data.get(i + 4..i + 2 + len)?;
        match marker {
            0xE0 if seg.starts_with(b"JFIF\0") && seg.len() >= 12 => {
                let unit = seg[7];
                let x = u16::from_be_bytes([seg[8], seg[9]]) as f32;
                let y = u16::from_be_bytes([seg[10], seg[11]]) as f32;
                dpi = match unit {
                    1 => Some((x, y)),
                    2 => Some((x * 2.54, y * 2.54)),
                    _ => None,
                };
            }
            0xC0..=0xCF if marker != 0xC4 && marker != 0xC8 && marker != 0xCC => {
                return Some(JpegInfo { components: *seg.get(5)?, dpi });
            }
            _ => {}
        }
        i += 2 + len;
    }
    None
}

/// The pHYs chunk of a PNG, in dots per inch.
fn png_dpi(data: &[u8]) -> Option<(f32, f32)> {
    let mut i = 8;
    while i + 8 <= data.len() {
        let len = u32::from_be_bytes(data[i..i + 4].try_into().ok()?) as usize;
        let kind = &data[i + 4..i + 8];
        if kind == b"pHYs" {
            let d = data.get(i + 8..i + 17)?;
            let x = u32::from_be_bytes(d[0..4].try_into().ok()?) as f32;
            let y = u32::from_be_bytes(d[4..8].try_into().ok()?) as f32;
            return (d[8] == 1).then_some((x * 0.0254, y * 0.0254));
        }
        if kind == b"IDAT" {
            return None;
        }
        i = i.checked_add(12 + len)?;
    }
    None
}

/// The pixels-per-metre fields of a BMP info header, in dots per inch.
fn bmp_dpi(data: &[u8]) -> Option<(f32, f32)> {
    let x = i32::from_le_bytes(data.get(38..42)?.try_into().ok()?);
    let y = i32::from_le_bytes(data.get(42..46)?.try_into().ok()?);
    (x > 0 && y > 0).then_some((x as f32 * 0.0254, y as f32 * 0.0254))
}

// ---------------------------------------------------------------------------------------------
// TIFF

/// Count a TIFF's pages, refusing it when a page is over the pixel limit (from its header,
/// before anything is decoded).
fn tiff_page_count(data: &[u8], opts: &LoadOptions) -> Result<u32, InputError> {
    let mut dec = tiff::decoder::Decoder::new(Cursor::new(data))
        .map_err(|e| InputError::Corrupt(format!("not a readable TIFF ({e})")))?;
    let mut n = 1;
    loop {
        let (w, h) = dec.dimensions().map_err(|e| InputError::Corrupt(format!("TIFF page {n} has no size ({e})")))?;
        if w > 0 && h > 0 {
            check_pixels(w, h, opts).map_err(|m| InputError::TooLarge(format!("TIFF page {n}: {m}")))?;
        }
        if !dec.more_images() {
            break;
        }
        if let Err(e) = dec.next_image() {
            return Err(InputError::Corrupt(format!("TIFF page {} is damaged ({e})", n + 1)));
        }
        n += 1;
        if n > 100_000 {
            return Err(InputError::Corrupt("TIFF page list does not end (over 100000 pages)".into()));
        }
    }
    Ok(n)
}

mod tiff_tags {
    pub const COMPRESSION_G4: u16 = 4;
}

fn tiff_page(data: &[u8], index: u32, opts: &LoadOptions) -> Result<(Raster, EncodedImage), String> {
    use tiff::tags::Tag;
    let mut dec = tiff::decoder::Decoder::new(Cursor::new(data)).map_err(|e| format!("not a readable TIFF ({e})"))?;
    dec.seek_to_image(index as usize).map_err(|e| format!("cannot find the page ({e})"))?;
    let (w, h) = dec.dimensions().map_err(|e| format!("no dimensions ({e})"))?;
    check_pixels(w, h, opts)?;
    let (dpi, dpi_assumed) = stated_dpi(tiff_dpi(&mut dec), opts.default_dpi);
    let compression = dec.get_tag_u32(Tag::Compression).unwrap_or(1) as u16;
    let photometric = dec.get_tag_u32(Tag::PhotometricInterpretation).unwrap_or(1);
    let fill_order = dec.get_tag_u32(Tag::FillOrder).unwrap_or(1);
    let strips = dec.get_tag_u64_vec(Tag::StripOffsets).ok();
    let counts = dec.get_tag_u64_vec(Tag::StripByteCounts).ok();

    let img = match decode_tiff_page(&mut dec, w, h, photometric) {
        Ok(img) => img,
        // The tiff crate does not read CCITT G3 (and a few rarer codings): Leptonica does.
        Err(first) => leptonica_tiff_page(data, index).map_err(|e| format!("{first}; Leptonica: {e}"))?,
    };
    let gray = img.to_luma8();

    // A single-strip G4 page goes into the PDF exactly as the scanner wrote it.
    let encoded = match (compression, strips.as_deref(), counts.as_deref()) {
        (tiff_tags::COMPRESSION_G4, Some([off]), Some([len])) if fill_order == 1 => {
            let (off, len) = (*off as usize, *len as usize);
            match data.get(off..off.saturating_add(len)) {
                Some(bytes) => EncodedImage {
                    width: w,
                    height: h,
                    dpi,
                    color: PdfColor::Gray,
                    bits_per_component: 1,
                    codec: PdfCodec::CcittG4,
                    data: bytes.to_vec(),
                    invert: photometric == 1,
                },
                None => return Err("a G4 strip lies outside the file (truncated?)".into()),
            }
        }
        _ => encode_for_pdf(&img, dpi),
    };
    Ok((Raster { image: gray, dpi: dpi.1, dpi_assumed }, encoded))
}

fn tiff_dpi<R: std::io::Read + std::io::Seek>(dec: &mut tiff::decoder::Decoder<R>) -> Option<(f32, f32)> {
    use tiff::decoder::ifd::Value;
    use tiff::tags::Tag;
    let rational = |v: Value| -> Option<f32> {
        match v {
            Value::Rational(n, d) if d != 0 => Some(n as f32 / d as f32),
            Value::Short(n) => Some(n as f32),
            Value::Unsigned(n) => Some(n as f32),
            Value::Float(f) => Some(f),
            _ => None,
        }
    };
    let x = rational(dec.get_tag(Tag::XResolution).ok()?)?;
    let y = dec.get_tag(Tag::YResolution).ok().and_then(rational).unwrap_or(x);
    match dec.get_tag_u32(Tag::ResolutionUnit).unwrap_or(2) {
        3 => Some((x * 2.54, y * 2.54)),
        2 => Some((x, y)),
        _ => None,
    }
}

fn decode_tiff_page<R: std::io::Read + std::io::Seek>(
    dec: &mut tiff::decoder::Decoder<R>,
    w: u32,
    h: u32,
    photometric: u32,
) -> Result<DynamicImage, String> {
    use tiff::decoder::DecodingResult;
    use tiff::ColorType;
    let color = dec.colortype().map_err(|e| format!("unsupported TIFF colour type ({e})"))?;
    let result = dec.read_image().map_err(|e| format!("cannot decode the TIFF page ({e})"))?;
    // The tiff crate already turns WhiteIsZero pages into BlackIsZero ones (0 = black), whatever
    // their compression: the samples are used as they come. (`photometric` only matters for
    // a G4 strip copied as it is into the PDF.)
    let _ = photometric;
    let img = match (color, result) {
        (ColorType::Gray(1), DecodingResult::U8(buf)) => {
            let row_bytes = (w as usize).div_ceil(8);
            let mut g = GrayImage::new(w, h);
            for (y, row) in buf.chunks(row_bytes).take(h as usize).enumerate() {
                for x in 0..w as usize {
                    let bit = (row.get(x / 8).copied().unwrap_or(0) >> (7 - (x % 8))) & 1;
                    let black = bit == 0;
                    g.put_pixel(x as u32, y as u32, image::Luma([if black { 0 } else { 255 }]));
                }
            }
            DynamicImage::ImageLuma8(g)
        }
        (ColorType::Gray(8), DecodingResult::U8(buf)) => {
            GrayImage::from_raw(w, h, buf).map(DynamicImage::ImageLuma8).ok_or("short TIFF page data")?
        }
        (ColorType::Gray(16), DecodingResult::U16(buf)) => {
            let buf = buf.iter().map(|v| (v >> 8) as u8).collect();
            GrayImage::from_raw(w, h, buf).map(DynamicImage::ImageLuma8).ok_or("short TIFF page data")?
        }
        (ColorType::RGB(8), DecodingResult::U8(buf)) => {
            image::RgbImage::from_raw(w, h, buf).map(DynamicImage::ImageRgb8).ok_or("short TIFF page data")?
        }
        (ColorType::RGBA(8), DecodingResult::U8(buf)) => {
            image::RgbaImage::from_raw(w, h, buf).map(|i| DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(i).to_rgb8())).ok_or("short TIFF page data")?
        }
        (ColorType::Palette(8), _) | (ColorType::CMYK(8), _) | (_, _) => {
            return Err(format!("TIFF colour type {color:?} is not read directly"));
        }
    };
    Ok(img)
}

/// Read one TIFF page through Leptonica (it reads CCITT G3 and old codings the tiff crate
/// does not), as 8-bit gray.
fn leptonica_tiff_page(data: &[u8], index: u32) -> Result<DynamicImage, String> {
    crate::pix::read_tiff_page(data, index).map(DynamicImage::ImageLuma8).ok_or_else(|| "cannot decode the page".to_string())
}

// ---------------------------------------------------------------------------------------------
// PDF

/// What a PDF page's content shows: whether it has text, and which images it draws where.
#[derive(Default)]
struct PageScan {
    has_text: bool,
    /// (image stream id, transformation of its unit square into user space)
    images: Vec<(ObjectId, [f32; 6])>,
}

use crate::prepare::mul;

fn num(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// Walk a content stream, following form XObjects a few levels deep.
fn scan_content(doc: &Document, content: &[u8], resources: Option<&Dictionary>, ctm: [f32; 6], depth: u32, out: &mut PageScan) {
    let Ok(content) = Content::decode(content) else { return };
    let mut stack = Vec::new();
    let mut ctm = ctm;
    for op in &content.operations {
        match op.operator.as_str() {
            "q" => stack.push(ctm),
            "Q" => ctm = stack.pop().unwrap_or(ctm),
            "cm" if op.operands.len() == 6 => {
                let m: Vec<f32> = op.operands.iter().filter_map(num).collect();
                if let Ok(m) = <[f32; 6]>::try_from(m) {
                    ctm = mul(m, ctm);
                }
            }
            "Tj" | "TJ" | "'" | "\"" => out.has_text = true,
            "Do" => {
                let Some(Ok(name)) = op.operands.first().map(|o| o.as_name()) else { continue };
                let Some(xobjects) = resources.and_then(|r| resolve_dict(doc, r.get(b"XObject").ok())) else { continue };
                let Ok(Object::Reference(id)) = xobjects.get(name) else { continue };
                let Ok(stream) = doc.get_object(*id).and_then(Object::as_stream) else { continue };
                match stream.dict.get(b"Subtype").and_then(Object::as_name) {
                    Ok(b"Image") => out.images.push((*id, ctm)),
                    Ok(b"Form") if depth < 4 => {
                        let matrix = stream
                            .dict
                            .get(b"Matrix")
                            .and_then(Object::as_array)
                            .ok()
                            .and_then(|a| <[f32; 6]>::try_from(a.iter().filter_map(num).collect::<Vec<_>>()).ok())
                            .unwrap_or([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
                        let inner_res = resolve_dict(doc, stream.dict.get(b"Resources").ok()).or(resources);
                        let data = stream.decompressed_content().unwrap_or_else(|_| stream.content.clone());
                        scan_content(doc, &data, inner_res, mul(matrix, ctm), depth + 1, out);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

fn resolve_dict<'a>(doc: &'a Document, o: Option<&'a Object>) -> Option<&'a Dictionary> {
    match o? {
        Object::Dictionary(d) => Some(d),
        Object::Reference(id) => doc.get_dictionary(*id).ok(),
        _ => None,
    }
}

/// A page box (`MediaBox`, `CropBox`), inherited through the page tree when needed.
fn page_box(doc: &Document, page_id: ObjectId, key: &[u8]) -> Option<[f32; 4]> {
    let mut id = Some(page_id);
    for _ in 0..32 {
        let dict = doc.get_dictionary(id?).ok()?;
        if let Ok(arr) = dict.get(key).and_then(|o| doc.dereference(o).map(|(_, o)| o)).and_then(Object::as_array) {
            let v: Vec<f32> = arr.iter().filter_map(num).collect();
            return <[f32; 4]>::try_from(v).ok().map(|b| [b[0].min(b[2]), b[1].min(b[3]), b[0].max(b[2]), b[1].max(b[3])]);
        }
        id = dict.get(b"Parent").and_then(Object::as_reference).ok();
    }
    None
}

/// A page's MediaBox (US letter when it has none).
pub fn media_box(doc: &Document, page_id: ObjectId) -> [f32; 4] {
    page_box(doc, page_id, b"MediaBox").unwrap_or([0.0, 0.0, 612.0, 792.0])
}

/// The page's /Rotate (inherited), normalised to 0, 90, 180 or 270.
fn page_rotation(doc: &Document, page_id: ObjectId) -> i64 {
    let mut id = Some(page_id);
    for _ in 0..32 {
        let Some(dict) = id.and_then(|i| doc.get_dictionary(i).ok()) else { break };
        if let Ok(r) = dict.get(b"Rotate").and_then(Object::as_i64) {
            return r.rem_euclid(360) / 90 * 90;
        }
        id = dict.get(b"Parent").and_then(Object::as_reference).ok();
    }
    0
}

/// Decode every image a PDF page draws, as page-image extraction does, without rendering:
/// the size of each image decoded, or why it was not. Images of other handles give nothing.
/// (For diagnostics and the fuzzers: this is the code a hostile PDF reaches.)
pub fn decode_page_images(handle: &PageHandle, opts: &LoadOptions) -> Vec<Result<(u32, u32), String>> {
    let PageHandle::Pdf { doc, page_id, .. } = handle else { return Vec::new() };
    let content = doc.get_page_content(*page_id);
    let resources = doc.get_page_resources(*page_id).ok().and_then(|(own, inherited)| {
        own.or_else(|| inherited.first().and_then(|id| doc.get_dictionary(*id).ok()))
    });
    let mut scan = PageScan::default();
    scan_content(doc, &content, resources, [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], 0, &mut scan);
    scan.images
        .iter()
        .map(|(id, _)| match decode_pdf_image(doc, *id, opts) {
            Ok(img) => Ok(img.dimensions()),
            Err(PageImageError::TooLarge(m)) | Err(PageImageError::Unsupported(m)) => Err(m),
        })
        .collect()
}

fn pdf_page(doc: &Arc<Document>, page_id: ObjectId, page_no: u32, path: &std::path::Path, opts: &LoadOptions) -> Result<SourcePage, InputError> {
    let content = doc.get_page_content(page_id);
    let resources = doc.get_page_resources(page_id).ok().and_then(|(own, inherited)| {
        own.or_else(|| inherited.first().and_then(|id| doc.get_dictionary(*id).ok()))
    });
    let mut scan = PageScan::default();
    scan_content(doc, &content, resources, [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], 0, &mut scan);

    let mut page = SourcePage {
        page_no,
        raster: None,
        existing_text: None,
        origin: PageOrigin::Pdf { doc: doc.clone(), page_id, image_matrix: None },
        note: None,
    };
    if scan.has_text && !opts.force_ocr {
        page.existing_text = Some(doc.extract_text(&[page_no]).unwrap_or_default());
        return Ok(page);
    }
    // The page image: the largest image drawn, if it covers most of the page.
    let mb = media_box(doc, page_id);
    let page_area = ((mb[2] - mb[0]) * (mb[3] - mb[1])).abs().max(1.0);
    let area = |m: &[f32; 6]| (m[0] * m[3] - m[1] * m[2]).abs();
    let best = scan.images.iter().max_by(|a, b| area(&a.1).total_cmp(&area(&b.1)));
    let why_render = match best.filter(|(_, m)| area(m) >= 0.25 * page_area) {
        Some((image_id, matrix)) => match decode_pdf_image(doc, *image_id, opts) {
            Ok(img) => {
                // Resolution from the drawn size: pixels per inch along the image's height.
                let extent_pt = (matrix[2] * matrix[2] + matrix[3] * matrix[3]).sqrt().max(1.0);
                let drawn = img.height() as f32 / (extent_pt / 72.0);
                let dpi = sane_dpi(drawn, opts.default_dpi);
                page.raster = Some(Raster { image: img, dpi, dpi_assumed: !plausible_dpi(drawn) });
                page.origin = PageOrigin::Pdf { doc: doc.clone(), page_id, image_matrix: Some(*matrix) };
                return Ok(page);
            }
            Err(PageImageError::TooLarge(msg)) => return Err(InputError::TooLarge(format!("page {page_no}: {msg}"))),
            Err(PageImageError::Unsupported(msg)) => msg,
        },
        None if scan.has_text => "recognition forced on a page without a page image".to_string(),
        None => "the page has no text and no page image".to_string(),
    };
    // Fall back to rendering the page as displayed, and put the text over the whole page.
    let crop = page_box(doc, page_id, b"CropBox").unwrap_or(mb);
    let dpi = render_dpi(crop, opts);
    let (pw, ph) = (((crop[2] - crop[0]) / 72.0 * dpi).ceil() as u32, ((crop[3] - crop[1]) / 72.0 * dpi).ceil() as u32);
    check_pixels(pw.max(1), ph.max(1), opts)
        .map_err(|m| InputError::TooLarge(format!("page {page_no} would be rendered at {dpi} dpi: {m}")))?;
    match render_page(path, page_no, dpi, opts) {
        Ok((img, dpi)) => {
            // Rendered here at this resolution: known.
            page.raster = Some(Raster { image: img, dpi, dpi_assumed: false });
            let m = displayed_unit_square(crop, page_rotation(doc, page_id));
            page.origin = PageOrigin::Pdf { doc: doc.clone(), page_id, image_matrix: Some(m) };
        }
        Err(e) => {
            if scan.has_text {
                page.existing_text = Some(doc.extract_text(&[page_no]).unwrap_or_default());
            }
            page.note = Some(format!("not recognised: {why_render}, and rendering it failed ({e})"));
        }
    }
    Ok(page)
}

/// Where the unit square of the page *as displayed* (after /Rotate) lies in user space.
fn displayed_unit_square(b: [f32; 4], rotate: i64) -> [f32; 6] {
    let (x0, y0, w, h) = (b[0], b[1], b[2] - b[0], b[3] - b[1]);
    match rotate {
        90 => [0.0, h, -w, 0.0, x0 + w, y0],
        180 => [-w, 0.0, 0.0, -h, x0 + w, y0 + h],
        270 => [0.0, -h, w, 0.0, x0, y0 + h],
        _ => [w, 0.0, 0.0, h, x0, y0],
    }
}

/// Pixels a rendered page may have: 300 dpi for pages up to ~ 11 x 17 in, less for posters.
const RENDER_MAX_PIXELS: f32 = 20_000_000.0;
/// Seconds the renderer may take for one page.
const RENDER_TIMEOUT_SECS: u32 = 120;

/// The resolution a page is rendered at: the default DPI, less for large pages so that the
/// render stays under RENDER_MAX_PIXELS (and the pixel limit), never under 10 dpi.
fn render_dpi(crop: [f32; 4], opts: &LoadOptions) -> f32 {
    let area_in2 = ((crop[2] - crop[0]) / 72.0 * (crop[3] - crop[1]) / 72.0).max(0.01);
    let budget = RENDER_MAX_PIXELS.min(opts.max_pixels as f32);
    (budget / area_in2).sqrt().min(opts.default_dpi as f32).max(10.0).floor()
}

/// Render one page with poppler's `pdftoppm` (for pages whose image we cannot decode: JBIG2,
/// JPEG 2000, vector drawings). Returns the gray image and its resolution.
fn render_page(path: &std::path::Path, page_no: u32, dpi: f32, opts: &LoadOptions) -> Result<(GrayImage, f32), String> {
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
    let out_root = dir.path().join("page");
    let status = std::process::Command::new("timeout")
        .arg(RENDER_TIMEOUT_SECS.to_string())
        .arg("pdftoppm")
        .args(["-q", "-gray", "-png", "-singlefile", "-r", &dpi.to_string()])
        .args(["-f", &page_no.to_string(), "-l", &page_no.to_string()])
        .arg(path)
        .arg(&out_root)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run pdftoppm (install poppler-utils): {e}"))?;
    if !status.success() {
        return Err(match status.code() {
            Some(124) => format!("pdftoppm took over {RENDER_TIMEOUT_SECS} s"),
            Some(127) => "pdftoppm is not installed (poppler-utils)".to_string(),
            _ => format!("pdftoppm failed ({status})"),
        });
    }
    let png = std::fs::read(dir.path().join("page.png")).map_err(|e| format!("no rendered page: {e}"))?;
    let img = decode_image(&png, FileKind::Png, opts)?;
    Ok((img.to_luma8(), dpi))
}

fn decode_pdf_image(doc: &Document, id: ObjectId, opts: &LoadOptions) -> Result<GrayImage, PageImageError> {
    let stream = doc.get_object(id).and_then(Object::as_stream).map_err(|e| format!("bad image object ({e})"))?;
    let dict = &stream.dict;
    let get_u32 = |k: &[u8]| dict.get(k).ok().and_then(|o| doc.dereference(o).ok()).and_then(|(_, o)| o.as_i64().ok()).map(|v| v.max(0) as u32);
    let w = get_u32(b"Width").ok_or("image has no width")?;
    let h = get_u32(b"Height").ok_or("image has no height")?;
    check_pixels(w, h, opts).map_err(PageImageError::TooLarge)?;
    let filters: Vec<Vec<u8>> = match dict.get(b"Filter").ok().and_then(|o| doc.dereference(o).ok()).map(|(_, o)| o) {
        Some(Object::Name(n)) => vec![n.clone()],
        Some(Object::Array(a)) => a.iter().filter_map(|o| o.as_name().ok().map(<[u8]>::to_vec)).collect(),
        _ => vec![],
    };
    let last = filters.last().map(Vec::as_slice);
    if filters.len() > 1 {
        let names: Vec<_> = filters.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
        return Err(format!("chained image filters {} are not supported", names.join(", ")).into());
    }
    let image_mask = matches!(dict.get(b"ImageMask"), Ok(Object::Boolean(true)));
    let decode_inverted = dict
        .get(b"Decode")
        .and_then(Object::as_array)
        .ok()
        .map(|a| a.first().and_then(num).unwrap_or(0.0) > 0.5)
        .unwrap_or(false);
    match last {
        Some(b"DCTDecode") => {
            // The JPEG's own header, not the dictionary, says how much it decodes to.
            let dims = image::ImageReader::with_format(Cursor::new(&stream.content), image::ImageFormat::Jpeg).into_dimensions();
            let (jw, jh) = dims.map_err(|e| format!("cannot read its JPEG header ({e})"))?;
            check_pixels(jw, jh, opts).map_err(PageImageError::TooLarge)?;
            let mut reader = image::ImageReader::with_format(Cursor::new(&stream.content), image::ImageFormat::Jpeg);
            let mut limits = image::Limits::default();
            limits.max_alloc = Some(opts.max_pixels.saturating_mul(4));
            reader.limits(limits);
            reader.decode().map(|i| i.to_luma8()).map_err(|e| format!("cannot decode its JPEG ({e})").into())
        }
        Some(b"CCITTFaxDecode") => {
            let parms = dict.get(b"DecodeParms").ok().and_then(|o| doc.dereference(o).ok()).map(|(_, o)| o);
            let parms = match parms {
                Some(Object::Dictionary(d)) => Some(d),
                Some(Object::Array(a)) => a.iter().find_map(|o| o.as_dict().ok()),
                _ => None,
            };
            let pint = |k: &[u8], d: i64| parms.and_then(|p| p.get(k).ok()).and_then(|o| o.as_i64().ok()).unwrap_or(d);
            let k = pint(b"K", 0);
            let columns = pint(b"Columns", 1728).max(1) as u32;
            let rows = pint(b"Rows", h as i64).max(0) as u32;
            check_pixels(columns, rows.max(1), opts).map_err(PageImageError::TooLarge)?;
            let black_is_1 = parms.and_then(|p| p.get(b"BlackIs1").ok()).and_then(|o| o.as_bool().ok()).unwrap_or(false);
            let mut img = GrayImage::from_pixel(columns, rows.max(1), image::Luma([255]));
            let mut y = 0u32;
            let mut put_line = |transitions: &[u32]| {
                if y < img.height() {
                    for (x, c) in fax::decoder::pels(transitions, columns).enumerate() {
                        if c == fax::Color::Black {
                            img.put_pixel(x as u32, y, image::Luma([0]));
                        }
                    }
                }
                y += 1;
            };
            let ok = if k < 0 {
                fax::decoder::decode_g4(stream.content.iter().copied(), columns, Some(rows), &mut put_line)
            } else if k == 0 {
                fax::decoder::decode_g3(stream.content.iter().copied(), &mut put_line)
            } else {
                return Err("its image is mixed 2-D CCITT G3 (K > 0)".into());
            };
            if ok.is_none() && y == 0 {
                return Err("cannot decode its CCITT data".into());
            }
            // CCITT codes say which runs are black; BlackIs1 and Decode only change how the
            // decoded bits are painted.
            if black_is_1 ^ decode_inverted {
                image::imageops::invert(&mut img);
            }
            Ok(img)
        }
        Some(b"JBIG2Decode") => Err("its image is JBIG2-compressed".into()),
        Some(b"JPXDecode") => Err("its image is JPEG 2000".into()),
        Some(b"FlateDecode") | Some(b"LZWDecode") | Some(b"RunLengthDecode") | None => {
            let raw = if last.is_some() {
                stream.decompressed_content().map_err(|e| format!("cannot decompress ({e})"))?
            } else {
                stream.content.clone()
            };
            Ok(raw_samples_to_gray(doc, dict, &raw, w, h, image_mask, decode_inverted)?)
        }
        Some(other) => Err(format!("image filter {} is not supported", String::from_utf8_lossy(other)).into()),
    }
}

/// Interpret uncompressed image samples (gray, RGB, CMYK, indexed; 1 or 8 bits) as gray.
fn raw_samples_to_gray(doc: &Document, dict: &Dictionary, raw: &[u8], w: u32, h: u32, image_mask: bool, invert: bool) -> Result<GrayImage, String> {
    let bpc = if image_mask { 1 } else { dict.get(b"BitsPerComponent").and_then(Object::as_i64).unwrap_or(8) };
    if !matches!(bpc, 1 | 2 | 4 | 8 | 16) {
        return Err(format!("{bpc} bits per component is not a valid PDF image"));
    }
    let cs = dict.get(b"ColorSpace").ok().and_then(|o| doc.dereference(o).ok()).map(|(_, o)| o);
    // (components, palette for Indexed)
    let (n, palette): (usize, Option<(usize, Vec<u8>)>) = match cs {
        _ if image_mask => (1, None),
        Some(Object::Name(n)) => match n.as_slice() {
            b"DeviceGray" | b"CalGray" | b"G" => (1, None),
            b"DeviceRGB" | b"CalRGB" | b"RGB" => (3, None),
            b"DeviceCMYK" | b"CMYK" => (4, None),
            other => return Err(format!("colour space {} is not supported", String::from_utf8_lossy(other))),
        },
        Some(Object::Array(a)) => match a.first().and_then(|o| o.as_name().ok()) {
            Some(b"ICCBased") => {
                let n = a.get(1).and_then(|o| o.as_reference().ok()).and_then(|id| doc.get_object(id).ok()).and_then(|o| o.as_stream().ok()).and_then(|s| s.dict.get(b"N").and_then(Object::as_i64).ok()).unwrap_or(3);
                (n.clamp(1, 4) as usize, None)
            }
            Some(b"CalGray") => (1, None),
            Some(b"CalRGB") | Some(b"Lab") => (3, None),
            Some(b"Indexed") | Some(b"I") => {
                let base = a.get(1).and_then(|o| doc.dereference(o).ok()).map(|(_, o)| o);
                let base_n = match base {
                    Some(Object::Name(n)) if n.as_slice() == b"DeviceGray" => 1,
                    Some(Object::Name(n)) if n.as_slice() == b"DeviceCMYK" => 4,
                    _ => 3,
                };
                let lookup = match a.get(3).map(|o| doc.dereference(o).map(|(_, o)| o)) {
                    Some(Ok(Object::String(s, _))) => s.clone(),
                    Some(Ok(Object::Stream(s))) => s.decompressed_content().unwrap_or_else(|_| s.content.clone()),
                    _ => return Err("indexed colour space without a palette".into()),
                };
                (1, Some((base_n, lookup)))
            }
            _ => return Err("colour space is not supported".into()),
        },
        _ => (1, None),
    };
    let row_bytes = (w as usize * n * bpc as usize).div_ceil(8);
    if raw.len() < row_bytes * h as usize {
        return Err(format!("image data is short ({} of {} bytes)", raw.len(), row_bytes * h as usize));
    }
    let to_gray = |s: &[u8]| -> u8 {
        match s.len() {
            1 => s[0],
            3 => ((s[0] as u32 * 299 + s[1] as u32 * 587 + s[2] as u32 * 114) / 1000) as u8,
            4 => {
                let k = s[3] as u32;
                let g = (s[0] as u32 * 299 + s[1] as u32 * 587 + s[2] as u32 * 114) / 1000;
                255u32.saturating_sub((g + k).min(255)) as u8
            }
            _ => 255,
        }
    };
    let mut img = GrayImage::new(w, h);
    for y in 0..h as usize {
        let row = &raw[y * row_bytes..(y + 1) * row_bytes];
        for x in 0..w as usize {
            let mut v = match bpc {
                8 => {
                    let s = &row[x * n..x * n + n];
                    match &palette {
                        Some((bn, lut)) => {
                            let i = s[0] as usize * bn;
                            lut.get(i..i + bn).map(to_gray).unwrap_or(255)
                        }
                        None => to_gray(s),
                    }
                }
                1 | 2 | 4 if n == 1 => {
                    let bits = bpc as usize;
                    let bit_pos = x * bits;
                    let byte = row[bit_pos / 8];
                    let shift = 8 - bits - (bit_pos % 8);
                    let sample = (byte >> shift) & ((1 << bits) - 1);
                    match &palette {
                        Some((bn, lut)) => {
                            let i = sample as usize * bn;
                            lut.get(i..i + bn).map(to_gray).unwrap_or(255)
                        }
                        None => (sample as u32 * 255 / ((1 << bits) - 1)) as u8,
                    }
                }
                16 => to_gray(&row[x * n * 2..x * n * 2 + n * 2].iter().step_by(2).copied().collect::<Vec<_>>()),
                _ => return Err(format!("{bpc} bits per component is not supported")),
            };
            // An image mask paints where its bit is 0 (ink), which already reads as black here.
            if invert {
                v = 255 - v;
            }
            img.put_pixel(x as u32, y as u32, image::Luma([v]));
        }
    }
    Ok(img)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg() -> Vec<u8> {
        let img = GrayImage::from_fn(64, 48, |x, y| image::Luma([((x * 7 + y * 13) % 256) as u8]));
        let mut buf = Vec::new();
        DynamicImage::ImageLuma8(img).write_to(&mut Cursor::new(&mut buf), image::ImageFormat::Jpeg).unwrap();
        buf
    }

    #[test]
    fn a_resolution_the_file_does_not_state_is_assumed() {
        assert_eq!(stated_dpi(Some((300.0, 300.0)), 200), ((300.0, 300.0), false));
        assert_eq!(stated_dpi(None, 300), ((300.0, 300.0), true));
        // Implausible (a JFIF aspect ratio of 1:1 read as dpi): the default, and assumed.
        assert_eq!(stated_dpi(Some((1.0, 1.0)), 300), ((300.0, 300.0), true));
    }

    #[test]
    fn jpeg_end_marker() {
        let whole = jpeg();
        assert!(jpeg_has_end(&whole));
        let mut padded = whole.clone();
        padded.extend_from_slice(&[0; 100]);
        assert!(jpeg_has_end(&padded), "padding after EOI is fine");
        assert!(!jpeg_has_end(&whole[..whole.len() - 2]));
        assert!(!jpeg_has_end(&whole[..whole.len() / 2]));
        assert!(!jpeg_has_end(&whole[..3]));
    }

    fn opts() -> LoadOptions {
        LoadOptions { force_ocr: false, default_dpi: 300, max_pixels: 1_000_000 }
    }

    /// A one-page PDF drawing the image stream `img` over the page.
    fn pdf_with(img: lopdf::Stream) -> Vec<u8> {
        use lopdf::{dictionary, Stream};
        let mut doc = Document::with_version("1.4");
        let pages_id = doc.new_object_id();
        let img_id = doc.add_object(img);
        let content = doc.add_object(Stream::new(dictionary! {}, b"q 612 0 0 792 0 0 cm /Im0 Do Q".to_vec()));
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            "Contents" => content, "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => img_id } },
        });
        doc.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }));
        let cat = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", cat);
        let mut buf = Vec::new();
        doc.save_to(&mut buf).unwrap();
        buf
    }

    fn page_images(pdf: Vec<u8>) -> Vec<Result<(u32, u32), String>> {
        let opened = open_bytes(pdf, FileKind::Pdf, std::path::Path::new("x.pdf"), &opts()).unwrap();
        decode_page_images(&opened.pages[0], &opts())
    }

    /// Regression: a DCT image's dictionary may understate the JPEG inside it; the JPEG's own
    /// header is checked against the pixel limit.
    #[test]
    fn dct_image_checked_by_its_jpeg_header() {
        use lopdf::{dictionary, Stream};
        let stream = |w: i64, h: i64| {
            Stream::new(dictionary! { "Subtype" => "Image", "Width" => w, "Height" => h, "BitsPerComponent" => 8, "ColorSpace" => "DeviceGray", "Filter" => "DCTDecode" }, jpeg())
                .with_compression(false)
        };
        assert_eq!(page_images(pdf_with(stream(64, 48))), vec![Ok((64, 48))]);
        let mut big = opts();
        big.max_pixels = 1000;
        let opened = open_bytes(pdf_with(stream(10, 10)), FileKind::Pdf, std::path::Path::new("x.pdf"), &big).unwrap();
        let r = decode_page_images(&opened.pages[0], &big);
        assert!(matches!(&r[0], Err(m) if m.contains("64 x 48 pixels is over the limit")), "{r:?}");
    }

    /// Regression: BitsPerComponent outside 1, 2, 4, 8, 16 is refused (a huge or negative value
    /// overflowed the row-size arithmetic).
    #[test]
    fn invalid_bits_per_component() {
        use lopdf::{dictionary, Stream};
        for bpc in [-8i64, 0, 3, 1 << 40] {
            let s = Stream::new(dictionary! { "Subtype" => "Image", "Width" => 4, "Height" => 4, "BitsPerComponent" => bpc, "ColorSpace" => "DeviceGray" }, vec![0u8; 64])
                .with_compression(false);
            let r = page_images(pdf_with(s));
            assert!(matches!(&r[0], Err(m) if m.contains("bits per component")), "{bpc}: {r:?}");
        }
    }
}

#[cfg(test)]
mod png_tests {
    use super::*;

    fn png(img: DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn eight_bit_gray_and_rgb_png_data_is_kept_as_it_is() {
        use std::io::Read;
        let mut gray = GrayImage::from_pixel(37, 11, image::Luma([200]));
        gray.put_pixel(3, 4, image::Luma([7]));
        let data = png(DynamicImage::ImageLuma8(gray.clone()));
        let p = png_idat(&data).expect("8-bit gray PNG");
        assert_eq!((p.width, p.height, p.color), (37, 11, PdfColor::Gray));
        // The IDAT data inflates to one filter byte plus 37 samples per row.
        let mut rows = Vec::new();
        flate2::read::ZlibDecoder::new(&p.idat[..]).read_to_end(&mut rows).unwrap();
        assert_eq!(rows.len(), 11 * 38);
        let rgb = png(DynamicImage::ImageRgb8(DynamicImage::ImageLuma8(gray.clone()).to_rgb8()));
        assert_eq!(png_idat(&rgb).map(|p| p.color), Some(PdfColor::Rgb));
        // Alpha, 16 bits and bilevel pages are not kept as they are.
        assert!(png_idat(&png(DynamicImage::ImageRgba8(DynamicImage::ImageLuma8(gray.clone()).to_rgba8()))).is_none());
        assert!(png_idat(&png(DynamicImage::ImageLuma16(DynamicImage::ImageLuma8(gray.clone()).to_luma16()))).is_none());
        let opts = LoadOptions { force_ocr: false, default_dpi: 300, max_pixels: DEFAULT_MAX_PIXELS };
        let (raster, encoded) = load_generic(&data, FileKind::Png, &opts).unwrap();
        assert_eq!(raster.image, gray);
        assert_eq!(encoded.codec, PdfCodec::FlatePng);
        let bw = GrayImage::from_fn(40, 10, |x, _| image::Luma([if x % 3 == 0 { 0 } else { 255 }]));
        let (_, encoded) = load_generic(&png(DynamicImage::ImageLuma8(bw)), FileKind::Png, &opts).unwrap();
        assert_eq!(encoded.codec, PdfCodec::CcittG4);
    }
}
