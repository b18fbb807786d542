//! The printable voucher: an 80 mm thermal-receipt layout and A6/A4 office
//! layouts, Latin and Chinese text in one subset-embedded CJK font, and the
//! QR code drawn as vector modules.
//!
//! Each document embeds only the glyphs it shows: the face is cut with
//! `subsetter` and handed to printpdf as a bare CID-keyed CFF program, which
//! it embeds as it is (`subset_fonts: false`; printpdf's own allsorts subset
//! kept 28,516 empty subroutine slots of Noto's, 84 KB a file). A flight file
//! has one font (about 4.4 KB a voucher). `Fonts::batch` prepares
//! per-passenger files: the glyphs every sheet shows are cut, parsed and
//! deflated once and shared, and each file adds a font of its own for the
//! rest (its name, its serial), so no file carries another passenger's
//! characters (about 25 KB a file). The QR is one form XObject written here:
//! integer rectangles in module units, a run repeated down the rows drawn
//! once, all filled as one path so neighbouring modules meet without seams.
//! printpdf builds the document; the streams are deflated here at level 3
//! (zlib-rs) with one reused compressor.

use printpdf::{
    Codepoint, Color, CurTransMat, DictItem, ExternalStream, ExternalXObject, FontId, Op, PaintMode,
    ParsedFont, PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
    WindingOrder, XObjectTransform,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::LazyLock;

use subsetter::GlyphRemapper;

use flate2::{Compress, Compression, FlushCompress, Status};

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
    /// The flight is cancelled: `new_time` is the re-routing's.
    #[serde(default)]
    pub cancelled: bool,
    /// New expected departure, local time, in words: "03:30 Mon 23 Nov (HKT)";
    /// for a cancellation the re-routing ("LH797 23:45 Mon 07 Dec (HKT)").
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

/// The CJK face every voucher is set in, parsed once (parsing a CJK
/// collection takes tens of milliseconds). Each document embeds only the
/// glyphs it shows, cut from this face with `subsetter`.
pub struct Fonts {
    /// Character lookups through the face's cmap.
    face: ParsedFont,
    /// The font file (a collection's face is picked by `index`).
    bytes: Vec<u8>,
    index: u32,
    /// PostScript name, which the embedded subsets carry.
    name: String,
}

impl Fonts {
    /// `face`: the face in a collection (Noto Sans CJK: 2 = Simplified Chinese).
    pub fn from_bytes(bytes: &[u8], face: usize) -> Result<Fonts, PdfError> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, face, &mut warnings)
            .ok_or_else(|| PdfError::Font(format!("{warnings:?}")))?;
        let index = u32::try_from(face).map_err(|_| PdfError::Font(format!("no face {face}")))?;
        let name = parsed.font_name.clone().unwrap_or_else(|| "GatecareCJK".to_owned());
        Ok(Fonts { face: parsed, bytes: bytes.to_vec(), index, name })
    }

    fn glyph(&self, c: char) -> u16 {
        // A character the face lacks shows as its empty-box glyph 0.
        self.face.lookup_glyph_index(c as u32).unwrap_or(0)
    }

    /// Prepares one file per sheet: the glyphs every sheet shows are cut
    /// and parsed once, and each file adds a small font of its own for the
    /// rest (the passenger's name, the serial), so no file carries another
    /// passenger's characters.
    pub fn batch<'a>(&self, sheets: &'a [VoucherSheet]) -> Result<Batch<'a>, PdfError> {
        let per_sheet: Vec<BTreeSet<char>> = sheets.iter().map(sheet_chars).collect();
        let all: BTreeSet<char> = per_sheet.iter().flatten().copied().collect();
        // The batch's face: this face cut to the batch's characters, so
        // that cutting each file's own font from it is quick.
        let mut narrowing = GlyphRemapper::new();
        let narrowed: HashMap<char, u16> = all.iter().map(|&c| (c, narrowing.remap(self.glyph(c)))).collect();
        let narrowed_face = subsetter::subset(&self.bytes, self.index, &narrowing)
            .map_err(|e| PdfError::Font(e.to_string()))?;
        let mut common = per_sheet.first().cloned().unwrap_or_default();
        for chars in &per_sheet[1.min(per_sheet.len())..] {
            common.retain(|c| chars.contains(c));
        }
        let mut shared_glyphs = GlyphRemapper::new();
        let shared: HashMap<u16, u16> = common
            .iter()
            .map(|c| {
                let g = narrowed[c];
                (g, shared_glyphs.remap(g))
            })
            .collect();
        let shared_font = cut(&narrowed_face, 0, &shared_glyphs, &self.name)?;
        Ok(Batch {
            sheets,
            narrowed,
            narrowed_face,
            shared,
            shared_font,
            deflater: Deflater::new(true),
            name: self.name.clone(),
        })
    }
}

