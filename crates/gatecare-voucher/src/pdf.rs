//! The printable voucher: an 80 mm thermal-receipt layout and A6/A4 office
//! layouts, Latin and Chinese text in one subset-embedded CJK font, and the
//! QR code drawn as vector modules.

use printpdf::{
    Codepoint, Color, CurTransMat, FontId, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem, WindingOrder,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// 80 mm thermal receipt (kiosk printers); the page is as long as the voucher.
    Receipt80,
    /// A6 office printer.
    A6,
    /// A4 office printer.
    A4,
}

impl Layout {
    pub fn parse(s: &str) -> Option<Layout> {
        match s {
            "80mm" | "receipt80" | "receipt" => Some(Layout::Receipt80),
            "a6" | "A6" => Some(Layout::A6),
            "a4" | "A4" => Some(Layout::A4),
            _ => None,
        }
    }

    /// The CUPS media name for `lp -o media=…`.
    pub fn media(self) -> &'static str {
        match self {
            Layout::Receipt80 => "Custom.80x200mm",
            Layout::A6 => "A6",
            Layout::A4 => "A4",
        }
    }
}

struct Geometry {
    width_mm: f32,
    /// None: as long as the content.
    height_mm: Option<f32>,
    margin_mm: f32,
    text: f32,
    title: f32,
    qr_mm: f32,
}

fn geometry(layout: Layout) -> Geometry {
    match layout {
        Layout::Receipt80 => {
            Geometry { width_mm: 80.0, height_mm: None, margin_mm: 4.0, text: 8.5, title: 13.0, qr_mm: 42.0 }
        }
        Layout::A6 => Geometry {
            width_mm: 105.0,
            height_mm: Some(148.0),
            margin_mm: 6.0,
            text: 7.0,
            title: 11.0,
            qr_mm: 34.0,
        },
        Layout::A4 => Geometry {
            width_mm: 210.0,
            height_mm: Some(297.0),
            margin_mm: 18.0,
            text: 11.0,
            title: 20.0,
            qr_mm: 60.0,
        },
    }
}

/// Everything a voucher shows, already in words (the caller localises times).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoucherSheet {
    /// "meal", "hotel", "transport", "upgrade", "goodwill".
    pub kind: String,
    pub issuer: String,
    pub passenger_latin: String,
    #[serde(default)]
    pub passenger_native: Option<String>,
    pub flight: String,
    pub route: String,
    pub flight_date: String,
    pub cause_en: String,
    pub cause_zh: String,
    /// New expected departure, local time, in words: "03:30 Mon 23 Nov (HKT)".
    pub new_time: String,
    pub value: String,
    pub buys_en: String,
    pub buys_zh: String,
    #[serde(default)]
    pub hotel: Option<HotelDetails>,
    pub valid: String,
    pub serial: String,
    pub rule: String,
    pub tip_en: String,
    pub tip_zh: String,
    pub qr_text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HotelDetails {
    pub name: String,
    #[serde(default)]
    pub name_zh: Option<String>,
    pub address: String,
    pub nights: u32,
    pub transport: String,
}

fn kind_title(kind: &str) -> &'static str {
    match kind {
        "meal" => "餐食券  MEAL VOUCHER",
        "hotel" => "酒店住宿券  HOTEL VOUCHER",
        "transport" => "地面交通券  GROUND TRANSPORT",
        "upgrade" => "升舱凭证  UPGRADE",
        "goodwill" => "致歉补偿  GOODWILL",
        _ => "服务凭证  VOUCHER",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("the font could not be read: {0}")]
    Font(String),
    #[error("the QR text cannot be encoded: {0}")]
    Qr(String),
    #[error("nothing to render")]
    Empty,
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// The parsed font, reused for every voucher (parsing a CJK collection
/// takes tens of milliseconds).
pub struct Fonts {
    font: ParsedFont,
}

