//! File formats: JPEG, PNG, BMP, multi-page TIFF (LZW, Deflate, PackBits,
//! CCITT G4, CCITT G3 1-D) and image-only PDFs (DCT, Flate, CCITT G4 pages).
//! Every encoder writes the resolution where the format has a place for it,
//! and none writes timestamps, so output depends only on the pixels.

use std::io::{Cursor, Write};

use anyhow::{bail, Context, Result};
use image::codecs::jpeg::{JpegEncoder, PixelDensity};
use image::{ExtendedColorType, GrayImage};
use lopdf::{dictionary, Document, Object, Stream};
use tiff::encoder::compression::{CompressionAlgorithm, Deflate, DeflateLevel, Lzw, Packbits};
use tiff::encoder::{colortype, Compression, Predictor, Rational, TiffEncoder};
use tiff::tags::{CompressionMethod, PhotometricInterpretation, ResolutionUnit, Tag};

use crate::degrade::Raster;

/// Compression of a TIFF file's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TiffCompression {
    Lzw,
    /// Deflate with the horizontal differencing predictor on 8-bit pages.
    Deflate,
    PackBits,
    /// CCITT T.6 (bilevel pages only).
    G4,
    /// CCITT T.4 one-dimensional Modified Huffman with EOL codes (bilevel pages only).
    G3,
}

/// How a PDF page's image is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfImage {
    /// JPEG bytes as is, `/DCTDecode`.
    Jpeg { quality: u8 },
    /// 8-bit samples, `/FlateDecode`.
    Flate,
    /// CCITT G4, `/CCITTFaxDecode` with `K -1` (bilevel pages only).
    G4,
}

/// A whole-file output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg { quality: u8 },
    Png,
    Bmp,
    Tiff(TiffCompression),
    Pdf(PdfImage),
}

impl Format {
    /// Name recorded in `truth.json`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg { .. } => "jpeg",
            Format::Png => "png",
            Format::Bmp => "bmp",
            Format::Tiff(TiffCompression::Lzw) => "tiff-lzw",
            Format::Tiff(TiffCompression::Deflate) => "tiff-deflate",
            Format::Tiff(TiffCompression::PackBits) => "tiff-packbits",
            Format::Tiff(TiffCompression::G4) => "tiff-g4",
            Format::Tiff(TiffCompression::G3) => "tiff-g3",
            Format::Pdf(PdfImage::Jpeg { .. }) => "pdf-jpeg",
            Format::Pdf(PdfImage::Flate) => "pdf-flate",
            Format::Pdf(PdfImage::G4) => "pdf-g4",
        }
    }

    /// Whether the format holds more than one page.
    pub fn multi_page(self) -> bool {
        matches!(self, Format::Tiff(_) | Format::Pdf(_))
    }

    /// Encode `pages` (exactly one for single-page formats) at `dpi`.
    pub fn encode(self, pages: &[Raster], dpi: u32) -> Result<Vec<u8>> {
        if pages.is_empty() {
            bail!("{}: no pages to write", self.name());
        }
        match (self, pages) {
            (Format::Tiff(c), _) => tiff(pages, dpi, c),
            (Format::Pdf(kind), _) => pdf(pages, dpi, kind),
            (Format::Jpeg { quality }, [page]) => jpeg(page, dpi, quality),
            (Format::Png, [page]) => png(page, dpi),
            (Format::Bmp, [page]) => bmp(page, dpi),
            _ => bail!(
                "{} holds exactly one page, got {}",
                self.name(),
                pages.len()
            ),
        }
    }
}

/// 8-bit view of a page: bilevel pages become gray 0/255.
fn samples(raster: &Raster) -> (&[u8], ExtendedColorType) {
    match raster {
        Raster::Rgb(i) => (i.as_raw(), ExtendedColorType::Rgb8),
        Raster::Gray(i) | Raster::Bilevel(i) => (i.as_raw(), ExtendedColorType::L8),
    }
}

fn dpi_u16(dpi: u32) -> Result<u16> {
    u16::try_from(dpi).context("dpi does not fit the format")
}

/// Baseline JPEG with a JFIF density in dots per inch.
pub fn jpeg(raster: &Raster, dpi: u32, quality: u8) -> Result<Vec<u8>> {
    let (w, h) = raster.dimensions();
    let (data, color) = samples(raster);
    let mut out = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut out, quality);
    enc.set_pixel_density(PixelDensity::dpi(dpi_u16(dpi)?));
    enc.encode(data, w, h, color).context("encoding JPEG")?;
    Ok(out)
}

