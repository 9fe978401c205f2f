//! Stage 7, pdf: write one searchable PDF per document.
//!
//! Image pages become new pages showing the original image (JPEG and CCITT G4 bytes embedded
//! as they are); pages of source PDFs are copied object by object, their content untouched.
//! Over each recognised page goes an invisible text layer (rendering mode 3) in the manner of
//! Tesseract's own PDF renderer: a glyphless font whose every glyph is 500 units wide, each word
//! stretched with `Tz` to span its box and placed at its line's baseline, so that text
//! extraction reads clean lines and a viewer's selection highlights the right word.

use std::collections::BTreeMap;
use std::io::Write;

use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, Stream, StringFormat};

use crate::load::{EncodedImage, PageOrigin, PdfCodec, PdfColor};
use crate::ocr::{PageText, RecognizedPage};
use crate::prepare::mul;

/// Tesseract's glyphless font (Apache-2.0): one empty glyph, used for invisible text.
const GLYPHLESS_TTF: &[u8] = include_bytes!("../assets/glyphless.ttf");
/// Resource name of the text-layer font.
const FONT_NAME: &str = "CasefileOCR";

/// Document information written into the PDF.
#[derive(Debug, Clone, Default)]
pub struct PdfMeta {
    pub title: String,
    pub subject: String,
    pub keywords: String,
    /// PDF date string, e.g. `D:20261124090000Z`.
    pub creation_date: String,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot build the PDF: {0}")]
pub struct PdfError(String);

/// Build the PDF for a document's pages, in memory. `bookmarks` are (page index, title).
pub fn build(meta: &PdfMeta, pages: &[&RecognizedPage], bookmarks: &[(usize, String)]) -> Result<Vec<u8>, PdfError> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = add_glyphless_font(&mut doc);
    let mut kids = Vec::new();
    let mut copier = Copier::default();

    for page in pages {
        // The text layer: recognised pixels -> source image pixels -> the image's unit square.
        let text = page.text.as_ref().map(|t| {
            let (sw, sh) = page.prepared.source_size;
            let (sw, sh) = if sw == 0 { (t.width, t.height) } else { (sw, sh) };
            Layer { text: t, deskew: page.prepared.deskew, to_unit: mul(page.prepared.turn, [1.0 / sw as f32, 0.0, 0.0, 1.0 / sh as f32, 0.0, 0.0]) }
        });
        let rotation = page.prepared.rotation as i64;
        let page_id = match &page.source().origin {
            PageOrigin::Image(img) => image_page(&mut doc, pages_id, font_id, img, text, rotation),
            PageOrigin::Pdf { doc: src, page_id, image_matrix } => {
                copier.copy_page(&mut doc, src, *page_id, pages_id, font_id, *image_matrix, text, rotation)?
            }
        };
        kids.push(Object::Reference(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids.clone(), "Count" => count }));
    for (index, title) in bookmarks {
        if let Some(Object::Reference(page_id)) = kids.get(*index) {
            doc.add_bookmark(lopdf::Bookmark::new(title.clone(), [0.0, 0.0, 0.0], 0, *page_id), None);
        }
    }
    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    if let Some(outline) = doc.build_outline() {
        catalog.set("Outlines", outline);
        catalog.set("PageMode", "UseOutlines");
    }
    let catalog_id = doc.add_object(catalog);
    doc.trailer.set("Root", catalog_id);
    let info_id = doc.add_object(dictionary! {
        "Title" => text_string(&meta.title),
        "Subject" => text_string(&meta.subject),
        "Keywords" => text_string(&meta.keywords),
        "Producer" => text_string(&format!("{} {}", crate::TOOL_NAME, crate::TOOL_VERSION)),
        "Creator" => text_string(crate::TOOL_NAME),
        "CreationDate" => Object::string_literal(meta.creation_date.as_bytes().to_vec()),
    });
    doc.trailer.set("Info", info_id);

    // A classic cross-reference table: every reader takes it without complaint.
    doc.reference_table.cross_reference_type = lopdf::xref::XrefType::CrossReferenceTable;
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| PdfError(e.to_string()))?;
    Ok(out)
}

/// A PDF text string: ASCII as a literal, anything else as UTF-16BE with a byte-order mark.
fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        for unit in s.encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

fn flate_stream(dict: Dictionary, data: &[u8]) -> Stream {
    let mut dict = dict;
    dict.set("Filter", "FlateDecode");
    Stream::new(dict, deflate(data)).with_compression(false)
}

