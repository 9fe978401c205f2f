//! Rasterizing a [`Layout`] into a clean RGB page at a given resolution,
//! with TrueType fonts from the system (fonts-liberation, fonts-dejavu-core).

use std::path::{Path, PathBuf};

use ab_glyph::{point, Font, FontVec, GlyphId, PxScale, ScaleFont};
use anyhow::{bail, Context, Result};
use image::{Rgb, RgbImage};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::layout::{Ink, Item, Layout, PAGE_HEIGHT, PAGE_WIDTH};

/// The typefaces the layout can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FontId {
    Serif,
    SerifBold,
    Sans,
    SansBold,
    Mono,
    DejaVuSerif,
    DejaVuSans,
    DejaVuSansBold,
    DejaVuMono,
}

impl FontId {
    const ALL: [FontId; 9] = [
        FontId::Serif,
        FontId::SerifBold,
        FontId::Sans,
        FontId::SansBold,
        FontId::Mono,
        FontId::DejaVuSerif,
        FontId::DejaVuSans,
        FontId::DejaVuSansBold,
        FontId::DejaVuMono,
    ];

    fn file_name(self) -> &'static str {
        match self {
            FontId::Serif => "LiberationSerif-Regular.ttf",
            FontId::SerifBold => "LiberationSerif-Bold.ttf",
            FontId::Sans => "LiberationSans-Regular.ttf",
            FontId::SansBold => "LiberationSans-Bold.ttf",
            FontId::Mono => "LiberationMono-Regular.ttf",
            FontId::DejaVuSerif => "DejaVuSerif.ttf",
            FontId::DejaVuSans => "DejaVuSans.ttf",
            FontId::DejaVuSansBold => "DejaVuSans-Bold.ttf",
            FontId::DejaVuMono => "DejaVuSansMono.ttf",
        }
    }
}

/// Directories searched for font files, after `$FIXTUREGEN_FONT_DIR`.
const FONT_DIRS: &[&str] = &[
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/dejavu",
];

/// Loaded font faces, indexed by [`FontId`].
pub struct Fonts {
    faces: Vec<FontVec>,
}

impl Fonts {
    /// Load every [`FontId`] from `$FIXTUREGEN_FONT_DIR` or the system font directories.
    pub fn load() -> Result<Self> {
        let mut dirs: Vec<PathBuf> = std::env::var_os("FIXTUREGEN_FONT_DIR")
            .map(PathBuf::from)
            .into_iter()
            .collect();
        dirs.extend(FONT_DIRS.iter().map(PathBuf::from));
        let faces = FontId::ALL
            .iter()
            .map(|id| {
                let path = find_font(&dirs, id.file_name())?;
                let bytes = std::fs::read(&path)
                    .with_context(|| format!("reading font {}", path.display()))?;
                FontVec::try_from_vec(bytes)
                    .with_context(|| format!("parsing font {}", path.display()))
            })
            .collect::<Result<_>>()?;
        Ok(Fonts { faces })
    }

    fn face(&self, id: FontId) -> &FontVec {
        &self.faces[id as usize]
    }

    /// Advance width of `text` in points at `size` points.
    pub fn measure(&self, id: FontId, size: f32, text: &str) -> f32 {
        let font = self.face(id);
        let scaled = font.as_scaled(em_scale(font, size));
        let mut width = 0.0;
        let mut prev: Option<GlyphId> = None;
        for ch in text.chars() {
            let gid = font.glyph_id(ch);
            if let Some(p) = prev {
                width += scaled.kern(p, gid);
            }
            width += scaled.h_advance(gid);
            prev = Some(gid);
        }
        width
    }
}

fn find_font(dirs: &[PathBuf], name: &str) -> Result<PathBuf> {
    for dir in dirs {
        let path = dir.join(name);
        if Path::new(&path).is_file() {
            return Ok(path);
        }
    }
    bail!(
        "font {name} not found in {:?}; install fonts-liberation and fonts-dejavu-core \
         (scripts/setup.sh) or set FIXTUREGEN_FONT_DIR",
        dirs
    )
}

/// ab_glyph's `PxScale` is the ascent-to-descent height; convert from an em size in pixels.
fn em_scale(font: &FontVec, em_px: f32) -> PxScale {
    let units_per_em = font.units_per_em().unwrap_or(1000.0);
    PxScale::from(em_px * font.height_unscaled() / units_per_em)
}

