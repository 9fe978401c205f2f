//! A page being composed: printed items (a [`Layout`]), hand marks, the
//! words in reading order and the key values printed on it, with helpers for
//! the parts forms are made of (headers, field boxes, tables, check boxes,
//! signature lines, wrapped text).

use std::collections::BTreeMap;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::forms::Key;
use super::hand::{self, HandFonts, HandStyle, Mark};
use super::people::Writing;
use crate::layout::{Ink, Item, Layout, PAGE_HEIGHT, PAGE_WIDTH};
use crate::render::{FontId, Fonts};

/// A composed page, ready to rasterize.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// Printed and typed items.
    pub layout: Layout,
    /// Hand-printed text, signatures, check marks (drawn over the layout).
    pub marks: Vec<Mark>,
    /// Every token on the page in reading order (hand-printed ones included).
    pub words: Vec<String>,
    /// Key values of the document's subject printed on this page.
    pub fields: BTreeMap<String, String>,
}

impl Sheet {
    /// A sheet with nothing on it.
    pub fn empty() -> Self {
        Sheet {
            layout: Layout { items: Vec::new() },
            marks: Vec::new(),
            words: Vec::new(),
            fields: BTreeMap::new(),
        }
    }
}

/// Fonts, sizes and proportions of one document.
#[derive(Debug, Clone, Copy)]
pub struct Typeface {
    pub title: FontId,
    pub title_size: f32,
    pub heading: FontId,
    pub label: FontId,
    pub label_size: f32,
    /// Font of typed values (a typewriter face or the form's own sans).
    pub value: FontId,
    pub value_size: f32,
    pub body: FontId,
    pub body_size: f32,
    pub margin: f32,
    /// Height of a field box.
    pub box_h: f32,
}

impl Typeface {
    /// A random typeface (Liberation or DejaVu families, varied sizes).
    pub fn random(rng: &mut ChaCha8Rng) -> Self {
        let (title, heading, label, body) = match rng.random_range(0..3) {
            0 => (
                FontId::SerifBold,
                FontId::SansBold,
                FontId::Sans,
                FontId::Serif,
            ),
            1 => (
                FontId::DejaVuSansBold,
                FontId::DejaVuSansBold,
                FontId::DejaVuSans,
                FontId::DejaVuSerif,
            ),
            _ => (
                FontId::SansBold,
                FontId::SansBold,
                FontId::Sans,
                FontId::Sans,
            ),
        };
        let value = match rng.random_range(0..4) {
            0 => FontId::Mono,
            1 => FontId::DejaVuMono,
            2 => FontId::Sans,
            _ => FontId::DejaVuSans,
        };
        Typeface {
            title,
            title_size: rng.random_range(17.0..22.0f32).round(),
            heading,
            label,
            label_size: [7.5, 8.0, 8.5, 9.0][rng.random_range(0..4)],
            value,
            value_size: rng.random_range(10.5..12.5f32).round(),
            body,
            body_size: [8.5, 9.0, 9.5, 10.0][rng.random_range(0..4)],
            margin: rng.random_range(36.0..54.0f32).round(),
            box_h: rng.random_range(30.0..36.0f32).round(),
        }
    }
}

/// Who writes the values on a document and how.
#[derive(Debug, Clone, Copy)]
pub struct Filler {
    pub writing: Writing,
    /// The writer's hand when values are hand-printed.
    pub hand: Option<HandStyle>,
}

impl Filler {
    /// Typed values.
    pub const TYPED: Filler = Filler {
        writing: Writing::TYPED,
        hand: None,
    };
}

/// A page under construction. `y` is the top of the next part, in points.
pub struct Canvas<'a> {
    pub fonts: &'a Fonts,
    hand_fonts: &'a HandFonts,
    pub tf: Typeface,
    pub filler: Filler,
    items: Vec<Item>,
    marks: Vec<Mark>,
    words: Vec<String>,
    fields: BTreeMap<String, String>,
    pub y: f32,
    /// Lowest y content may reach (above the footer).
    pub bottom: f32,
    pub left: f32,
    pub right: f32,
    pub rng: ChaCha8Rng,
}

impl<'a> Canvas<'a> {
    pub fn new(
        fonts: &'a Fonts,
        hand_fonts: &'a HandFonts,
        tf: Typeface,
        filler: Filler,
        rng: ChaCha8Rng,
    ) -> Self {
        Canvas {
            fonts,
            hand_fonts,
            tf,
            filler,
            items: Vec::new(),
            marks: Vec::new(),
            words: Vec::new(),
            fields: BTreeMap::new(),
            y: 40.0,
            bottom: PAGE_HEIGHT - 64.0,
            left: tf.margin,
            right: PAGE_WIDTH - tf.margin,
            rng,
        }
    }

    /// Content width between the margins.
    pub fn width(&self) -> f32 {
        self.right - self.left
    }

    /// Whether `h` more points fit above the footer.
    pub fn fits(&self, h: f32) -> bool {
        self.y + h <= self.bottom
    }

    /// Record a key value printed on this page.
    pub fn record(&mut self, key: Key, truth: &str) {
        self.fields.insert(key.key().to_string(), truth.to_string());
    }