impl Fonts {
    /// `face`: the face in a collection (Noto Sans CJK: 2 = Simplified Chinese).
    pub fn from_bytes(bytes: &[u8], face: usize) -> Result<Fonts, PdfError> {
        let mut warnings = Vec::new();
        let font = ParsedFont::from_bytes(bytes, face, &mut warnings)
            .ok_or_else(|| PdfError::Font(format!("{warnings:?}")))?;
        Ok(Fonts { font })
    }

    /// A font holding only the glyphs these sheets use. Rendering many
    /// single-voucher files from it subsets a few hundred glyphs each time
    /// instead of the whole CJK face.
    pub fn narrowed_to(&self, sheets: &[VoucherSheet]) -> Result<Fonts, PdfError> {
        // Wrapping only splits lines, so any layout yields every character.
        let g = geometry(Layout::A4);
        let mut chars = BTreeSet::new();
        for sheet in sheets {
            for el in elements(sheet, &g) {
                if let El::Text { s, .. } = el {
                    chars.extend(s.chars());
                }
            }
        }
        let used: BTreeMap<u16, String> = chars
            .into_iter()
            .filter_map(|c| Some((self.font.lookup_glyph_index(c as u32)?, c.to_string())))
            .collect();
        let subset = printpdf::subset_font(&self.font, &used).map_err(PdfError::Font)?;
        Fonts::from_bytes(&subset.bytes, 0)
    }
}

/// Characters mapped to the font's glyphs once per document: the font's
/// own lookup is slow for a CJK cmap, and a flight's vouchers repeat the
/// same few hundred characters.
struct Glyphs<'a> {
    font: &'a ParsedFont,
    known: HashMap<char, u16>,
}

impl Glyphs<'_> {
    fn codepoints(&mut self, text: &str) -> Vec<Codepoint> {
        text.chars()
            .map(|c| {
                let font = self.font;
                // A character the font lacks shows as its empty-box glyph 0.
                let gid =
                    *self.known.entry(c).or_insert_with(|| font.lookup_glyph_index(c as u32).unwrap_or(0));
                // The character rides along for the text layer (ToUnicode).
                Codepoint { gid, offset: 0.0, cid: Some(c.to_string()) }
            })
            .collect()
    }
}

fn wide(c: char) -> bool {
    matches!(c, '\u{1100}'..='\u{115F}' | '\u{2E80}'..='\u{A4CF}' | '\u{AC00}'..='\u{D7A3}' | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FF60}' | '\u{20000}'..='\u{3FFFD}')
}

/// Estimated advance width: CJK one em, Latin about half.
fn width(s: &str, size: f32) -> f32 {
    s.chars()
        .map(|c| {
            if wide(c) {
                1.0
            } else if c == ' ' {
                0.28
            } else if c.is_ascii_uppercase() || c.is_ascii_digit() {
                0.62
            } else {
                0.52
            }
        })
        .sum::<f32>()
        * size
}

/// Breaks text into lines no wider than `max`: at spaces for Latin, anywhere
/// between Chinese characters.
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut word = String::new();
    let flush_word = |line: &mut String, word: &mut String, lines: &mut Vec<String>| {
        if word.is_empty() {
            return;
        }
        if !line.is_empty() && width(&format!("{line}{word}"), size) > max {
            lines.push(line.trim_end().to_owned());
            line.clear();
        }
        line.push_str(word);
        word.clear();
    };
    for c in text.chars() {
        if c == '\n' {
            flush_word(&mut line, &mut word, &mut lines);
            lines.push(line.trim_end().to_owned());
            line.clear();
        } else if wide(c) {
            flush_word(&mut line, &mut word, &mut lines);
            word.push(c);
            flush_word(&mut line, &mut word, &mut lines);
        } else if c == ' ' {
            word.push(c);
            flush_word(&mut line, &mut word, &mut lines);
        } else {
            word.push(c);
        }
    }
    flush_word(&mut line, &mut word, &mut lines);
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

