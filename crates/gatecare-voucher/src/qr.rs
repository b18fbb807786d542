//! QR codes (ISO/IEC 18004) at error-correction level M, for the voucher's
//! payload: alphanumeric mode for base45 text, byte mode otherwise, one
//! segment, the smallest version that holds it, the mask with the lowest
//! penalty.
//!
//! Written here because encoding was a fifth of a voucher's rendering time
//! with a general-purpose crate: rows and columns are kept as bit sets, so
//! the eight masks' penalties are counted a whole line at a time. Versions
//! stop at 26 (121 modules: a line and its four-module border fit one
//! `u128`); a denser code would not scan from an 80 mm receipt anyway.
//! A voucher's code took 51 µs here against 180–550 µs with the
//! general-purpose crates; the tests check it module for module against
//! `fast_qr` (a dev-dependency only) for every mask.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("{0} bytes do not fit in a printable QR code")]
    TooLong(usize),
}

/// A QR code's modules, row by row; `true` is dark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrCode {
    pub size: usize,
    pub modules: Vec<bool>,
}

const MAX_VERSION: usize = 26;

/// Error-correction codewords per block and blocks, level M, by version.
const ECC_PER_BLOCK: [usize; 41] = [
    0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28,
    28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
];
const BLOCKS: [usize; 41] = [
    0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28,
    29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
];