    /// Printed text at a baseline; its tokens become words.
    pub fn text(&mut self, x: f32, baseline: f32, font: FontId, size: f32, ink: Ink, s: &str) {
        if s.trim().is_empty() {
            return;
        }
        self.words.extend(s.split_whitespace().map(str::to_string));
        self.items.push(Item::Text {
            x,
            baseline,
            font,
            size,
            ink,
            text: s.to_string(),
        });
    }

    pub fn measure(&self, font: FontId, size: f32, s: &str) -> f32 {
        self.fonts.measure(font, size, s)
    }

    pub fn text_right(&mut self, right: f32, baseline: f32, font: FontId, size: f32, s: &str) {
        let w = self.measure(font, size, s);
        self.text(right - w, baseline, font, size, Ink::Print, s);
    }

    pub fn text_center(&mut self, baseline: f32, font: FontId, size: f32, s: &str) {
        let w = self.measure(font, size, s);
        let x = (self.left + self.right - w) / 2.0;
        self.text(x, baseline, font, size, Ink::Print, s);
    }

    pub fn fill(&mut self, x: f32, y: f32, w: f32, h: f32, ink: Ink) {
        self.items.push(Item::Fill { x, y, w, h, ink });
    }

    pub fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, stroke: f32) {
        self.items.push(Item::Frame { x, y, w, h, stroke });
    }

    /// Horizontal rule across the content width.
    pub fn rule(&mut self, y: f32, thickness: f32) {
        let (x, w) = (self.left, self.width());
        self.fill(x, y, w, thickness, Ink::Print);
    }

    /// Greedy word wrap.
    pub fn wrap(&self, font: FontId, size: f32, text: &str, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && self.measure(font, size, &candidate) > width {
                lines.push(std::mem::replace(&mut line, word.to_string()));
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// A wrapped paragraph in the body font; stops at the bottom. Returns
    /// whether all of it fitted.
    pub fn paragraph(&mut self, text: &str) -> bool {
        let (font, size) = (self.tf.body, self.tf.body_size);
        self.paragraph_in(font, size, text)
    }

    pub fn paragraph_in(&mut self, font: FontId, size: f32, text: &str) -> bool {
        let leading = size * 1.3;
        for line in self.wrap(font, size, text, self.width()) {
            if !self.fits(leading) {
                return false;
            }
            self.y += leading;
            let (x, y) = (self.left, self.y);
            self.text(x, y, font, size, Ink::Print, &line);
        }
        self.y += size * 0.5;
        true
    }

    /// A shaded section heading band.
    pub fn section(&mut self, heading: &str) -> bool {
        if !self.fits(20.0 + self.tf.box_h) {
            return false;
        }
        self.y += 6.0;
        let (x, y, w) = (self.left, self.y, self.width());
        self.fill(x, y, w, 17.0, Ink::Shade);
        let (font, size) = (self.tf.heading, self.tf.label_size + 1.5);
        self.text(x + 5.0, y + 12.5, font, size, Ink::Print, heading);
        self.y += 17.0;
        true
    }

    /// Write a value: hand-printed by the filler's writer, or typed.
    pub fn value(&mut self, x: f32, baseline: f32, max_w: f32, s: &str) {
        match self.filler.hand {
            Some(style) => self.hand_text(&style, x, baseline, max_w, s),
            None => self.typed(x, baseline, max_w, s),
        }
    }

    /// Typed value (shrinks to fit `max_w`).
    pub fn typed(&mut self, x: f32, baseline: f32, max_w: f32, s: &str) {
        let (font, mut size) = (self.tf.value, self.tf.value_size);
        while size > 6.5 && self.measure(font, size, s) > max_w {
            size -= 0.5;
        }
        self.text(x, baseline, font, size, Ink::Typed, s);
    }

    /// Hand-printed value in `style`.
    pub fn hand_text(&mut self, style: &HandStyle, x: f32, baseline: f32, max_w: f32, s: &str) {
        if s.trim().is_empty() {
            return;
        }
        let (mark, _) =
            hand::set_text(self.hand_fonts, style, s, x, baseline, max_w, &mut self.rng);
        self.marks.push(mark);
        self.words.extend(s.split_whitespace().map(str::to_string));
    }

    /// A labelled box at `(x, y)`; the value sits near its bottom.
    pub fn field(&mut self, x: f32, y: f32, w: f32, h: f32, label: &str, value: Option<&str>) {
        self.frame(x, y, w, h, 0.7);
        let (font, size) = (self.tf.label, self.tf.label_size);
        let mut label_size = size;
        while label_size > 6.0 && self.measure(font, label_size, label) > w - 8.0 {
            label_size -= 0.5;
        }
        self.text(x + 4.0, y + size + 2.5, font, label_size, Ink::Print, label);
        if let Some(v) = value {
            let dx = self.rng.random_range(6.0..14.0);
            let base = y + h - self.rng.random_range(5.0..8.0);
            self.value(x + dx, base, w - dx - 4.0, v);
        }
    }

    /// A row of labelled boxes sharing the width (weights give relative widths).
    /// Returns false (drawing nothing) if it does not fit.
    pub fn row(&mut self, cells: &[(f32, String, Option<String>)]) -> bool {
        let h = self.tf.box_h;
        if cells.is_empty() || !self.fits(h) {
            return false;
        }
        let total: f32 = cells.iter().map(|c| c.0).sum();
        let mut x = self.left;
        let y = self.y;
        for (weight, label, value) in cells {
            let w = self.width() * weight / total;
            self.field(x, y, w, h, label, value.as_deref());
            x += w;
        }
        self.y += h;
        true
    }

    /// A check box at `(x, y)` (top-left), side 8 pt, checked by the filler.
    pub fn checkbox(&mut self, x: f32, y: f32, checked: bool) {
        self.frame(x, y, 8.0, 8.0, 0.7);
        if checked {
            match self.filler.hand {
                Some(style) => {
                    let marks = hand::cross(x - 1.0, y - 1.0, 10.0, style.ink, &mut self.rng);
                    self.marks.extend(marks);
                }
                None => self.fill(x + 2.0, y + 2.0, 4.0, 4.0, Ink::Typed),
            }
        }
    }

    /// A question with Yes and No check boxes (one checked).
    pub fn question(&mut self, number: usize, q: &str, yes: bool) -> bool {
        let (font, size) = (self.tf.label, self.tf.label_size + 0.5);
        let text = format!("{number}. {q}");
        let boxes_w = 80.0;
        let lines = self.wrap(font, size, &text, self.width() - boxes_w);
        let h = lines.len() as f32 * size * 1.3 + 8.0;
        if !self.fits(h) {
            return false;
        }
        let first_base = self.y + size * 1.3 + 4.0;
        for (i, line) in lines.iter().enumerate() {
            let (x, b) = (self.left, first_base + i as f32 * size * 1.3);
            self.text(x, b, font, size, Ink::Print, line);
        }
        let mut x = self.right - boxes_w + 6.0;
        for (word, checked) in [("Yes", yes), ("No", !yes)] {
            self.checkbox(x, first_base - 7.5, checked);
            self.text(x + 11.0, first_base, font, size, Ink::Print, word);
            x += 38.0;
        }
        self.y += h;
        true
    }

    /// A signature box with a scribble and a date box.
    pub fn signature_row(&mut self, label: &str, date: &str, ink: [u8; 3]) -> bool {
        let h = self.tf.box_h + 6.0;
        if !self.fits(h) {
            return false;
        }
        let (x, y, w) = (self.left, self.y, self.width());
        self.field(x, y, w * 0.68, h, label, None);
        let sig = hand::signature(
            x + 20.0,
            y + 14.0,
            self.rng.random_range(90.0..170.0),
            h - 17.0,
            ink,
            &mut self.rng,
        );
        self.marks.push(sig);
        self.field(
            x + w * 0.68,
            y,
            w * 0.32,
            h,
            "Date signed (mm/dd/yyyy)",
            Some(date),
        );
        self.y += h;
        true
    }

    /// A table: shaded header row, then rows of values (`None` = empty cell).
    pub fn table(&mut self, headers: &[(&str, f32)], rows: &[Vec<Option<String>>]) -> bool {
        let (font, size) = (self.tf.label, self.tf.label_size);
        let head_h = size * 2.6;
        let row_h = (self.tf.box_h * 0.8).max(24.0);
        if !self.fits(head_h + row_h * rows.len().min(2) as f32) {
            return false;
        }
        let total: f32 = headers.iter().map(|h| h.1).sum();
        let widths: Vec<f32> = headers.iter().map(|h| self.width() * h.1 / total).collect();
        let (x0, y0) = (self.left, self.y);
        let w = self.width();
        self.fill(x0, y0, w, head_h, Ink::Shade);
        let mut x = x0;
        for ((label, _), cw) in headers.iter().zip(&widths) {
            self.frame(x, y0, *cw, head_h, 0.6);
            let lines = self.wrap(font, size, label, cw - 6.0);
            for (i, line) in lines.iter().take(2).enumerate() {
                self.text(
                    x + 3.0,
                    y0 + size + 2.0 + i as f32 * size * 1.15,
                    font,
                    size,
                    Ink::Print,
                    line,
                );
            }
            x += cw;
        }
        self.y += head_h;
        for row in rows {
            if !self.fits(row_h) {
                break;
            }
            let mut x = x0;
            let y = self.y;
            for (cell, cw) in row.iter().zip(&widths) {
                self.frame(x, y, *cw, row_h, 0.6);
                if let Some(v) = cell {
                    self.value(x + 4.0, y + row_h - 6.0, cw - 7.0, v);
                }
                x += cw;
            }
            self.y += row_h;
        }
        true
    }

    /// Finish the page.
    pub fn finish(self) -> Sheet {
        Sheet {
            layout: Layout { items: self.items },
            marks: self.marks,
            words: self.words,
            fields: self.fields,
        }
    }

    /// Add a mark drawn by hand.
    pub fn mark(&mut self, mark: Mark) {
        self.marks.push(mark);
    }
}