/// The glyphless Type0 font: Identity-H, every CID drawn with glyph 1 of width 500, and an
/// identity ToUnicode map, so any character can be written and extracted.
fn add_glyphless_font(doc: &mut Document) -> ObjectId {
    let font_file = doc.add_object(flate_stream(dictionary! { "Length1" => GLYPHLESS_TTF.len() as i64 }, GLYPHLESS_TTF));
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => "GlyphLessFont",
        "Flags" => 5,
        "FontBBox" => vec![0.into(), 0.into(), 500.into(), 1000.into()],
        "ItalicAngle" => 0,
        "Ascent" => 1000,
        "Descent" => 0,
        "CapHeight" => 1000,
        "StemV" => 80,
        "FontFile2" => font_file,
    });
    let gid_map: Vec<u8> = (0..65536u32).flat_map(|_| [0u8, 1u8]).collect();
    let cid_to_gid = doc.add_object(flate_stream(Dictionary::new(), &gid_map));
    let cid_font = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType2",
        "BaseFont" => "GlyphLessFont",
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor,
        "DW" => 500,
        "CIDToGIDMap" => cid_to_gid,
    });
    let to_unicode = doc.add_object(flate_stream(Dictionary::new(), TO_UNICODE.as_bytes()));
    doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => "GlyphLessFont",
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![Object::Reference(cid_font)],
        "ToUnicode" => to_unicode,
    })
}

const TO_UNICODE: &str = "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
/CMapName /Adobe-Identify-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\n\
endcodespacerange\n1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange\nendcmap\n\
CMapName currentdict /CMap defineresource pop\nend\nend\n";

fn fmt(v: f32) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// A page's recognised text and how it maps onto the page's image.
struct Layer<'a> {
    text: &'a PageText,
    /// Recognised pixels -> upright pixels (word anchors only; words stay horizontal).
    deskew: [f32; 6],
    /// Upright pixels -> the source image's unit square.
    to_unit: [f32; 6],
}

/// The invisible text of a page, in the upright image's pixel space (origin bottom-left,
/// 1 unit = 1 pixel); `to_page` maps that space onto the page.
fn text_layer(layer: &Layer, to_page: [f32; 6]) -> Vec<u8> {
    let text = layer.text;
    let d = layer.deskew;
    let mut s = String::new();
    s.push_str(&format!(
        "q {} cm BT 3 Tr\n",
        to_page.iter().map(|v| fmt(*v)).collect::<Vec<_>>().join(" ")
    ));
    let h = text.height as f32;
    // A line's font size is its height above the baseline, within sane bounds.
    let max_size = (text.height as f32 / 8.0).max(8.0);
    for line in &text.lines {
        let size = (line.baseline - line.top).clamp(4.0, max_size);
        let y = h - line.baseline;
        for (i, word) in line.words.iter().enumerate() {
            // Span from this word's start to the next word's start, so that the trailing space
            // fills the gap; the last word spans its own box.
            let next = line.words.get(i + 1);
            let mut shown: Vec<u16> = word.text.encode_utf16().filter(|u| !(0xD800..0xE000).contains(u)).collect();
            let span = match next {
                Some(n) if n.x0 > word.x0 => {
                    shown.push(b' ' as u16);
                    (n.x0 - word.x0) as f32
                }
                _ => word.x1.saturating_sub(word.x0).max(1) as f32,
            };
            if shown.is_empty() {
                continue;
            }
            let natural = shown.len() as f32 * 0.5 * size;
            let tz = (100.0 * span / natural).clamp(1.0, 10_000.0);
            let hexstr: String = shown.iter().map(|u| format!("{u:04X}")).collect();
            let (x0, y0) = (word.x0 as f32, y);
            let (x, y) = (d[0] * x0 + d[2] * y0 + d[4], d[1] * x0 + d[3] * y0 + d[5]);
            s.push_str(&format!(
                "/{FONT_NAME} {} Tf {} Tz 1 0 0 1 {} {} Tm <{hexstr}> Tj\n",
                fmt(size),
                fmt(tz),
                fmt(x),
                fmt(y)
            ));
        }
    }
    s.push_str("ET Q\n");
    s.into_bytes()
}