/// Every character a sheet shows, in any layout (wrapping only splits lines).
fn sheet_chars(sheet: &VoucherSheet) -> BTreeSet<char> {
    let mut chars = BTreeSet::from([' ']);
    for el in elements(sheet, &geometry(Layout::A4)) {
        if let El::Text { s, .. } = el {
            chars.extend(s.chars());
        }
    }
    chars
}

/// The font file cut to `glyphs` (their new ids in the order they were
/// remapped), parsed for printpdf.
fn cut(font_file: &[u8], index: u32, glyphs: &GlyphRemapper, name: &str) -> Result<ParsedFont, PdfError> {
    let cut = subsetter::subset(font_file, index, glyphs).map_err(|e| PdfError::Font(e.to_string()))?;
    // printpdf reads a bare CID-keyed CFF program and embeds it as is
    // (FontFile3, CIDFontType0C).
    let program =
        sfnt_table(&cut, b"CFF ").ok_or_else(|| PdfError::Font("the face has no CFF outlines".into()))?;
    let mut warnings = Vec::new();
    let mut font = ParsedFont::from_bytes(program, 0, &mut warnings)
        .ok_or_else(|| PdfError::Font(format!("{warnings:?}")))?;
    font.font_name = Some(format!("{}+{name}", subset_tag(glyphs)));
    Ok(font)
}

/// The six capital letters that mark a subset font's name (ISO 32000-1,
/// 9.6.4), derived from its glyphs so that different subsets differ.
fn subset_tag(glyphs: &GlyphRemapper) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for g in glyphs.remapped_gids() {
        h = (h ^ u64::from(g)).wrapping_mul(0x100_0000_01b3);
    }
    (0..6).map(|i| char::from(b'A' + ((h >> (i * 8)) % 26) as u8)).collect()
}

/// A table of an OpenType font file.
fn sfnt_table<'a>(font: &'a [u8], tag: &[u8; 4]) -> Option<&'a [u8]> {
    let count = u16::from_be_bytes([*font.get(4)?, *font.get(5)?]) as usize;
    (0..count).find_map(|i| {
        let record = font.get(12 + 16 * i..28 + 16 * i)?;
        if &record[..4] != tag {
            return None;
        }
        let offset = u32::from_be_bytes(record[8..12].try_into().ok()?) as usize;
        let len = u32::from_be_bytes(record[12..16].try_into().ok()?) as usize;
        font.get(offset..offset.checked_add(len)?)
    })
}

/// Sheets rendered one file each (see [`Fonts::batch`]).
pub struct Batch<'a> {
    sheets: &'a [VoucherSheet],
    /// Character → glyph in `narrowed_face`.
    narrowed: HashMap<char, u16>,
    narrowed_face: Vec<u8>,
    /// Glyph in `narrowed_face` → glyph in `shared_font`.
    shared: HashMap<u16, u16>,
    shared_font: ParsedFont,
    /// What every file carries alike (the shared font program and its
    /// ToUnicode map) is deflated once, not once per file.
    deflater: Deflater,
    name: String,
}

impl Batch<'_> {
    /// The PDF of sheet `i`, alone.
    pub fn render(&mut self, i: usize, layout: Layout) -> Result<Vec<u8>, PdfError> {
        let sheet = self.sheets.get(i).ok_or(PdfError::Empty)?;
        let narrowed = &self.narrowed;
        let source = |c: char| narrowed.get(&c).copied().unwrap_or(0);
        let mut glyphs = Glyphs::new(&source, Some(&self.shared));
        let mut doc = PdfDocument::new(&sheet.serial);
        let page = page(sheet, layout, &mut glyphs, &mut doc)?;
        let own = glyphs.own;
        let shared_font = self.shared_font.clone();
        let own_font = cut(&self.narrowed_face, 0, &own, &self.name)?;
        finish(doc, vec![page], [Some(shared_font), Some(own_font)], &mut self.deflater)
    }
}

