//! A small PDF page writer (pdf-writer): text in DejaVu Sans (embedded, subset to the
//! glyphs used, so every German letter prints), lines, filled boxes, drawn signatures and
//! a QR code. The output depends on its input only: no random ids, the creation date is
//! given by the caller.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;

use crate::error::AppError;

/// DejaVu Sans (Debian `fonts-dejavu-core`; licence in `backend/assets/fonts/LICENSE`).
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FONT_NAME: &[u8] = b"F1";

/// A4 in points.
pub const WIDTH: f32 = 595.28;
pub const HEIGHT: f32 = 841.89;
pub const MARGIN: f32 = 50.0;
/// Where the footer ends: content stays above it.
const FOOTER: f32 = 60.0;

pub struct Writer {
    face: ttf_parser::Face<'static>,
    remap: GlyphRemapper,
    /// New glyph id → width (1/1000 em) and the character it shows.
    glyphs: BTreeMap<u16, (f32, char)>,
    pages: Vec<Content>,
    /// The cursor: the baseline of the next line, from the bottom.
    pub y: f32,
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    // Writing into a Vec cannot fail.
    let _ = e.write_all(bytes);
    e.finish().unwrap_or_default()
}

impl Writer {
    pub fn new() -> Result<Self, AppError> {
        let face = ttf_parser::Face::parse(FONT, 0).map_err(|e| AppError::Internal(format!("font: {e}")))?;
        let mut w = Self { face, remap: GlyphRemapper::new(), glyphs: BTreeMap::new(), pages: Vec::new(), y: 0.0 };
        w.new_page();
        Ok(w)
    }