enum El<'a> {
    Text { s: String, size: f32 },
    Gap(f32),
    Rule,
    Qr { text: &'a str, size_pt: f32 },
}

impl El<'_> {
    fn height(&self) -> f32 {
        match self {
            El::Text { size, .. } => size * 1.35,
            El::Gap(g) => *g,
            El::Rule => 6.0,
            El::Qr { size_pt, .. } => size_pt + 4.0,
        }
    }
}

const MM: f32 = 2.834_646;

fn elements<'a>(v: &'a VoucherSheet, g: &Geometry) -> Vec<El<'a>> {
    let inner = (g.width_mm - 2.0 * g.margin_mm) * MM;
    let t = g.text;
    let mut out = Vec::new();
    let para = |out: &mut Vec<El>, s: &str, size: f32| {
        for line in wrap(s, size, inner) {
            out.push(El::Text { s: line, size });
        }
    };
    para(&mut out, &v.issuer, t * 0.9);
    para(&mut out, kind_title(&v.kind), g.title);
    out.push(El::Rule);
    para(&mut out, &v.passenger_latin, t * 1.4);
    if let Some(n) = &v.passenger_native {
        para(&mut out, n, t * 1.8);
    }
    para(&mut out, &format!("{}   {}   {}", v.flight, v.route, v.flight_date), t * 1.1);
    out.push(El::Gap(t * 0.4));
    para(&mut out, &format!("航班情况 What happened: {} / {}", v.cause_zh, v.cause_en), t);
    para(&mut out, &format!("预计起飞 New expected departure: {}", v.new_time), t);
    out.push(El::Rule);
    para(&mut out, &v.value, g.title);
    para(&mut out, &v.buys_zh, t);
    para(&mut out, &v.buys_en, t);
    if let Some(h) = &v.hotel {
        out.push(El::Gap(t * 0.4));
        para(
            &mut out,
            &format!("{}{}", h.name, h.name_zh.as_deref().map(|z| format!(" {z}")).unwrap_or_default()),
            t * 1.1,
        );
        para(&mut out, &h.address, t);
        para(&mut out, &format!("{} 晚 night(s) · {}", h.nights, h.transport), t);
    }
    out.push(El::Gap(t * 0.4));
    para(&mut out, &format!("有效期 Valid: {}", v.valid), t);
    out.push(El::Gap(t * 0.3));
    out.push(El::Qr { text: &v.qr_text, size_pt: g.qr_mm * MM });
    para(&mut out, &format!("No. {}", v.serial), t);
    out.push(El::Rule);
    para(&mut out, &format!("依据 Why: {}", v.rule), t * 0.85);
    out.push(El::Gap(t * 0.3));
    para(&mut out, &format!("提示 {}", v.tip_zh), t * 0.9);
    para(&mut out, &format!("Tip: {}", v.tip_en), t * 0.9);
    out
}