/// Which of a document's two fonts sets a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// A batch's font, shared by all its files.
    Shared = 0,
    /// The document's own font.
    Own = 1,
}

/// Characters mapped to glyphs once per document: the face's own lookup is
/// slow for a CJK cmap, and a flight's vouchers repeat the same few hundred
/// characters.
struct Glyphs<'a> {
    /// Character → glyph in the face the fonts are cut from.
    source: &'a dyn Fn(char) -> u16,
    /// A batch's shared font: source glyph → its glyph.
    shared: Option<&'a HashMap<u16, u16>>,
    /// Source glyphs the document's own font needs, numbered as they come.
    own: GlyphRemapper,
    known: HashMap<char, (Slot, u16)>,
}

impl<'a> Glyphs<'a> {
    fn new(source: &'a dyn Fn(char) -> u16, shared: Option<&'a HashMap<u16, u16>>) -> Glyphs<'a> {
        Glyphs { source, shared, own: GlyphRemapper::new(), known: HashMap::new() }
    }

    fn glyph(&mut self, c: char) -> (Slot, u16) {
        if let Some(&known) = self.known.get(&c) {
            return known;
        }
        let g = (self.source)(c);
        let placed = match self.shared.and_then(|shared| shared.get(&g)) {
            Some(&shared) => (Slot::Shared, shared),
            None => (Slot::Own, self.own.remap(g)),
        };
        self.known.insert(c, placed);
        placed
    }

    /// The text as runs of glyphs of one font each.
    fn runs(&mut self, text: &str) -> Vec<(Slot, Vec<Codepoint>)> {
        let mut runs: Vec<(Slot, Vec<Codepoint>)> = Vec::new();
        for c in text.chars() {
            let (slot, gid) = self.glyph(c);
            // The character rides along for the text layer (ToUnicode).
            let glyph = Codepoint { gid, offset: 0.0, cid: Some(c.to_string()) };
            match runs.last_mut() {
                Some((last, run)) if *last == slot => run.push(glyph),
                _ => runs.push((slot, vec![glyph])),
            }
        }
        runs
    }
}

fn wide(c: char) -> bool {
    matches!(c, '\u{1100}'..='\u{115F}' | '\u{2E80}'..='\u{A4CF}' | '\u{AC00}'..='\u{D7A3}' | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FF60}' | '\u{20000}'..='\u{3FFFD}')
}

/// Estimated advance of a character in ems: CJK one em, Latin about half.
fn em(c: char) -> f32 {
    if wide(c) {
        1.0
    } else if c == ' ' {
        0.28
    } else if c.is_ascii_uppercase() || c.is_ascii_digit() {
        0.62
    } else {
        0.52
    }
}

/// Estimated advance width of a text.
#[cfg(test)]
fn width(s: &str, size: f32) -> f32 {
    s.chars().map(em).sum::<f32>() * size
}