/// Paper and ink colours of one sheet.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub paper: [u8; 3],
    pub print: [u8; 3],
    pub typed: [u8; 3],
    pub shade: [u8; 3],
}

impl Palette {
    /// White to slightly yellowed paper, black print, blue-black typing.
    pub fn random(rng: &mut ChaCha8Rng) -> Self {
        let warm = rng.random_range(0..=8u8);
        Palette {
            paper: [253 - warm / 2, 252 - warm / 2, 250 - warm],
            print: [18, 18, 20],
            typed: [22, 24, 38],
            shade: [226, 230, 238],
        }
    }

    fn ink(&self, ink: Ink) -> [u8; 3] {
        match ink {
            Ink::Print => self.print,
            Ink::Typed => self.typed,
            Ink::Shade => self.shade,
        }
    }
}

/// Page size in pixels for a letter page at `dpi`.
pub fn page_pixels(dpi: u32) -> (u32, u32) {
    let px = |pt: f32| (pt * dpi as f32 / 72.0).round() as u32;
    (px(PAGE_WIDTH), px(PAGE_HEIGHT))
}

/// Draw `layout` at `dpi` onto a fresh sheet of `palette.paper`.
pub fn rasterize(layout: &Layout, fonts: &Fonts, dpi: u32, palette: &Palette) -> RgbImage {
    let (w, h) = page_pixels(dpi);
    let mut img = RgbImage::from_pixel(w, h, Rgb(palette.paper));
    let k = dpi as f32 / 72.0;
    for item in &layout.items {
        match item {
            Item::Text {
                x,
                baseline,
                font,
                size,
                ink,
                text,
            } => {
                draw_text(
                    &mut img,
                    fonts.face(*font),
                    *size * k,
                    *x * k,
                    *baseline * k,
                    palette.ink(*ink),
                    text,
                );
            }
            Item::Fill { x, y, w, h, ink } => {
                fill(&mut img, *x * k, *y * k, *w * k, *h * k, palette.ink(*ink));
            }
            Item::Frame { x, y, w, h, stroke } => {
                let (x, y, w, h, s) = (*x * k, *y * k, *w * k, *h * k, (*stroke * k).max(1.0));
                let c = palette.print;
                fill(&mut img, x, y, w, s, c);
                fill(&mut img, x, y + h - s, w, s, c);
                fill(&mut img, x, y, s, h, c);
                fill(&mut img, x + w - s, y, s, h, c);
            }
        }
    }
    img
}

/// Fill a rectangle, snapping its edges to whole pixels (at least one pixel).
fn fill(img: &mut RgbImage, x: f32, y: f32, w: f32, h: f32, color: [u8; 3]) {
    let (x0, y0) = (x.round().max(0.0) as u32, y.round().max(0.0) as u32);
    let x1 = ((x + w).round() as u32).max(x0 + 1).min(img.width());
    let y1 = ((y + h).round() as u32).max(y0 + 1).min(img.height());
    for py in y0..y1 {
        for px in x0..x1 {
            img.put_pixel(px, py, Rgb(color));
        }
    }
}

/// Draw one line of text with anti-aliased coverage blending.
fn draw_text(
    img: &mut RgbImage,
    font: &FontVec,
    em_px: f32,
    x: f32,
    baseline: f32,
    color: [u8; 3],
    text: &str,
) {
    let scale = em_scale(font, em_px);
    let scaled = font.as_scaled(scale);
    let (w, h) = (img.width() as i32, img.height() as i32);
    let mut caret = x;
    let mut prev: Option<GlyphId> = None;
    for ch in text.chars() {
        let gid = font.glyph_id(ch);
        if let Some(p) = prev {
            caret += scaled.kern(p, gid);
        }
        let glyph = gid.with_scale_and_position(scale, point(caret, baseline));
        caret += scaled.h_advance(gid);
        prev = Some(gid);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let px = bounds.min.x as i32 + gx as i32;
            let py = bounds.min.y as i32 + gy as i32;
            if px < 0 || py < 0 || px >= w || py >= h {
                return;
            }
            let c = coverage.clamp(0.0, 1.0);
            let pixel = img.get_pixel_mut(px as u32, py as u32);
            for (dst, ink) in pixel.0.iter_mut().zip(color) {
                *dst = (*dst as f32 * (1.0 - c) + ink as f32 * c).round() as u8;
            }
        });
    }
}