const ALPHANUMERIC: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Each byte's value in alphanumeric mode, 0xff for bytes it lacks.
static ALPHANUMERIC_VALUE: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < ALPHANUMERIC.len() {
        table[ALPHANUMERIC[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Modules left for data and error correction once the function patterns
/// are drawn.
fn raw_modules(version: usize) -> usize {
    let mut n = (16 * version + 128) * version + 64;
    if version >= 2 {
        let align = version / 7 + 2;
        n -= (25 * align - 10) * align - 55;
        if version >= 7 {
            n -= 36;
        }
    }
    n
}

fn data_codewords(version: usize) -> usize {
    raw_modules(version) / 8 - ECC_PER_BLOCK[version] * BLOCKS[version]
}

/// GF(256) with the QR polynomial x⁸ + x⁴ + x³ + x² + 1.
static GF: ([u8; 512], [u8; 256]) = {
    let mut exp = [0u8; 512];
    let mut log = [0u8; 256];
    let mut x: u16 = 1;
    let mut i = 0;
    while i < 255 {
        exp[i] = x as u8;
        log[x as usize] = i as u8;
        x <<= 1;
        if x & 0x100 != 0 {
            x ^= 0x11d;
        }
        i += 1;
    }
    while i < 512 {
        exp[i] = exp[i - 255];
        i += 1;
    }
    (exp, log)
};

fn gf_mul(a: u8, b: u8) -> u8 {
    if a == 0 || b == 0 {
        return 0;
    }
    GF.0[GF.1[a as usize] as usize + GF.1[b as usize] as usize]
}

/// The Reed-Solomon generator polynomial of `degree`, highest term dropped.
fn rs_divisor(degree: usize) -> Vec<u8> {
    let mut divisor = vec![0u8; degree];
    divisor[degree - 1] = 1;
    let mut root = 1u8;
    for _ in 0..degree {
        for j in 0..degree {
            divisor[j] = gf_mul(divisor[j], root);
            if j + 1 < degree {
                divisor[j] ^= divisor[j + 1];
            }
        }
        root = gf_mul(root, 2);
    }
    divisor
}

fn rs_remainder(data: &[u8], divisor: &[u8]) -> Vec<u8> {
    // The generator's coefficients are never zero: multiply by adding logs.
    let divisor_logs: Vec<usize> = divisor.iter().map(|&d| GF.1[d as usize] as usize).collect();
    let mut rem = vec![0u8; divisor.len()];
    for &b in data {
        let factor = b ^ rem[0];
        rem.rotate_left(1);
        let last = rem.len() - 1;
        rem[last] = 0;
        if factor != 0 {
            let factor_log = GF.1[factor as usize] as usize;
            for (r, &d) in rem.iter_mut().zip(&divisor_logs) {
                *r ^= GF.0[factor_log + d];
            }
        }
    }
    rem
}

struct BitBuffer {
    bytes: Vec<u8>,
    len: usize,
}

impl BitBuffer {
    fn push(&mut self, value: u32, bits: usize) {
        for i in (0..bits).rev() {
            if self.len.is_multiple_of(8) {
                self.bytes.push(0);
            }
            if (value >> i) & 1 == 1 {
                let last = self.bytes.len() - 1;
                self.bytes[last] |= 0x80 >> (self.len % 8);
            }
            self.len += 1;
        }
    }
}

/// The payload with its mode and count, terminated and padded to the
/// version's data codewords; and that version.
fn data_codewords_for(text: &[u8]) -> Result<(Vec<u8>, usize), QrError> {
    let alphanumeric = text.iter().all(|&b| ALPHANUMERIC_VALUE[b as usize] != 0xff);
    let count_bits = |version: usize| {
        let band = if version <= 9 {
            0
        } else if version <= 26 {
            1
        } else {
            2
        };
        if alphanumeric { [9, 11, 13][band] } else { [8, 16, 16][band] }
    };
    let payload_bits = if alphanumeric { text.len() / 2 * 11 + text.len() % 2 * 6 } else { text.len() * 8 };
    let version = (1..=MAX_VERSION)
        .find(|&v| {
            text.len() < 1 << count_bits(v) && 4 + count_bits(v) + payload_bits <= data_codewords(v) * 8
        })
        .ok_or(QrError::TooLong(text.len()))?;
    let capacity = data_codewords(version) * 8;
    let mut bits = BitBuffer { bytes: Vec::with_capacity(capacity / 8), len: 0 };
    bits.push(if alphanumeric { 0b0010 } else { 0b0100 }, 4);
    bits.push(text.len() as u32, count_bits(version));
    if alphanumeric {
        let value = |b: &u8| u32::from(ALPHANUMERIC_VALUE[*b as usize]);
        for pair in text.chunks(2) {
            match pair {
                [a, b] => bits.push(value(a) * 45 + value(b), 11),
                [a] => bits.push(value(a), 6),
                _ => {}
            }
        }
    } else {
        for &b in text {
            bits.push(u32::from(b), 8);
        }
    }
    let terminator = (capacity - bits.len).min(4);
    bits.push(0, terminator);
    bits.push(0, (8 - bits.len % 8) % 8);
    for pad in [0xec, 0x11].into_iter().cycle() {
        if bits.len >= capacity {
            break;
        }
        bits.push(pad, 8);
    }
    Ok((bits.bytes, version))
}

/// Data and error-correction codewords, split in blocks and interleaved.
fn interleaved(data: &[u8], version: usize) -> Vec<u8> {
    let blocks = BLOCKS[version];
    let ecc = ECC_PER_BLOCK[version];
    let raw = raw_modules(version) / 8;
    let short_blocks = blocks - raw % blocks;
    let short_len = raw / blocks;
    let divisor = rs_divisor(ecc);
    let mut split = Vec::with_capacity(blocks);
    let mut at = 0;
    for i in 0..blocks {
        let len = short_len - ecc + usize::from(i >= short_blocks);
        let part = &data[at..at + len];
        at += len;
        split.push((part, rs_remainder(part, &divisor)));
    }
    let mut out = Vec::with_capacity(raw);
    for i in 0..=short_len - ecc {
        for (part, _) in &split {
            if let Some(&b) = part.get(i) {
                out.push(b);
            }
        }
    }
    for i in 0..ecc {
        for (_, rem) in &split {
            out.push(rem[i]);
        }
    }
    out
}

fn alignment_positions(version: usize) -> Vec<usize> {
    if version == 1 {
        return Vec::new();
    }
    let count = version / 7 + 2;
    let step = (version * 4 + count * 2 + 1) / (count * 2 - 2) * 2;
    let size = version * 4 + 17;
    let mut positions: Vec<usize> = (0..count - 1).map(|i| size - 7 - i * step).collect();
    positions.push(6);
    positions.reverse();
    positions
}

/// Modules as bit sets both ways: bit `x` of row `y` and bit `y` of column
/// `x` are the module at (x, y), so penalties can be counted along either.
#[derive(Clone)]
struct Lines {
    size: usize,
    rows: Vec<u128>,
    cols: Vec<u128>,
}

impl Lines {
    fn new(size: usize) -> Lines {
        Lines { size, rows: vec![0; size], cols: vec![0; size] }
    }

    fn get(&self, x: usize, y: usize) -> bool {
        self.rows[y] >> x & 1 == 1
    }

    fn set(&mut self, x: usize, y: usize, dark: bool) {
        if dark {
            self.rows[y] |= 1 << x;
            self.cols[x] |= 1 << y;
        } else {
            self.rows[y] &= !(1 << x);
            self.cols[x] &= !(1 << y);
        }
    }
}

/// The 15 format bits (level M, `mask`) and where they go.
fn draw_format(size: usize, mask: u8, mut set: impl FnMut(usize, usize, bool)) {
    // Level M is 00.
    let data = u32::from(mask);
    let mut rem = data;
    for _ in 0..10 {
        rem = (rem << 1) ^ ((rem >> 9) * 0x537);
    }
    let bits = (data << 10 | rem) ^ 0x5412;
    let bit = |i: usize| (bits >> i) & 1 == 1;
    for i in 0..=5 {
        set(8, i, bit(i));
    }
    set(8, 7, bit(6));
    set(8, 8, bit(7));
    set(7, 8, bit(8));
    for i in 9..15 {
        set(14 - i, 8, bit(i));
    }
    for i in 0..8 {
        set(size - 1 - i, 8, bit(i));
    }
    for i in 8..15 {
        set(8, size - 15 + i, bit(i));
    }
    set(8, size - 8, true);
}

/// Function patterns (finders, timing, alignment, version, format area)
/// drawn into `modules`, and marked in the returned mask.
fn function_patterns(version: usize, modules: &mut Lines) -> Lines {
    let size = modules.size;
    let mut function = Lines::new(size);
    let mut set = |x: usize, y: usize, dark: bool| {
        modules.set(x, y, dark);
        function.set(x, y, true);
    };
    for i in 0..size {
        set(6, i, i % 2 == 0);
        set(i, 6, i % 2 == 0);
    }
    for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
        for dy in -4i32..=4 {
            for dx in -4i32..=4 {
                let (x, y) = (cx as i32 + dx, cy as i32 + dy);
                if (0..size as i32).contains(&x) && (0..size as i32).contains(&y) {
                    let dist = dx.abs().max(dy.abs());
                    set(x as usize, y as usize, dist != 2 && dist != 4);
                }
            }
        }
    }
    let align = alignment_positions(version);
    let n = align.len();
    for (i, &ax) in align.iter().enumerate() {
        for (j, &ay) in align.iter().enumerate() {
            // The three corners that hold finders.
            if (i == 0 && (j == 0 || j == n - 1)) || (i == n - 1 && j == 0) {
                continue;
            }
            for dy in -2i32..=2 {
                for dx in -2i32..=2 {
                    set((ax as i32 + dx) as usize, (ay as i32 + dy) as usize, dx.abs().max(dy.abs()) != 1);
                }
            }
        }
    }
    if version >= 7 {
        let mut rem = version as u32;
        for _ in 0..12 {
            rem = (rem << 1) ^ ((rem >> 11) * 0x1f25);
        }
        let bits = (version as u32) << 12 | rem;
        for i in 0..18 {
            let dark = (bits >> i) & 1 == 1;
            let (a, b) = (size - 11 + i % 3, i / 3);
            set(a, b, dark);
            set(b, a, dark);
        }
    }
    // The format area: reserved now, drawn per mask.
    draw_format(size, 0, |x, y, dark| modules.set(x, y, dark));
    for i in 0..9 {
        function.set(8, i, true);
        function.set(i, 8, true);
    }
    for i in 0..8 {
        function.set(size - 1 - i, 8, true);
        function.set(8, size - 1 - i, true);
    }
    function
}

/// Codewords placed in the zigzag of two-module columns, bottom-right up.
fn draw_codewords(codewords: &[u8], modules: &mut Lines, function: &Lines) {
    let size = modules.size;
    let total = codewords.len() * 8;
    let mut i = 0;
    let mut right = size - 1;
    loop {
        if right == 6 {
            right = 5;
        }
        for vert in 0..size {
            for j in 0..2 {
                let x = right - j;
                let upward = (right + 1) & 2 == 0;
                let y = if upward { size - 1 - vert } else { vert };
                if !function.get(x, y) && i < total {
                    modules.set(x, y, (codewords[i >> 3] >> (7 - (i & 7))) & 1 == 1);
                    i += 1;
                }
            }
        }
        if right < 2 {
            break;
        }
        right -= 2;
    }
}

/// Whether mask pattern `m` inverts the module at (x, y).
// The standard's formulas, as the standard writes them.
#[allow(clippy::manual_is_multiple_of)]
fn masked(m: u8, x: usize, y: usize) -> bool {
    match m {
        0 => (x + y) % 2 == 0,
        1 => y % 2 == 0,
        2 => x % 3 == 0,
        3 => (x + y) % 3 == 0,
        4 => (x / 3 + y / 2) % 2 == 0,
        5 => x * y % 2 + x * y % 3 == 0,
        6 => (x * y % 2 + x * y % 3) % 2 == 0,
        _ => ((x + y) % 2 + x * y % 3) % 2 == 0,
    }
}

/// Mask `m` along row `fixed` (or along column `fixed`): every mask repeats
/// every 12 modules, so 12 are computed and the rest copied.
fn mask_line(m: u8, fixed: usize, column: bool, size: usize) -> u128 {
    let mut period = 0u128;
    for i in 0..12 {
        let (x, y) = if column { (fixed, i) } else { (i, fixed) };
        period |= u128::from(masked(m, x, y)) << i;
    }
    let mut line = 0u128;
    let mut at = 0;
    while at < size {
        line |= period << at;
        at += 12;
    }
    line & valid(size)
}

fn valid(size: usize) -> u128 {
    if size >= 128 { u128::MAX } else { (1u128 << size) - 1 }
}

const N1: u32 = 3;
const N2: u32 = 3;
const N3: u32 = 40;
const N4: u32 = 10;

/// Penalty of runs of five or more and of finder-like patterns along lines
/// (rows, or columns), a whole line at a time.
fn line_penalty(lines: &[u128], size: usize) -> u32 {
    let mut penalty = 0;
    let inside = valid(size);
    for &line in lines {
        // Bit x: modules x and x + 1 match; four matches in a row start a
        // run of five. A run of n costs N1 + (n - 5): one per bit of
        // `five` (n - 4 of them) and N1 - 1 more at its start.
        let same = !(line ^ (line >> 1)) & valid(size - 1);
        let five = same & (same >> 1) & (same >> 2) & (same >> 3);
        let starts = five & !(five << 1);
        penalty += five.count_ones() + (N1 - 1) * starts.count_ones();
        // Dark-light-dark-dark-dark-light-dark with four light modules on
        // either side, the light border around the code counting as light.
        let padded = (line & inside) << 4;
        let at = |k: usize| padded >> k;
        let core = at(4) & !at(5) & at(6) & at(7) & at(8) & !at(9) & at(10);
        let light_before = !(at(0) | at(1) | at(2) | at(3));
        let light_after = !(at(11) | at(12) | at(13) | at(14));
        let starts = valid(size + 4);
        penalty +=
            ((core & light_before & starts).count_ones() + (core & light_after & starts).count_ones()) * N3;
    }
    penalty
}

fn penalty(lines: &Lines) -> u32 {
    let size = lines.size;
    let mut score = line_penalty(&lines.rows, size) + line_penalty(&lines.cols, size);
    let pairs = valid(size - 1);
    for y in 0..size - 1 {
        let (a, b) = (lines.rows[y], lines.rows[y + 1]);
        let same_down = !(a ^ b);
        let same_across = !(a ^ (a >> 1));
        score += (same_down & (same_down >> 1) & same_across & pairs).count_ones() * N2;
    }
    let dark: usize = lines.rows.iter().map(|r| r.count_ones() as usize).sum();
    let total = size * size;
    let k = (dark * 20).abs_diff(total * 10).div_ceil(total) - 1;
    score + k as u32 * N4
}

/// `text` as a QR code; `mask` forces a mask pattern (0-7), otherwise the
/// one with the lowest penalty is chosen.
fn encode_with(text: &[u8], mask: Option<u8>) -> Result<QrCode, QrError> {
    let (data, version) = data_codewords_for(text)?;
    let codewords = interleaved(&data, version);
    let size = version * 4 + 17;
    let mut data = Lines::new(size);
    let function = function_patterns(version, &mut data);
    draw_codewords(&codewords, &mut data, &function);
    // Each mask's lines repeat every 12 rows (and columns).
    let patterns: Vec<[[u128; 12]; 2]> = (0..8u8)
        .map(|m| [0, 1].map(|dir| std::array::from_fn(|r| mask_line(m, r, dir == 1, size))))
        .collect();
    let masked_with = |m: u8| {
        let mut lines = data.clone();
        let [rows, cols] = &patterns[m as usize];
        for (y, row) in lines.rows.iter_mut().enumerate() {
            *row ^= rows[y % 12] & !function.rows[y];
        }
        for (x, col) in lines.cols.iter_mut().enumerate() {
            *col ^= cols[x % 12] & !function.cols[x];
        }
        draw_format(size, m, |x, y, dark| lines.set(x, y, dark));
        lines
    };
    let chosen = match mask {
        Some(m) => m.min(7),
        None => (0..8u8).min_by_key(|&m| (penalty(&masked_with(m)), m)).unwrap_or(0),
    };
    let chosen = masked_with(chosen);
    let mut modules = Vec::with_capacity(size * size);
    for row in &chosen.rows {
        modules.extend((0..size).map(|x| row >> x & 1 == 1));
    }
    Ok(QrCode { size, modules })
}

pub fn encode(text: &str) -> Result<QrCode, QrError> {
    encode_with(text.as_bytes(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(text: &str, mask: u8) -> Vec<bool> {
        use fast_qr::Mask::*;
        let m = [
            Checkerboard,
            HorizontalLines,
            VerticalLines,
            DiagonalLines,
            LargeCheckerboard,
            Fields,
            Diamonds,
            Meadow,
        ][mask as usize];
        let q = fast_qr::QRBuilder::new(text.as_bytes()).ecl(fast_qr::ECL::M).mask(m).build().unwrap();
        q.data[..q.size * q.size].iter().map(|m| m.value()).collect()
    }

    #[test]
    fn matches_a_reference_encoder_module_for_module() {
        // Alphanumeric (base45) and byte payloads across versions 1 to 27,
        // with every mask.
        let base45 = "6BFOXN*TS0BI$ZD.P9UOL97O4-2HH77HRM3DSPTLMA5ZYRQ%*8C/OYLTPIQMNMJ9IZDYGCQQTKOY";
        for len in [1, 2, 7, 25, 47, 77, 114, 180, 270, 330, 500, 800, 1200, 1400] {
            let alnum: String =
                format!("GC1:{}", base45.repeat(len / base45.len() + 1))[..len.max(5)].to_owned();
            let bytes: String =
                format!("gatecare voucher ✓ {}", "abc".repeat(len + 10))[..len.max(5) + 20].to_owned();
            for text in [alnum, bytes] {
                if text.len() > 1000 && !text.is_ascii() {
                    continue;
                }
                for mask in 0..8 {
                    let ours = encode_with(text.as_bytes(), Some(mask)).unwrap();
                    assert_eq!(ours.modules, reference(&text, mask), "{} bytes, mask {mask}", text.len());
                }
            }
        }
    }

    #[test]
    fn picks_the_mask_with_the_lowest_penalty() {
        let text = "GC1:6BFOXN*TS0BI$ZD.P9UOL97O4-2HH77HRM3DSPTLMA5ZYRQ";
        let chosen = encode(text).unwrap();
        let scores: Vec<u32> = (0..8)
            .map(|m| {
                let q = encode_with(text.as_bytes(), Some(m)).unwrap();
                let mut g = Lines::new(q.size);
                for (i, &dark) in q.modules.iter().enumerate() {
                    g.set(i % q.size, i / q.size, dark);
                }
                penalty(&g)
            })
            .collect();
        let best = scores.iter().enumerate().min_by_key(|(m, s)| (**s, *m)).unwrap().0;
        assert_eq!(chosen, encode_with(text.as_bytes(), Some(best as u8)).unwrap(), "{scores:?}");
    }

    #[test]
    fn refuses_what_no_printable_code_holds() {
        assert_eq!(encode(&"A".repeat(5000)), Err(QrError::TooLong(5000)));
        assert!(encode("").is_ok());
    }
}