    pub fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = HEIGHT - MARGIN;
    }

    /// Starts a new page unless `height` still fits above the footer.
    pub fn room(&mut self, height: f32) -> bool {
        if self.y - height < FOOTER + 10.0 {
            self.new_page();
            return true;
        }
        false
    }

    fn page(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.pages.push(Content::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn advance(&self, c: char) -> (u16, f32) {
        let gid = self.face.glyph_index(c).map(|g| g.0).unwrap_or(0);
        let units = f32::from(self.face.units_per_em().max(1));
        let adv = self.face.glyph_hor_advance(ttf_parser::GlyphId(gid)).map(f32::from).unwrap_or(0.0);
        (gid, adv * 1000.0 / units)
    }

    /// The width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(printable(c)).1).sum::<f32>() * size / 1000.0
    }

    /// `text` cut to fit `max` points, with "…" where it was cut.
    pub fn fit(&self, text: &str, size: f32, max: f32) -> String {
        if self.width(text, size) <= max {
            return text.to_owned();
        }
        let mut out = String::new();
        for c in text.chars() {
            if self.width(&format!("{out}{c}…"), size) > max {
                break;
            }
            out.push(c);
        }
        out.push('…');
        out
    }

    /// `text` broken into lines of at most `max` points (at spaces; long words are cut).
    pub fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if self.width(&candidate, size) <= max || line.is_empty() {
                line = candidate;
            } else {
                lines.push(std::mem::take(&mut line));
                line = word.to_owned();
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines.into_iter().map(|l| self.fit(&l, size, max)).collect()
    }

    /// Text at (`x`, `y`) (baseline) on the current page, `gray` 0 = black.
    pub fn text_at(&mut self, x: f32, y: f32, size: f32, gray: f32, text: &str) {
        let page = self.pages.len().saturating_sub(1);
        self.text_on(page, x, y, size, gray, text);
    }

    /// Text on page `index` (0-based).
    fn text_on(&mut self, index: usize, x: f32, y: f32, size: f32, gray: f32, text: &str) {
        let mut bytes = Vec::with_capacity(text.len() * 2);
        for c in text.chars().map(printable) {
            let (gid, width) = self.advance(c);
            let new = self.remap.remap(gid);
            self.glyphs.entry(new).or_insert((width, c));
            bytes.extend_from_slice(&new.to_be_bytes());
        }
        if index >= self.pages.len() {
            return;
        }
        let page = &mut self.pages[index];
        page.set_fill_gray(gray);
        page.begin_text();
        page.set_font(Name(FONT_NAME), size);
        page.next_line(x, y);
        page.show(Str(&bytes));
        page.end_text();
        page.set_fill_gray(0.0);
    }

    /// A line of text at the cursor, which moves down by `size * 1.45`.
    pub fn line(&mut self, x: f32, size: f32, text: &str) {
        self.room(size * 1.45);
        let y = self.y - size;
        self.text_at(x, y, size, 0.0, text);
        self.y -= size * 1.45;
    }

    /// Wrapped paragraph at the cursor.
    pub fn paragraph(&mut self, x: f32, size: f32, max: f32, text: &str) {
        for l in self.wrap(text, size, max) {
            self.line(x, size, &l);
        }
    }

    pub fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    pub fn rule(&mut self, x1: f32, x2: f32, y: f32, width: f32, gray: f32) {
        let page = self.page();
        page.set_stroke_gray(gray);
        page.set_line_width(width);
        page.move_to(x1, y);
        page.line_to(x2, y);
        page.stroke();
        page.set_stroke_gray(0.0);
    }

    pub fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, gray: f32) {
        let page = self.page();
        page.set_stroke_gray(gray);
        page.set_line_width(0.5);
        page.rect(x, y, w, h);
        page.stroke();
        page.set_stroke_gray(0.0);
    }

    pub fn fill(&mut self, x: f32, y: f32, w: f32, h: f32, rgb: (f32, f32, f32)) {
        let page = self.page();
        page.set_fill_rgb(rgb.0, rgb.1, rgb.2);
        page.rect(x, y, w, h);
        page.fill_nonzero();
        page.set_fill_gray(0.0);
    }

    /// A drawn signature (strokes of points in tenths of a unit on the 1000 × 400 field,
    /// y downwards) as vector lines in the box with its lower left corner at (`x`, `y`).
    pub fn strokes(&mut self, x: f32, y: f32, w: f32, h: f32, strokes: &[Vec<i64>]) {
        let sx = w / 10_000.0;
        let sy = h / 4_000.0;
        let page = self.page();
        page.set_line_width(0.8);
        page.set_line_cap(pdf_writer::types::LineCapStyle::RoundCap);
        page.set_line_join(pdf_writer::types::LineJoinStyle::RoundJoin);
        for stroke in strokes {
            let points: Vec<(f32, f32)> = stroke.chunks_exact(2).map(|p| (x + p[0] as f32 * sx, y + h - p[1] as f32 * sy)).collect();
            let Some(first) = points.first() else { continue };
            page.move_to(first.0, first.1);
            if points.len() == 1 {
                page.line_to(first.0 + 0.3, first.1);
            }
            for p in points.iter().skip(1) {
                page.line_to(p.0, p.1);
            }
            page.stroke();
        }
        page.set_line_cap(pdf_writer::types::LineCapStyle::ButtCap);
    }

    /// A QR code of `text`, `size` points wide, lower left corner at (`x`, `y`).
    pub fn qr(&mut self, x: f32, y: f32, size: f32, text: &str) -> Result<(), AppError> {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| AppError::Internal(format!("qr: {e}")))?;
        let n = code.width();
        let modules = code.to_colors();
        let cell = size / (n as f32 + 8.0);
        let page = self.page();
        page.set_fill_gray(0.0);
        for (i, color) in modules.iter().enumerate() {
            if *color == qrcode::Color::Dark {
                let (col, row) = ((i % n) as f32, (i / n) as f32);
                page.rect(x + (col + 4.0) * cell, y + size - (row + 5.0) * cell, cell, cell);
            }
        }
        page.fill_nonzero();
        Ok(())
    }

    /// The PDF: every page with `footer(page, pages)` at its bottom; `created` is the
    /// document's date (from its content), `title` its title.
    pub fn finish(mut self, title: &str, created: Date, footer: impl Fn(usize, usize) -> String) -> Result<Vec<u8>, AppError> {
        let total = self.pages.len();
        for i in 0..total {
            if let Some(page) = self.pages.get_mut(i) {
                page.set_stroke_gray(0.6);
                page.set_line_width(0.5);
                page.move_to(MARGIN, FOOTER - 8.0);
                page.line_to(WIDTH - MARGIN, FOOTER - 8.0);
                page.stroke();
            }
            self.text_on(i, MARGIN, FOOTER - 22.0, 7.5, 0.25, &footer(i + 1, total));
        }

        let mut alloc = Ref::new(1);
        let catalog = alloc.bump();
        let tree = alloc.bump();
        let info = alloc.bump();
        let type0 = alloc.bump();
        let cid = alloc.bump();
        let descriptor = alloc.bump();
        let file = alloc.bump();
        let cmap = alloc.bump();
        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(tree);
        pdf.document_info(info).title(TextStr(title)).producer(TextStr("anwesend")).creation_date(created);

        let mut page_ids = Vec::new();
        for content in std::mem::take(&mut self.pages) {
            let page_id = alloc.bump();
            let content_id = alloc.bump();
            page_ids.push(page_id);
            let mut page = pdf.page(page_id);
            page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT));
            page.parent(tree);
            page.contents(content_id);
            page.resources().fonts().pair(Name(FONT_NAME), type0);
            page.finish();
            let data = deflate(&content.finish());
            pdf.stream(content_id, &data).filter(Filter::FlateDecode);
        }
        pdf.pages(tree).kids(page_ids.iter().copied()).count(page_ids.len() as i32);

        let base = Name(b"ANWSDE+DejaVuSans");
        let system = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
        pdf.type0_font(type0).base_font(base).encoding_predefined(Name(b"Identity-H")).descendant_font(cid).to_unicode(cmap);
        {
            let mut font = pdf.cid_font(cid);
            font.subtype(CidFontType::Type2).base_font(base).system_info(system).font_descriptor(descriptor);
            font.cid_to_gid_map_predefined(Name(b"Identity"));
            let mut widths = font.widths();
            for (gid, (width, _)) in &self.glyphs {
                widths.consecutive(*gid, [*width]);
            }
        }
        let units = f32::from(self.face.units_per_em().max(1));
        let scale = |v: i16| f32::from(v) * 1000.0 / units;
        let b = self.face.global_bounding_box();
        pdf.font_descriptor(descriptor)
            .name(base)
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(scale(b.x_min), scale(b.y_min), scale(b.x_max), scale(b.y_max)))
            .italic_angle(0.0)
            .ascent(scale(self.face.ascender()))
            .descent(scale(self.face.descender()))
            .cap_height(scale(self.face.capital_height().unwrap_or(self.face.ascender())))
            .stem_v(80.0)
            .font_file2(file);
        let subset = subsetter::subset(FONT, 0, &self.remap).map_err(|e| AppError::Internal(format!("font subset: {e:?}")))?;
        let data = deflate(&subset);
        pdf.stream(file, &data).filter(Filter::FlateDecode);
        let mut unicode = UnicodeCmap::new(Name(b"Custom"), system);
        for (gid, (_, c)) in &self.glyphs {
            unicode.pair(*gid, *c);
        }
        pdf.stream(cmap, &unicode.finish());

        let mut out = pdf.finish();
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        Ok(out)
    }
}

/// Control characters print as a space.
fn printable(c: char) -> char {
    if c.is_control() {
        ' '
    } else {
        c
    }
}

/// A PDF date from a UTC time.
pub fn date(t: chrono::NaiveDateTime) -> Date {
    use chrono::{Datelike, Timelike};
    Date::new(u16::try_from(t.year()).unwrap_or(2000))
        .month(t.month() as u8)
        .day(t.day() as u8)
        .hour(t.hour() as u8)
        .minute(t.minute() as u8)
        .second(t.second() as u8)
        .utc_offset_hour(0)
}