/// 8-bit PNG (gray or RGB; 1-bit for bilevel pages) with a pHYs chunk.
pub fn png(raster: &Raster, dpi: u32) -> Result<Vec<u8>> {
    let (w, h) = raster.dimensions();
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    let ppm = (dpi as f64 / 0.0254).round() as u32;
    enc.set_pixel_dims(Some(png::PixelDimensions {
        xppu: ppm,
        yppu: ppm,
        unit: png::Unit::Meter,
    }));
    let data = match raster {
        Raster::Rgb(i) => {
            enc.set_color(png::ColorType::Rgb);
            i.as_raw().clone()
        }
        Raster::Gray(i) => {
            enc.set_color(png::ColorType::Grayscale);
            i.as_raw().clone()
        }
        Raster::Bilevel(i) => {
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(png::BitDepth::One);
            pack_bits(i, false)
        }
    };
    let mut writer = enc.write_header().context("writing PNG header")?;
    writer.write_image_data(&data).context("writing PNG data")?;
    writer.finish().context("finishing PNG")?;
    Ok(out)
}

/// Uncompressed BMP (24-bit RGB or 8-bit palettized gray) with pixels-per-metre set.
pub fn bmp(raster: &Raster, dpi: u32) -> Result<Vec<u8>> {
    let (w, h) = raster.dimensions();
    let (data, color) = samples(raster);
    let mut out = Vec::new();
    image::codecs::bmp::BmpEncoder::new(&mut out)
        .encode(data, w, h, color)
        .context("encoding BMP")?;
    // The encoder leaves biXPelsPerMeter/biYPelsPerMeter (offsets 38 and 42) at zero.
    let ppm = ((dpi as f64 / 0.0254).round() as u32).to_le_bytes();
    out[38..42].copy_from_slice(&ppm);
    out[42..46].copy_from_slice(&ppm);
    Ok(out)
}