fn image_xobject(img: &EncodedImage) -> Stream {
    let mut dict = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Image",
        "Width" => img.width as i64,
        "Height" => img.height as i64,
        "ColorSpace" => match img.color { PdfColor::Gray => "DeviceGray", PdfColor::Rgb => "DeviceRGB" },
        "BitsPerComponent" => img.bits_per_component as i64,
    };
    match img.codec {
        PdfCodec::Dct => dict.set("Filter", "DCTDecode"),
        PdfCodec::Flate => dict.set("Filter", "FlateDecode"),
        PdfCodec::FlatePng => {
            dict.set("Filter", "FlateDecode");
            dict.set("DecodeParms", dictionary! {
                "Predictor" => 15,
                "Colors" => match img.color { PdfColor::Gray => 1, PdfColor::Rgb => 3 },
                "BitsPerComponent" => 8,
                "Columns" => img.width as i64,
            });
        }
        PdfCodec::CcittG4 => {
            dict.set("Filter", "CCITTFaxDecode");
            dict.set("DecodeParms", dictionary! {
                "K" => -1,
                "Columns" => img.width as i64,
                "Rows" => img.height as i64,
                "BlackIs1" => false,
            });
        }
    }
    if img.invert {
        dict.set("Decode", vec![1.into(), 0.into()]);
    }
    Stream::new(dict, img.data.clone()).with_compression(false)
}

/// A new page showing an image at its resolution, with its text layer, turned upright by
/// `/Rotate` (the image itself is never re-encoded).
fn image_page(
    doc: &mut Document,
    parent: ObjectId,
    font_id: ObjectId,
    img: &EncodedImage,
    text: Option<Layer>,
    rotation: i64,
) -> ObjectId {
    let w_pt = img.width as f32 * 72.0 / img.dpi.0;
    let h_pt = img.height as f32 * 72.0 / img.dpi.1;
    let image_id = doc.add_object(image_xobject(img));
    let mut content = format!("q {} 0 0 {} 0 0 cm /Im0 Do Q\n", fmt(w_pt), fmt(h_pt)).into_bytes();
    if let Some(layer) = text {
        content.extend(text_layer(&layer, mul(layer.to_unit, [w_pt, 0.0, 0.0, h_pt, 0.0, 0.0])));
    }
    let content_id = doc.add_object(flate_stream(Dictionary::new(), &content));
    let mut page = dictionary! {
        "Type" => "Page",
        "Parent" => parent,
        "MediaBox" => vec![0.into(), 0.into(), Object::Real(w_pt), Object::Real(h_pt)],
        "Resources" => dictionary! {
            "XObject" => dictionary! { "Im0" => image_id },
            "Font" => dictionary! { FONT_NAME => font_id },
        },
        "Contents" => content_id,
    };
    if rotation != 0 {
        page.set("Rotate", rotation);
    }
    doc.add_object(page)
}

/// Copies pages of source PDFs into the document being built, object by object.
#[derive(Default)]
struct Copier {
    /// (source document address, source id) -> id in the new document.
    map: BTreeMap<(usize, ObjectId), ObjectId>,
}

