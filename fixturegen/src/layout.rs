//! Page layout: places a [`PageSpec`] on a US-letter page, in points
//! (1/72 inch, origin top-left, y down), independent of resolution.
//!
//! The items come out in reading order, so the ground-truth words are simply
//! the text items' tokens in order ([`Layout::words`]).

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::model::PageSpec;
use crate::render::{FontId, Fonts};

/// US letter, in points.
pub const PAGE_WIDTH: f32 = 612.0;
/// US letter, in points.
pub const PAGE_HEIGHT: f32 = 792.0;
const MARGIN: f32 = 54.0;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;

/// What colour an item is drawn in; the renderer maps these to a palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ink {
    /// Pre-printed form text and rules.
    Print,
    /// Values typed onto the form.
    Typed,
    /// Light background shading of section headings.
    Shade,
}

/// One drawing operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A single line of text starting at `x` with its baseline at `baseline`.
    Text {
        x: f32,
        baseline: f32,
        font: FontId,
        size: f32,
        ink: Ink,
        text: String,
    },
    /// A filled rectangle (rules, check marks, shading).
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        ink: Ink,
    },
    /// A rectangle outline with stroke width `stroke`.
    Frame {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        stroke: f32,
    },
}

/// A laid-out page.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub items: Vec<Item>,
}

impl Layout {
    /// Every whitespace-separated token drawn on the page, in reading order.
    pub fn words(&self) -> Vec<String> {
        self.items
            .iter()
            .filter_map(|item| match item {
                Item::Text { text, .. } => Some(text.split_whitespace().map(str::to_string)),
                _ => None,
            })
            .flatten()
            .collect()
    }
}

/// Fonts and sizes used on one page; varied per page for realism.
#[derive(Debug, Clone, Copy)]
struct Typeface {
    title: FontId,
    title_size: f32,
    heading: FontId,
    label: FontId,
    value: FontId,
    value_size: f32,
    body: FontId,
    body_size: f32,
}

impl Typeface {
    fn pick(rng: &mut ChaCha8Rng) -> Self {
        let (title, heading, label, body) = if rng.random_bool(0.5) {
            (
                FontId::SerifBold,
                FontId::SansBold,
                FontId::Sans,
                FontId::Serif,
            )
        } else {
            (
                FontId::DejaVuSansBold,
                FontId::DejaVuSansBold,
                FontId::DejaVuSans,
                FontId::DejaVuSerif,
            )
        };
        Typeface {
            title,
            title_size: rng.random_range(18..=22) as f32,
            heading,
            label,
            value: if rng.random_bool(0.5) {
                FontId::Mono
            } else {
                FontId::DejaVuMono
            },
            value_size: rng.random_range(11..=13) as f32,
            body,
            body_size: [10.5, 11.0, 11.5, 12.0][rng.random_range(0..4)],
        }
    }
}

struct Builder<'a> {
    fonts: &'a Fonts,
    items: Vec<Item>,
}

impl Builder<'_> {
    fn text(&mut self, x: f32, baseline: f32, font: FontId, size: f32, ink: Ink, text: &str) {
        self.items.push(Item::Text {
            x,
            baseline,
            font,
            size,
            ink,
            text: text.to_string(),
        });
    }

    fn text_right(&mut self, right: f32, baseline: f32, font: FontId, size: f32, text: &str) {
        let w = self.fonts.measure(font, size, text);
        self.text(right - w, baseline, font, size, Ink::Print, text);
    }

    fn text_centered(&mut self, baseline: f32, font: FontId, size: f32, text: &str) {
        let w = self.fonts.measure(font, size, text);
        self.text(
            (PAGE_WIDTH - w) / 2.0,
            baseline,
            font,
            size,
            Ink::Print,
            text,
        );
    }

    fn rule(&mut self, y: f32, thickness: f32) {
        self.items.push(Item::Fill {
            x: MARGIN,
            y,
            w: CONTENT_WIDTH,
            h: thickness,
            ink: Ink::Print,
        });
    }

    /// Greedy word wrap to `width` points.
    fn wrap(&self, font: FontId, size: f32, text: &str, width: f32) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && self.fonts.measure(font, size, &candidate) > width {
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
}