/// Pack a 0/255 bilevel image into rows of bits, MSB first, each row padded to a byte.
/// With `black_is_one` a set bit means black (TIFF WhiteIsZero); otherwise white.
pub fn pack_bits(img: &GrayImage, black_is_one: bool) -> Vec<u8> {
    let (w, h) = img.dimensions();
    let row_bytes = w.div_ceil(8) as usize;
    let mut out = vec![0u8; row_bytes * h as usize];
    for (y, row) in img.as_raw().chunks(w as usize).enumerate() {
        for (x, &v) in row.iter().enumerate() {
            if (v < 128) == black_is_one {
                out[y * row_bytes + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    out
}

fn fax_colors(row: &[u8]) -> impl Iterator<Item = fax::Color> + '_ {
    row.iter().map(|&v| {
        if v < 128 {
            fax::Color::Black
        } else {
            fax::Color::White
        }
    })
}

/// CCITT T.6 (Group 4) data for a bilevel page, ending with EOFB.
pub fn g4(img: &GrayImage) -> Vec<u8> {
    let width = img.width();
    let mut enc = fax::encoder::Encoder::new(fax::VecWriter::new());
    for row in img.as_raw().chunks(width as usize) {
        // VecWriter's error type is Infallible.
        let Ok(()) = enc.encode_line(fax_colors(row), width);
    }
    let Ok(writer) = enc.finish();
    writer.finish()
}

/// CCITT T.4 one-dimensional (Modified Huffman) data: an EOL before every row,
/// the code tables from the `fax` crate, and RTC (six EOLs) at the end.
pub fn g3_1d(img: &GrayImage) -> Vec<u8> {
    use fax::maps::{black, white, EOL};
    use fax::BitWriter;

    fn run(w: &mut fax::VecWriter, black_run: bool, mut n: u32) {
        let code = |v: u32| {
            let v = v as u16;
            if black_run {
                black::encode(v)
            } else {
                white::encode(v)
            }
        };
        let mut put = |v: u32| {
            if let Some(bits) = code(v) {
                let Ok(()) = w.write(bits);
            }
        };
        while n >= 2560 {
            put(2560);
            n -= 2560;
        }
        if n >= 64 {
            put(n & !63);
        }
        put(n & 63);
    }

    let width = img.width() as usize;
    let mut w = fax::VecWriter::new();
    for row in img.as_raw().chunks(width) {
        let Ok(()) = w.write(EOL);
        // Runs alternate white, black, ... starting with a (possibly empty) white run.
        let mut black_run = false;
        let mut x = 0;
        while x < width {
            let len = row[x..]
                .iter()
                .take_while(|&&v| (v < 128) == black_run)
                .count();
            run(&mut w, black_run, len as u32);
            x += len;
            black_run = !black_run;
        }
    }
    for _ in 0..6 {
        let Ok(()) = w.write(EOL);
    }
    w.finish()
}

/// Multi-page TIFF: one IFD per page, one strip (or one per row for PackBits
/// gray/RGB), resolution in inches and a PageNumber tag. Bilevel pages are 1-bit:
/// WhiteIsZero for the CCITT codings, BlackIsZero otherwise.
pub fn tiff(pages: &[Raster], dpi: u32, compression: TiffCompression) -> Result<Vec<u8>> {
    let mut cursor = Cursor::new(Vec::new());
    let enc = TiffEncoder::new(&mut cursor).context("starting TIFF")?;
    let mut enc = match compression {
        TiffCompression::Lzw => enc.with_compression(Compression::Lzw),
        TiffCompression::Deflate => enc
            .with_compression(Compression::Deflate(DeflateLevel::Balanced))
            .with_predictor(Predictor::Horizontal),
        TiffCompression::PackBits => enc.with_compression(Compression::Packbits),
        TiffCompression::G4 | TiffCompression::G3 => enc,
    };
    for (index, page) in pages.iter().enumerate() {
        let page_number = [index as u16, pages.len() as u16];
        let written = match page {
            Raster::Rgb(img) => tiff_continuous::<colortype::RGB8, _>(
                &mut enc,
                img.dimensions(),
                img.as_raw(),
                dpi,
                page_number,
                compression,
            ),
            Raster::Gray(img) => tiff_continuous::<colortype::Gray8, _>(
                &mut enc,
                img.dimensions(),
                img.as_raw(),
                dpi,
                page_number,
                compression,
            ),
            Raster::Bilevel(img) => tiff_bilevel(&mut enc, img, dpi, page_number, compression),
        };
        written.with_context(|| format!("writing TIFF page {}", index + 1))?;
    }
    Ok(cursor.into_inner())
}

fn tiff_continuous<C, W>(
    enc: &mut TiffEncoder<W>,
    (w, h): (u32, u32),
    data: &[u8],
    dpi: u32,
    page_number: [u16; 2],
    compression: TiffCompression,
) -> Result<()>
where
    C: colortype::ColorType<Inner = u8>,
    W: Write + std::io::Seek,
{
    if matches!(compression, TiffCompression::G4 | TiffCompression::G3) {
        bail!("{compression:?} needs bilevel pages");
    }
    let mut image = enc.new_image::<C>(w, h)?;
    image.resolution(ResolutionUnit::Inch, Rational { n: dpi, d: 1 });
    image
        .encoder()
        .write_tag(Tag::Unknown(PAGE_NUMBER), &page_number[..])?;
    image.write_data(data)?;
    Ok(())
}

/// TIFF tags the `tiff` crate has no names for.
const PAGE_NUMBER: u16 = 297;
const T4_OPTIONS: u16 = 292;

fn tiff_bilevel<W: Write + std::io::Seek>(
    enc: &mut TiffEncoder<W>,
    img: &GrayImage,
    dpi: u32,
    page_number: [u16; 2],
    compression: TiffCompression,
) -> Result<()> {
    let (w, h) = img.dimensions();
    let packed = || compress_packed(&pack_bits(img, false), w.div_ceil(8) as usize, compression);
    let (method, photometric, data) = match compression {
        TiffCompression::G4 => (
            CompressionMethod::Fax4,
            PhotometricInterpretation::WhiteIsZero,
            g4(img),
        ),
        TiffCompression::G3 => (
            CompressionMethod::Fax3,
            PhotometricInterpretation::WhiteIsZero,
            g3_1d(img),
        ),
        TiffCompression::Lzw => (
            CompressionMethod::LZW,
            PhotometricInterpretation::BlackIsZero,
            packed()?,
        ),
        TiffCompression::Deflate => (
            CompressionMethod::Deflate,
            PhotometricInterpretation::BlackIsZero,
            packed()?,
        ),
        TiffCompression::PackBits => (
            CompressionMethod::PackBits,
            PhotometricInterpretation::BlackIsZero,
            packed()?,
        ),
    };
    let mut dir = enc.image_directory()?;
    let offset = dir.write_data(&data[..])?;
    dir.write_tag(Tag::ImageWidth, w)?;
    dir.write_tag(Tag::ImageLength, h)?;
    dir.write_tag(Tag::BitsPerSample, 1u16)?;
    dir.write_tag(Tag::Compression, method.to_u16())?;
    dir.write_tag(Tag::PhotometricInterpretation, photometric.to_u16())?;
    dir.write_tag(Tag::StripOffsets, u32::try_from(offset)?)?;
    dir.write_tag(Tag::SamplesPerPixel, 1u16)?;
    dir.write_tag(Tag::RowsPerStrip, h)?;
    dir.write_tag(Tag::StripByteCounts, u32::try_from(data.len())?)?;
    dir.write_tag(Tag::XResolution, Rational { n: dpi, d: 1 })?;
    dir.write_tag(Tag::YResolution, Rational { n: dpi, d: 1 })?;
    dir.write_tag(Tag::ResolutionUnit, ResolutionUnit::Inch.to_u16())?;
    dir.write_tag(Tag::Unknown(PAGE_NUMBER), &page_number[..])?;
    if compression == TiffCompression::G3 {
        // 1-D coding, uncompressed mode off, EOLs not byte-aligned.
        dir.write_tag(Tag::Unknown(T4_OPTIONS), 0u32)?;
    }
    dir.finish()?;
    Ok(())
}

/// Compress packed 1-bit rows with one of the `tiff` crate's algorithms.
fn compress_packed(
    packed: &[u8],
    row_bytes: usize,
    compression: TiffCompression,
) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    match compression {
        TiffCompression::Lzw => {
            Lzw.write_to(&mut out, packed)?;
        }
        TiffCompression::Deflate => {
            Deflate::with_level(DeflateLevel::Balanced).write_to(&mut out, packed)?;
        }
        // PackBits runs must not cross rows.
        _ => {
            for row in packed.chunks(row_bytes) {
                Packbits.write_to(&mut out, row)?;
            }
        }
    }
    Ok(out)
}

/// Image-only PDF: each page is one image XObject drawn over the whole page,
/// whose MediaBox is the image size in points at `dpi`.
pub fn pdf(pages: &[Raster], dpi: u32, kind: PdfImage) -> Result<Vec<u8>> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut kids: Vec<Object> = Vec::new();
    for page in pages {
        let (w, h) = page.dimensions();
        let (color_space, bits, filter, params, data) = match (kind, page) {
            (PdfImage::G4, Raster::Bilevel(img)) => {
                let params = dictionary! {
                    "K" => -1, "Columns" => w as i64, "Rows" => h as i64, "BlackIs1" => false,
                };
                ("DeviceGray", 1, "CCITTFaxDecode", Some(params), g4(img))
            }
            (PdfImage::G4, _) => bail!("CCITT PDF pages must be bilevel"),
            (PdfImage::Jpeg { quality }, _) => (
                device(page),
                8,
                "DCTDecode",
                None,
                jpeg(page, dpi, quality)?,
            ),
            (PdfImage::Flate, _) => {
                let mut z =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                z.write_all(samples(page).0).context("deflating PDF page")?;
                (
                    device(page),
                    8,
                    "FlateDecode",
                    None,
                    z.finish().context("deflating PDF page")?,
                )
            }
        };
        let mut dict = dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => w as i64,
            "Height" => h as i64,
            "ColorSpace" => color_space,
            "BitsPerComponent" => bits,
            "Filter" => filter,
        };
        if let Some(params) = params {
            dict.set("DecodeParms", params);
        }
        let image_id = doc.add_object(Stream::new(dict, data).with_compression(false));
        let (pw, ph) = (points(w, dpi), points(h, dpi));
        let content = format!("q {} 0 0 {} 0 0 cm /Im0 Do Q\n", number(pw), number(ph));
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), pdf_number(pw), pdf_number(ph)],
            "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => image_id } },
            "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    let info_id =
        doc.add_object(dictionary! { "Producer" => Object::string_literal("casefile fixturegen") });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).context("writing PDF")?;
    Ok(out)
}