fn page(v: &VoucherSheet, layout: Layout, font: &FontId, glyphs: &mut Glyphs) -> Result<PdfPage, PdfError> {
    let g = geometry(layout);
    let els = elements(v, &g);
    let content: f32 = els.iter().map(El::height).sum();
    let height_pt = g.height_mm.map_or(content + 2.0 * g.margin_mm * MM, |h| h * MM);
    let width_pt = g.width_mm * MM;
    let left = g.margin_mm * MM;
    let mut y = height_pt - g.margin_mm * MM;
    let black = Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None));
    let mut ops = vec![Op::SetFillColor { col: black.clone() }];
    for el in &els {
        let h = el.height();
        match el {
            El::Text { s, size } => {
                ops.extend([
                    Op::StartTextSection,
                    Op::SetFont { font: PdfFontHandle::External(font.clone()), size: Pt(*size) },
                    Op::SetTextCursor { pos: Point { x: Pt(left), y: Pt(y - size) } },
                    Op::ShowText { items: vec![TextItem::GlyphIds(glyphs.codepoints(s))] },
                    Op::EndTextSection,
                ]);
            }
            El::Gap(_) => {}
            El::Rule => ops.push(filled(left, y - 3.5, width_pt - 2.0 * left, 0.6)),
            El::Qr { text, size_pt } => {
                let (modules, width) = qr_modules(text)?;
                let m = size_pt / width as f32;
                let x0 = (width_pt - size_pt) / 2.0;
                let bottom = y - 2.0 - size_pt;
                // Drawn in module units (one module = 1): short integer
                // coordinates keep the content stream small.
                ops.push(Op::SaveGraphicsState);
                ops.push(Op::SetTransformationMatrix {
                    matrix: CurTransMat::Raw([m, 0.0, 0.0, m, x0, bottom]),
                });
                for (col, row, w, h) in qr_rectangles(&modules, width) {
                    // A hair of overlap keeps renderers from leaving seams
                    // between neighbouring rectangles.
                    ops.push(filled(col as f32, (width - row - h) as f32, w as f32 + 0.02, h as f32 + 0.02));
                }
                ops.push(Op::RestoreGraphicsState);
            }
        }
        y -= h;
    }
    Ok(PdfPage::new(printpdf::Mm(g.width_mm), printpdf::Mm(height_pt / MM), ops))
}

/// The dark modules as rectangles `(column, row, width, height)`: each row's
/// runs of dark modules, with a run repeated in the rows below merged into
/// one taller rectangle (finder patterns and vertical strokes).
fn qr_rectangles(modules: &[bool], width: usize) -> Vec<(usize, usize, usize, usize)> {
    let mut done = Vec::new();
    // (start, end) of a run open since row `top`.
    let mut open: Vec<(usize, usize, usize)> = Vec::new();
    for row in 0..=width {
        let mut runs = Vec::new();
        if row < width {
            let line = &modules[row * width..(row + 1) * width];
            let mut col = 0;
            while col < width {
                if line[col] {
                    let start = col;
                    while col < width && line[col] {
                        col += 1;
                    }
                    runs.push((start, col));
                } else {
                    col += 1;
                }
            }
        }
        let mut next = Vec::with_capacity(runs.len());
        for (start, end) in runs {
            let top = match open.iter().position(|&(s, e, _)| s == start && e == end) {
                Some(i) => open.swap_remove(i).2,
                None => row,
            };
            next.push((start, end, top));
        }
        done.extend(open.iter().map(|&(start, end, top)| (start, top, end - start, row - top)));
        open = next;
    }
    done
}

fn filled(x: f32, y: f32, w: f32, h: f32) -> Op {
    Op::DrawRectangle {
        rectangle: Rect {
            x: Pt(x),
            y: Pt(y),
            width: Pt(w),
            height: Pt(h),
            mode: Some(PaintMode::Fill),
            winding_order: Some(WindingOrder::NonZero),
        },
    }
}

/// One PDF with one voucher per page, in the order given.
pub fn render(
    sheets: &[VoucherSheet],
    layout: Layout,
    fonts: &Fonts,
    title: &str,
) -> Result<Vec<u8>, PdfError> {
    if sheets.is_empty() {
        return Err(PdfError::Empty);
    }
    let mut doc = PdfDocument::new(title);
    let font = doc.add_font(&fonts.font);
    let mut glyphs = Glyphs { font: &fonts.font, known: HashMap::new() };
    let pages = sheets.iter().map(|s| page(s, layout, &font, &mut glyphs)).collect::<Result<Vec<_>, _>>()?;
    // printpdf builds the document (font subset included); its own save
    // deflates every stream at level 9, a third of a voucher's time, so the
    // streams are deflated here at the default level instead.
    let opts = PdfSaveOptions { subset_fonts: true, optimize: false, ..PdfSaveOptions::default() };
    let mut pdf = doc.with_pages(pages).to_lopdf_document(&opts, &mut Vec::new());
    deflate_streams(&mut pdf);
    let mut out = Vec::new();
    pdf.save_to(&mut out).map_err(|e| PdfError::Write(e.to_string()))?;
    Ok(out)
}