/// Lay out `spec` on a letter page; `rng` varies fonts and sizes.
pub fn layout(spec: &PageSpec, fonts: &Fonts, rng: &mut ChaCha8Rng) -> Layout {
    let tf = Typeface::pick(rng);
    let form = spec.form;
    let mut b = Builder {
        fonts,
        items: Vec::new(),
    };

    // Header: agency left, OMB number right, program and title centred.
    let mut y = 62.0;
    b.text(
        MARGIN,
        y,
        tf.label,
        11.0,
        Ink::Print,
        "U.S. Office of Personnel Management",
    );
    b.text_right(
        PAGE_WIDTH - MARGIN,
        y,
        tf.label,
        10.0,
        &format!("Form Approved: OMB No. {}", form.omb),
    );
    y += 30.0;
    b.text_centered(y, tf.body, 12.0, form.program);
    // Long titles shrink to fit the margins (not below 16 pt).
    let mut title_size = tf.title_size;
    while title_size > 16.0 && fonts.measure(tf.title, title_size, form.title) > CONTENT_WIDTH {
        title_size -= 1.0;
    }
    y += title_size + 10.0;
    b.text_centered(y, tf.title, title_size, form.title);
    y += 14.0;
    b.rule(y, 2.0);
    y += 12.0;

    // Section heading on a shaded band.
    b.items.push(Item::Fill {
        x: MARGIN,
        y,
        w: CONTENT_WIDTH,
        h: 20.0,
        ink: Ink::Shade,
    });
    b.text(
        MARGIN + 6.0,
        y + 14.5,
        tf.heading,
        11.0,
        Ink::Print,
        form.section,
    );
    y += 20.0;

    // Field boxes: wide fields take a row, narrow ones pair up.
    let box_h = tf.value_size + 30.0;
    let mut i = 0;
    while i < spec.fields.len() {
        let pair =
            !spec.fields[i].kind.wide() && spec.fields.get(i + 1).is_some_and(|f| !f.kind.wide());
        let row = if pair {
            &spec.fields[i..i + 2]
        } else {
            &spec.fields[i..i + 1]
        };
        let w = CONTENT_WIDTH / row.len() as f32;
        for (k, field) in row.iter().enumerate() {
            let x = MARGIN + k as f32 * w;
            b.items.push(Item::Frame {
                x,
                y,
                w,
                h: box_h,
                stroke: 0.8,
            });
            b.text(x + 6.0, y + 13.0, tf.label, 10.0, Ink::Print, &field.label);
            b.text(
                x + 12.0,
                y + box_h - 8.0,
                tf.value,
                tf.value_size,
                Ink::Typed,
                &field.value,
            );
        }
        y += box_h;
        i += row.len();
    }

    // Yes/no question with check boxes; the answer box is filled in.
    y += 26.0;
    let (question, yes) = &spec.question;
    b.text(MARGIN, y, tf.label, 10.0, Ink::Print, question);
    let mut x = MARGIN + fonts.measure(tf.label, 10.0, question) + 18.0;
    for (word, checked) in [("Yes", *yes), ("No", !*yes)] {
        b.items.push(Item::Frame {
            x,
            y: y - 9.0,
            w: 10.0,
            h: 10.0,
            stroke: 0.8,
        });
        if checked {
            b.items.push(Item::Fill {
                x: x + 2.5,
                y: y - 6.5,
                w: 5.0,
                h: 5.0,
                ink: Ink::Typed,
            });
        }
        b.text(x + 20.0, y, tf.label, 10.0, Ink::Print, word);
        x += 20.0 + fonts.measure(tf.label, 10.0, word) + 24.0;
    }

    // Instructions and the Privacy Act statement: wrapped paragraphs, stopping above the footer.
    let leading = tf.body_size * 1.4;
    let bottom = PAGE_HEIGHT - 80.0;
    let sections = [
        ("Instructions", &spec.paragraphs[..]),
        ("Privacy Act Statement", std::slice::from_ref(&spec.privacy)),
    ];
    'sections: for (heading, paragraphs) in sections {
        if y + 34.0 + leading > bottom {
            break;
        }
        y += 34.0;
        b.text(MARGIN, y, tf.heading, 11.0, Ink::Print, heading);
        y += 8.0;
        for paragraph in paragraphs {
            y += 8.0;
            for line in b.wrap(tf.body, tf.body_size, paragraph, CONTENT_WIDTH) {
                if y + leading > bottom {
                    break 'sections;
                }
                y += leading;
                b.text(MARGIN, y, tf.body, tf.body_size, Ink::Print, &line);
            }
        }
    }

    // Footer.
    let y = PAGE_HEIGHT - 48.0;
    b.rule(y - 14.0, 0.8);
    b.text(MARGIN, y, tf.label, 10.0, Ink::Print, form.footer.0);
    b.text_right(PAGE_WIDTH - MARGIN, y, tf.label, 10.0, form.footer.1);

    Layout { items: b.items }
}