fn device(page: &Raster) -> &'static str {
    match page {
        Raster::Rgb(_) => "DeviceRGB",
        _ => "DeviceGray",
    }
}

/// Pixels to points at `dpi`.
fn points(px: u32, dpi: u32) -> f64 {
    px as f64 * 72.0 / dpi as f64
}

/// A number for a content stream: integers without a fraction, else 4 decimals.
fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

fn pdf_number(v: f64) -> Object {
    if v.fract() == 0.0 {
        Object::Integer(v as i64)
    } else {
        Object::Real(v as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Luma, RgbImage};
    use tiff::decoder::ifd::Value;
    use tiff::decoder::{Decoder, DecodingResult};

    /// A bilevel test page with runs of many lengths, including over 2560 pixels.
    fn bilevel(width: u32, height: u32) -> GrayImage {
        GrayImage::from_fn(width, height, |x, y| {
            let black = match y % 5 {
                0 => false,
                1 => true,
                2 => (x / 7 + y) % 3 == 0,
                3 => x % 97 < 70,
                _ => (x * x + y) % 11 == 0,
            };
            Luma([if black { 0 } else { 255 }])
        })
    }

    fn gray(width: u32, height: u32) -> GrayImage {
        GrayImage::from_fn(width, height, |x, y| Luma([((x * 7 + y * 13) % 256) as u8]))
    }

    fn rgb(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([x as u8, y as u8, (x ^ y) as u8])
        })
    }

    /// One byte per pixel from MSB-first packed rows.
    fn unpack(packed: &[u8], width: u32) -> Vec<u8> {
        packed
            .chunks(width.div_ceil(8) as usize)
            .flat_map(|row| (0..width as usize).map(move |x| (row[x / 8] >> (7 - x % 8)) & 1))
            .collect()
    }

    #[test]
    fn g3_round_trips_through_the_fax_decoder() {
        let img = bilevel(2701, 11);
        let mut rows: Vec<Vec<u8>> = Vec::new();
        let ok = fax::decoder::decode_g3(g3_1d(&img).into_iter(), |transitions| {
            rows.push(
                fax::decoder::pels(transitions, img.width())
                    .map(|c| if c == fax::Color::Black { 0 } else { 255 })
                    .collect(),
            );
        });
        assert!(ok.is_some());
        assert_eq!(rows.len(), img.height() as usize);
        for (y, row) in rows.iter().enumerate() {
            let expected: Vec<u8> = (0..img.width())
                .map(|x| img.get_pixel(x, y as u32).0[0])
                .collect();
            assert_eq!(row, &expected, "row {y}");
        }
    }

    #[test]
    fn multi_page_tiffs_decode_with_resolution_and_pixels() {
        let cases: Vec<(TiffCompression, Vec<Raster>)> = vec![
            (
                TiffCompression::G4,
                vec![
                    Raster::Bilevel(bilevel(203, 31)),
                    Raster::Bilevel(bilevel(2700, 9)),
                ],
            ),
            (
                TiffCompression::PackBits,
                vec![Raster::Bilevel(bilevel(99, 20)), Raster::Gray(gray(64, 30))],
            ),
            (
                TiffCompression::Lzw,
                vec![
                    Raster::Gray(gray(70, 40)),
                    Raster::Rgb(rgb(33, 21)),
                    Raster::Bilevel(bilevel(45, 9)),
                ],
            ),
            (
                TiffCompression::Deflate,
                vec![Raster::Rgb(rgb(50, 17)), Raster::Bilevel(bilevel(17, 5))],
            ),
        ];
        for (compression, pages) in cases {
            let bytes = tiff(&pages, 300, compression).unwrap();
            let mut dec = Decoder::new(Cursor::new(bytes)).unwrap();
            for (i, page) in pages.iter().enumerate() {
                if i > 0 {
                    assert!(dec.more_images(), "{compression:?}: page {} missing", i + 1);
                    dec.next_image().unwrap();
                }
                assert_eq!(dec.dimensions().unwrap(), page.dimensions());
                assert_eq!(
                    dec.get_tag(Tag::XResolution).unwrap(),
                    Value::Rational(300, 1)
                );
                assert_eq!(dec.get_tag_u32(Tag::ResolutionUnit).unwrap(), 2);
                assert_eq!(
                    dec.get_tag_u16_vec(Tag::Unknown(PAGE_NUMBER)).unwrap(),
                    [i as u16, pages.len() as u16]
                );
                let DecodingResult::U8(data) = dec.read_image().unwrap() else {
                    panic!("not 8-bit")
                };
                let (data, expected) = match page {
                    // The decoder normalizes WhiteIsZero to BlackIsZero (a set bit is
                    // white) but may invert the row padding too: compare pixels only.
                    Raster::Bilevel(img) => (
                        unpack(&data, img.width()),
                        unpack(&pack_bits(img, false), img.width()),
                    ),
                    _ => (data, samples(page).0.to_vec()),
                };
                assert_eq!(data, expected, "{compression:?} page {}", i + 1);
            }
            assert!(!dec.more_images());
        }
    }

    #[test]
    fn g3_tiff_tags() {
        let bytes = tiff(
            &[
                Raster::Bilevel(bilevel(80, 10)),
                Raster::Bilevel(bilevel(80, 12)),
            ],
            200,
            TiffCompression::G3,
        )
        .unwrap();
        let mut dec = Decoder::new(Cursor::new(bytes)).unwrap();
        assert_eq!(dec.get_tag_u32(Tag::Compression).unwrap(), 3);
        assert_eq!(dec.get_tag_u32(Tag::PhotometricInterpretation).unwrap(), 0);
        assert_eq!(dec.get_tag_u32(Tag::Unknown(T4_OPTIONS)).unwrap(), 0);
        dec.next_image().unwrap();
        assert_eq!(dec.dimensions().unwrap(), (80, 12));
        assert_eq!(
            dec.get_tag(Tag::YResolution).unwrap(),
            Value::Rational(200, 1)
        );
        assert!(tiff(&[Raster::Gray(gray(8, 8))], 200, TiffCompression::G3).is_err());
    }

    #[test]
    fn single_page_formats_record_dpi() {
        let page = Raster::Gray(gray(40, 30));
        let jpg = jpeg(&page, 300, 80).unwrap();
        // JFIF APP0: units 1 (dots per inch), X and Y density 300.
        assert_eq!(&jpg[6..11], b"JFIF\0");
        assert_eq!(&jpg[13..18], &[1, 1, 44, 1, 44]);
        let png_bytes = png(&Raster::Bilevel(bilevel(40, 30)), 200).unwrap();
        let decoder = png::Decoder::new(Cursor::new(png_bytes));
        let reader = decoder.read_info().unwrap();
        let dims = reader.info().pixel_dims.unwrap();
        assert_eq!((dims.xppu, dims.unit), (7874, png::Unit::Meter));
        let bmp_bytes = bmp(&Raster::Rgb(rgb(5, 3)), 200).unwrap();
        assert_eq!(&bmp_bytes[38..42], &7874u32.to_le_bytes());
        assert!(image::load_from_memory(&bmp_bytes).is_ok());
    }

    #[test]
    fn pdf_pages_are_full_page_images() {
        let pages = [
            Raster::Bilevel(bilevel(1700, 2200)),
            Raster::Bilevel(bilevel(1700, 2200)),
        ];
        for (kind, pages, filter) in [
            (PdfImage::G4, &pages[..], "CCITTFaxDecode"),
            (
                PdfImage::Flate,
                &[Raster::Gray(gray(1700, 2200))][..],
                "FlateDecode",
            ),
            (
                PdfImage::Jpeg { quality: 70 },
                &[Raster::Rgb(rgb(1700, 2200))][..],
                "DCTDecode",
            ),
        ] {
            let doc = Document::load_mem(&pdf(pages, 200, kind).unwrap()).unwrap();
            let page_ids: Vec<_> = doc.get_pages().into_values().collect();
            assert_eq!(page_ids.len(), pages.len());
            for id in page_ids {
                let page = doc.get_dictionary(id).unwrap();
                let media_box: Vec<i64> = page
                    .get(b"MediaBox")
                    .unwrap()
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o.as_i64().unwrap())
                    .collect();
                assert_eq!(media_box, [0, 0, 612, 792]);
                let content = doc.get_page_content(id);
                assert_eq!(content.trim_ascii_end(), b"q 612 0 0 792 0 0 cm /Im0 Do Q");
                let images = doc.get_page_images(id).unwrap();
                assert_eq!(images.len(), 1);
                assert_eq!(
                    images[0].filters.as_deref(),
                    Some(&[filter.to_string()][..])
                );
            }
        }
    }
}