/// Deflate level: zlib's default. Level 9 (printpdf's choice) made a
/// flight's file 2.5 % smaller for 20 % more time; level 1 made it 65 %
/// larger.
const DEFLATE_LEVEL: u32 = 6;

fn deflate_streams(pdf: &mut lopdf::Document) {
    for object in pdf.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else { continue };
        if !stream.allows_compression || stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let mut z =
            ZlibEncoder::new(Vec::with_capacity(stream.content.len() / 2), Compression::new(DEFLATE_LEVEL));
        // Writing to a Vec cannot fail.
        if z.write_all(&stream.content).is_err() {
            continue;
        }
        let Ok(packed) = z.finish() else { continue };
        // Deflate only pays when it saves more than the filter entry costs.
        if packed.len() + 19 < stream.content.len() {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(packed);
        }
    }
}

/// The QR code's modules, row by row (true = dark), and its width.
/// Error correction M (15 %): a creased or smudged receipt still scans.
fn qr_modules(text: &str) -> Result<(Vec<bool>, usize), PdfError> {
    let code = fast_qr::QRBuilder::new(text.as_bytes())
        .ecl(fast_qr::ECL::M)
        .build()
        .map_err(|e| PdfError::Qr(e.to_string()))?;
    let width = code.size;
    Ok((code.data[..width * width].iter().map(|m| m.value()).collect(), width))
}

/// The QR as an SVG image (for the screen when the printer fails).
pub fn qr_svg(text: &str) -> Result<String, PdfError> {
    let (modules, w) = qr_modules(text)?;
    let mut path = String::new();
    for (i, dark) in modules.iter().enumerate() {
        if *dark {
            path.push_str(&format!("M{} {}h1v1h-1z", i % w + 4, i / w + 4));
        }
    }
    let size = w + 8;
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\" role=\"img\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_latin_at_spaces_and_chinese_anywhere() {
        let lines = wrap("Valid at any food outlet airside in Terminal 1", 10.0, 100.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width(l, 10.0) <= 100.0 || !l.contains(' ')), "{lines:?}");
        assert_eq!(lines.join(" "), "Valid at any food outlet airside in Terminal 1");
        let zh = wrap("在一号客运大楼禁区内任何餐饮店使用", 10.0, 50.0);
        assert_eq!(zh.concat(), "在一号客运大楼禁区内任何餐饮店使用");
        assert!(zh.iter().all(|l| l.chars().count() <= 5), "{zh:?}");
    }

    #[test]
    fn qr_rectangles_cover_exactly_the_dark_modules() {
        let (modules, width) = qr_modules("GC1:HELLO-GATE-42").unwrap();
        let mut covered = vec![false; width * width];
        let rects = qr_rectangles(&modules, width);
        for &(col, row, w, h) in &rects {
            for r in row..row + h {
                for c in col..col + w {
                    assert!(!covered[r * width + c], "module ({c}, {r}) drawn twice");
                    covered[r * width + c] = true;
                }
            }
        }
        assert_eq!(covered, modules);
        let runs: usize = modules
            .chunks(width)
            .map(|r| r.windows(2).filter(|w| w[1] && !w[0]).count() + r[0] as usize)
            .sum();
        assert!(rects.len() < runs, "merging rows saves rectangles: {} vs {runs}", rects.len());
    }

    #[test]
    fn layouts_have_media() {
        assert_eq!(Layout::parse("80mm"), Some(Layout::Receipt80));
        assert_eq!(Layout::A4.media(), "A4");
        assert_eq!(Layout::parse("letter"), None);
    }
}