/// Page attributes that may be inherited from the page tree.
const INHERITED: &[&[u8]] = &[b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

impl Copier {
    #[allow(clippy::too_many_arguments)]
    fn copy_page(
        &mut self,
        doc: &mut Document,
        src: &Document,
        page_id: ObjectId,
        parent: ObjectId,
        font_id: ObjectId,
        image_matrix: Option<[f32; 6]>,
        text: Option<Layer>,
        rotation: i64,
    ) -> Result<ObjectId, PdfError> {
        let key = src as *const Document as usize;
        let src_page = src.get_dictionary(page_id).map_err(|e| PdfError(format!("page object: {e}")))?;
        let new_page_id = doc.new_object_id();
        self.map.insert((key, page_id), new_page_id);

        let mut page = Dictionary::new();
        for (k, v) in src_page.iter() {
            if matches!(k.as_slice(), b"Parent" | b"Contents" | b"Annots" | b"B" | b"StructParents" | b"Thumb") {
                continue;
            }
            page.set(k.clone(), self.copy(doc, src, key, v, 0));
        }
        // Attributes inherited from the page tree become the page's own.
        for attr in INHERITED {
            if page.has(attr) {
                continue;
            }
            if let Some(v) = inherited(src, page_id, attr) {
                let v = self.copy(doc, src, key, &v, 0);
                page.set(attr.to_vec(), v);
            }
        }
        if !page.has(b"MediaBox") {
            page.set("MediaBox", vec![0.into(), 0.into(), 612.into(), 792.into()]);
        }
        // Annotations that belong to this page only (form fields keep their look).
        if let Ok(annots) = src_page.get(b"Annots") {
            let annots = self.copy(doc, src, key, annots, 0);
            page.set("Annots", annots);
        }

        // Contents: the original streams wrapped in q/Q, then the text layer.
        let mut contents = vec![Object::Reference(doc.add_object(Stream::new(Dictionary::new(), b"q\n".to_vec())))];
        for id in src.get_page_contents(page_id) {
            contents.push(self.copy(doc, src, key, &Object::Reference(id), 0));
        }
        let mut tail = b"\nQ\n".to_vec();
        if let (Some(layer), Some(m)) = (text, image_matrix) {
            // Pixel space -> the image's unit square -> the page.
            tail.extend(text_layer(&layer, mul(layer.to_unit, m)));
        }
        contents.push(Object::Reference(doc.add_object(flate_stream(Dictionary::new(), &tail))));
        page.set("Contents", contents);
        page.set("Parent", parent);
        page.set("Type", "Page");
        if rotation != 0 {
            let existing = page.get(b"Rotate").and_then(Object::as_i64).unwrap_or(0);
            page.set("Rotate", (existing + rotation).rem_euclid(360));
        }

        // Add the text-layer font to the page's own copy of its resources.
        let mut resources = match page.get(b"Resources") {
            Ok(Object::Dictionary(d)) => d.clone(),
            Ok(Object::Reference(id)) => doc.get_dictionary(*id).cloned().unwrap_or_default(),
            _ => Dictionary::new(),
        };
        let mut fonts = match resources.get(b"Font") {
            Ok(Object::Dictionary(d)) => d.clone(),
            Ok(Object::Reference(id)) => doc.get_dictionary(*id).cloned().unwrap_or_default(),
            _ => Dictionary::new(),
        };
        fonts.set(FONT_NAME, font_id);
        resources.set("Font", fonts);
        page.set("Resources", resources);

        doc.objects.insert(new_page_id, Object::Dictionary(page));
        Ok(new_page_id)
    }

    /// Deep-copy an object into `doc`, following references once each. References to other
    /// pages (links, destinations) become null: the page they point to may not be copied.
    fn copy(&mut self, doc: &mut Document, src: &Document, key: usize, obj: &Object, depth: u32) -> Object {
        if depth > 64 {
            return Object::Null;
        }
        match obj {
            Object::Reference(id) => {
                if let Some(new) = self.map.get(&(key, *id)) {
                    return Object::Reference(*new);
                }
                let Ok(target) = src.get_object(*id) else { return Object::Null };
                let is_page = target.as_dict().ok().and_then(|d| d.get(b"Type").ok()).and_then(|t| t.as_name().ok()) == Some(b"Page");
                if is_page {
                    return Object::Null;
                }
                let new_id = doc.new_object_id();
                self.map.insert((key, *id), new_id);
                let copied = self.copy(doc, src, key, target, depth + 1);
                doc.objects.insert(new_id, copied);
                Object::Reference(new_id)
            }
            Object::Array(a) => Object::Array(a.iter().map(|o| self.copy(doc, src, key, o, depth + 1)).collect()),
            Object::Dictionary(d) => Object::Dictionary(self.copy_dict(doc, src, key, d, depth)),
            Object::Stream(s) => {
                let dict = self.copy_dict(doc, src, key, &s.dict, depth);
                Object::Stream(Stream::new(dict, s.content.clone()).with_compression(false))
            }
            other => other.clone(),
        }
    }

    fn copy_dict(&mut self, doc: &mut Document, src: &Document, key: usize, d: &Dictionary, depth: u32) -> Dictionary {
        let mut out = Dictionary::new();
        for (k, v) in d.iter() {
            // An annotation's /P points back at its page; the page tree is not copied.
            if k.as_slice() == b"P" || (k.as_slice() == b"Parent" && is_page_tree(src, v)) {
                continue;
            }
            out.set(k.clone(), self.copy(doc, src, key, v, depth + 1));
        }
        out
    }
}

fn is_page_tree(src: &Document, v: &Object) -> bool {
    let Ok(id) = v.as_reference() else { return false };
    matches!(
        src.get_dictionary(id).ok().and_then(|d| d.get(b"Type").ok()).and_then(|t| t.as_name().ok()),
        Some(b"Pages") | Some(b"Page")
    )
}

fn inherited(src: &Document, page_id: ObjectId, attr: &[u8]) -> Option<Object> {
    let mut id = src.get_dictionary(page_id).ok()?.get(b"Parent").and_then(Object::as_reference).ok();
    for _ in 0..32 {
        let dict = src.get_dictionary(id?).ok()?;
        if let Ok(v) = dict.get(attr) {
            return Some(v.clone());
        }
        id = dict.get(b"Parent").and_then(Object::as_reference).ok();
    }
    None
}