/// Breaks text into lines no wider than `max`: at spaces for Latin, anywhere
/// between Chinese characters.
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    /// Text with its width in ems, kept as characters are added.
    #[derive(Default)]
    struct Run {
        text: String,
        ems: f32,
    }
    impl Run {
        fn push(&mut self, c: char) {
            self.text.push(c);
            self.ems += em(c);
        }
        fn take(&mut self) -> String {
            self.ems = 0.0;
            std::mem::take(&mut self.text)
        }
    }
    let mut lines = Vec::new();
    let mut line = Run::default();
    let mut word = Run::default();
    let flush_word = |line: &mut Run, word: &mut Run, lines: &mut Vec<String>| {
        if word.text.is_empty() {
            return;
        }
        if !line.text.is_empty() && (line.ems + word.ems) * size > max {
            lines.push(line.take().trim_end().to_owned());
        }
        line.text.push_str(&word.text);
        line.ems += word.ems;
        word.take();
    };
    for c in text.chars() {
        if c == '\n' {
            flush_word(&mut line, &mut word, &mut lines);
            lines.push(line.take().trim_end().to_owned());
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
    if !line.text.trim().is_empty() {
        lines.push(line.text.trim_end().to_owned());
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
    if v.cancelled {
        para(&mut out, &format!("航班取消 Cancelled: {} / {}", v.cause_zh, v.cause_en), t);
        para(&mut out, &format!("改签航班 Re-routed on: {}", v.new_time), t);
    } else {
        para(&mut out, &format!("航班情况 What happened: {} / {}", v.cause_zh, v.cause_en), t);
        para(&mut out, &format!("预计起飞 New expected departure: {}", v.new_time), t);
    }
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
        // A room until check-out before the night is over is no night.
        let stay = match h.nights {
            0 => "客房至退房时间 room until check-out".to_owned(),
            n => format!("{n} 晚 night(s)"),
        };
        para(&mut out, &format!("{stay} · {}", h.transport), t);
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

fn page(
    v: &VoucherSheet,
    layout: Layout,
    glyphs: &mut Glyphs,
    doc: &mut PdfDocument,
) -> Result<PdfPage, PdfError> {
    let g = geometry(layout);
    layout_page(&elements(v, &g), &g, glyphs, doc)
}

/// Sets elements on one page of the layout's geometry (a receipt is as long
/// as its content).
fn layout_page(
    els: &[El<'_>],
    g: &Geometry,
    glyphs: &mut Glyphs,
    doc: &mut PdfDocument,
) -> Result<PdfPage, PdfError> {
    let content: f32 = els.iter().map(El::height).sum();
    let height_pt = g.height_mm.map_or(content + 2.0 * g.margin_mm * MM, |h| h * MM);
    let width_pt = g.width_mm * MM;
    let left = g.margin_mm * MM;
    let mut y = height_pt - g.margin_mm * MM;
    let black = Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None));
    let mut ops = vec![Op::SetFillColor { col: black.clone() }];
    for el in els {
        let h = el.height();
        match el {
            El::Text { s, size } => {
                ops.push(Op::StartTextSection);
                ops.push(Op::SetTextCursor { pos: Point { x: Pt(left), y: Pt(y - size) } });
                // Each run advances the text position, so the next run of
                // the other font continues where it ended.
                for (slot, run) in glyphs.runs(s) {
                    ops.push(Op::SetFont {
                        font: PdfFontHandle::External(FONT_IDS[slot as usize].clone()),
                        size: Pt(*size),
                    });
                    ops.push(Op::ShowText { items: vec![TextItem::GlyphIds(run)] });
                }
                ops.push(Op::EndTextSection);
            }
            El::Gap(_) => {}
            El::Rule => ops.push(filled(left, y - 3.5, width_pt - 2.0 * left, 0.6)),
            El::Qr { text, size_pt } => {
                let (modules, width) = qr_modules(text)?;
                let m = size_pt / width as f32;
                let x0 = (width_pt - size_pt) / 2.0;
                let bottom = y - 2.0 - size_pt;
                let qr = doc.add_xobject(&qr_form(&modules, width));
                ops.push(Op::SaveGraphicsState);
                ops.push(Op::SetTransformationMatrix {
                    matrix: CurTransMat::Raw([m, 0.0, 0.0, m, x0, bottom]),
                });
                ops.push(Op::UseXobject { id: qr, transform: XObjectTransform::default() });
                ops.push(Op::RestoreGraphicsState);
            }
        }
        y -= h;
    }
    Ok(PdfPage::new(printpdf::Mm(g.width_mm), printpdf::Mm(height_pt / MM), ops))
}

/// The QR code as a form XObject in module units (one module = 1): its
/// content is a few hundred rectangles, written here as short integer
/// operators rather than one printpdf operation (and floats) each.
fn qr_form(modules: &[bool], width: usize) -> ExternalXObject {
    let mut content = Vec::with_capacity(8192);
    for (col, row, w, h) in qr_rectangles(modules, width) {
        for n in [col, width - row - h, w, h] {
            push_number(&mut content, n);
            content.push(b' ');
        }
        content.extend_from_slice(b"re\n");
    }
    // One fill of one path: renderers cover the union of its rectangles,
    // so neighbouring modules meet without seams.
    content.push(b'f');
    let name = |n: &str| DictItem::Name(n.as_bytes().to_vec());
    let bbox = DictItem::Array(vec![
        DictItem::Int(0),
        DictItem::Int(0),
        DictItem::Int(width as i64),
        DictItem::Int(width as i64),
    ]);
    let dict = BTreeMap::from([
        ("Type".to_owned(), name("XObject")),
        ("Subtype".to_owned(), name("Form")),
        ("BBox".to_owned(), bbox),
    ]);
    ExternalXObject {
        stream: ExternalStream { dict, content, compress: true },
        width: None,
        height: None,
        dpi: None,
    }
}

/// Writes a non-negative integer in decimal (`write!` is several times
/// slower for the few thousand numbers of a QR code).
fn push_number(out: &mut Vec<u8>, n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
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
    let source = |c: char| fonts.glyph(c);
    let mut glyphs = Glyphs::new(&source, None);
    let pages =
        sheets.iter().map(|s| page(s, layout, &mut glyphs, &mut doc)).collect::<Result<Vec<_>, _>>()?;
    let font = cut(&fonts.bytes, fonts.index, &glyphs.own, &fonts.name)?;
    finish(doc, pages, [None, Some(font)], &mut Deflater::new(false))
}

/// A written notice of passengers' rights (EU261 Art 14(2) and the like), in
/// both languages, as the caller words it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeSheet {
    /// The airline and station, as on vouchers.
    pub issuer: String,
    /// Passenger, flight and date.
    pub heading: String,
    /// Each section: a title, then its paragraphs.
    pub sections: Vec<(String, Vec<String>)>,
}

/// One PDF holding a notice (several pages on A6/A4 when it is long).
pub fn render_notice(notice: &NoticeSheet, layout: Layout, fonts: &Fonts) -> Result<Vec<u8>, PdfError> {
    if notice.sections.is_empty() {
        return Err(PdfError::Empty);
    }
    let g = geometry(layout);
    let inner = (g.width_mm - 2.0 * g.margin_mm) * MM;
    let t = g.text;
    let mut els: Vec<El> = Vec::new();
    let para = |els: &mut Vec<El>, s: &str, size: f32| {
        for line in wrap(s, size, inner) {
            els.push(El::Text { s: line, size });
        }
    };
    para(&mut els, &notice.issuer, t * 0.9);
    para(&mut els, "旅客权利告知书  NOTICE OF YOUR RIGHTS", g.title * 0.85);
    para(&mut els, &notice.heading, t * 1.1);
    for (title, paragraphs) in &notice.sections {
        els.push(El::Rule);
        para(&mut els, title, t * 1.15);
        for p in paragraphs {
            para(&mut els, p, t);
            els.push(El::Gap(t * 0.3));
        }
    }
    // Fixed-height pages take as many elements as fit; a receipt takes all.
    let usable = g.height_mm.map(|h| (h - 2.0 * g.margin_mm) * MM);
    let mut pages_els: Vec<Vec<El>> = vec![Vec::new()];
    let mut used = 0.0;
    for el in els {
        let h = el.height();
        if usable.is_some_and(|u| used + h > u) && !pages_els.last().is_some_and(Vec::is_empty) {
            pages_els.push(Vec::new());
            used = 0.0;
        }
        used += h;
        if let Some(p) = pages_els.last_mut() {
            p.push(el);
        }
    }
    let mut doc = PdfDocument::new("Notice of your rights");
    let source = |c: char| fonts.glyph(c);
    let mut glyphs = Glyphs::new(&source, None);
    let pages = pages_els
        .iter()
        .map(|els| layout_page(els, &g, &mut glyphs, &mut doc))
        .collect::<Result<Vec<_>, _>>()?;
    let font = cut(&fonts.bytes, fonts.index, &glyphs.own, &fonts.name)?;
    finish(doc, pages, [None, Some(font)], &mut Deflater::new(false))
}

/// The documents' font ids, one per [`Slot`]: each document has its own
/// resources, so fixed names do.
static FONT_IDS: LazyLock<[FontId; 2]> = LazyLock::new(|| [FontId("F0".into()), FontId("F1".into())]);

/// Adds the fonts (already cut to the document's glyphs, so printpdf
/// embeds them as they are) and writes the PDF.
fn finish(
    mut doc: PdfDocument,
    pages: Vec<PdfPage>,
    fonts: [Option<ParsedFont>; 2],
    deflater: &mut Deflater,
) -> Result<Vec<u8>, PdfError> {
    for (id, font) in FONT_IDS.iter().zip(fonts) {
        if let Some(font) = font {
            doc.resources.fonts.map.insert(id.clone(), PdfFont::new(font));
        }
    }
    // printpdf's own save deflates every stream at level 9, a third of a
    // voucher's time; the streams are deflated here instead.
    let opts = PdfSaveOptions { subset_fonts: false, optimize: false, ..PdfSaveOptions::default() };
    let mut pdf = doc.with_pages(pages).to_lopdf_document(&opts, &mut Vec::new());
    deflater.deflate_streams(&mut pdf);
    let mut out = Vec::new();
    pdf.save_to(&mut out).map_err(|e| PdfError::Write(e.to_string()))?;
    Ok(out)
}

/// Deflate level. Against level 3: zlib's default 6 made files 7 % smaller
/// for 15 % more time, printpdf's 9 smaller still for far more, and level 1
/// made a flight's file 48 % larger.
const DEFLATE_LEVEL: u32 = 3;

/// Deflates documents' streams with one compressor, reset for each stream
/// (setting one up costs as much as deflating a small stream). For a batch
/// it also keeps the first file's larger streams, deflated, for later files
/// that carry the very same bytes.
struct Deflater {
    z: Compress,
    batch: bool,
    learned: bool,
    streams: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Deflater {
    /// Streams this small cost less to deflate than to remember.
    const WORTH_KEEPING: usize = 1024;

    fn new(batch: bool) -> Deflater {
        Deflater {
            z: Compress::new(Compression::new(DEFLATE_LEVEL), true),
            batch,
            learned: false,
            streams: Vec::new(),
        }
    }

    fn deflate_streams(&mut self, pdf: &mut lopdf::Document) {
        let learning = self.batch && !self.learned;
        for object in pdf.objects.values_mut() {
            let lopdf::Object::Stream(stream) = object else { continue };
            if !stream.allows_compression || stream.dict.get(b"Filter").is_ok() {
                continue;
            }
            let deflated = match self.streams.iter().find(|(raw, _)| *raw == stream.content) {
                Some((_, deflated)) => deflated.clone(),
                None => {
                    let Some(deflated) = deflate(&mut self.z, &stream.content) else { continue };
                    if learning && stream.content.len() >= Self::WORTH_KEEPING {
                        self.streams.push((stream.content.clone(), deflated.clone()));
                    }
                    deflated
                }
            };
            // Deflate only pays when it saves more than the filter entry costs.
            if deflated.len() + 19 < stream.content.len() {
                stream.dict.set("Filter", "FlateDecode");
                stream.set_content(deflated);
            }
        }
        self.learned = true;
    }
}

/// The zlib stream of `input`; None if the compressor fails.
fn deflate(z: &mut Compress, input: &[u8]) -> Option<Vec<u8>> {
    z.reset();
    let mut out = Vec::with_capacity(input.len() / 2 + 64);
    loop {
        let consumed = usize::try_from(z.total_in()).ok()?;
        match z.compress_vec(input.get(consumed..)?, &mut out, FlushCompress::Finish).ok()? {
            Status::StreamEnd => return Some(out),
            Status::Ok | Status::BufError => out.reserve(out.capacity().max(64)),
        }
    }
}

/// The QR code's modules, row by row (true = dark), and its width.
/// Error correction M (15 %): a creased or smudged receipt still scans.
fn qr_modules(text: &str) -> Result<(Vec<bool>, usize), PdfError> {
    let code = crate::qr::encode(text).map_err(|e| PdfError::Qr(e.to_string()))?;
    Ok((code.modules, code.size))
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
