//! A small byte-level JSON scanner that knows where every value sits.
//!
//! serde_json tells us *what* a record holds; this module tells us *where*: the byte
//! span of each record inside a container (array, lines, `{logs:[…]}`) and the span
//! and path of each scalar inside a record. Ingest uses it to split a file into
//! records without parsing it twice, and redaction uses it to rewrite only the byte
//! ranges that hold personal data, copying everything else through.
//!
//! The scanner is strict JSON (RFC 8259) except where a caller asks for leniency,
//! and it never allocates for values: spans point into the caller's buffer.

use std::fmt;

/// A scanning failure at a byte offset of the buffer being scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    pub offset: usize,
    pub kind: ScanErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanErrorKind {
    /// The input ended inside a value.
    UnexpectedEnd,
    /// A byte that cannot start or continue a value here.
    UnexpectedByte(u8),
    /// A string was not closed before the end of its line or of the input.
    UnterminatedString,
    /// `]` closing `{`, or `}` closing `[`.
    MismatchedBracket,
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
}

/// Nesting depth at which the scanner gives up (real Auth0 events nest < 12 deep).
pub const MAX_DEPTH: usize = 512;

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ScanErrorKind::UnexpectedEnd => write!(f, "input ends inside a JSON value"),
            ScanErrorKind::UnexpectedByte(b) => {
                if b.is_ascii_graphic() || b == b' ' {
                    write!(f, "unexpected character '{}'", b as char)
                } else {
                    write!(f, "unexpected byte 0x{b:02x}")
                }
            }
            ScanErrorKind::UnterminatedString => write!(f, "string is not closed"),
            ScanErrorKind::MismatchedBracket => write!(f, "closing bracket does not match"),
            ScanErrorKind::TooDeep => write!(f, "nesting deeper than {MAX_DEPTH} levels"),
        }
    }
}

fn err(offset: usize, kind: ScanErrorKind) -> ScanError {
    ScanError { offset, kind }
}

/// Index of the first byte at or after `pos` that is not JSON whitespace.
#[inline]
pub fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while pos < b.len() && matches!(b[pos], b' ' | b'\n' | b'\r' | b'\t') {
        pos += 1;
    }
    pos
}

/// `b[pos]` is `"`: returns the index just past the closing quote.
/// Raw control characters (including newlines) end a string with an error, so a
/// cut-off string on one line of NDJSON never swallows the following lines.
#[inline]
pub fn scan_string(b: &[u8], pos: usize) -> Result<usize, ScanError> {
    debug_assert_eq!(b.get(pos), Some(&b'"'));
    let mut i = pos + 1;
    loop {
        i = find_string_special(b, i);
        match b.get(i) {
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => i += 2,
            Some(_) => return Err(err(i, ScanErrorKind::UnterminatedString)),
            None => return Err(err(b.len(), ScanErrorKind::UnterminatedString)),
        }
    }
}

const ONES: u64 = u64::MAX / 255;
const HIGHS: u64 = ONES << 7;

/// The first index at or after `i` holding `"`, `\\` or a control character
/// (< 0x20), or `b.len()`. Eight bytes at a time (SWAR, as serde_json does): a
/// byte's high bit in the mask flags it; the lowest flag is always exact.
#[inline]
pub(crate) fn find_string_special(b: &[u8], mut i: usize) -> usize {
    while i + 8 <= b.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        let v = u64::from_le_bytes(w);
        let ctl = v.wrapping_sub(ONES * 0x20) & !v;
        let q = v ^ (ONES * b'"' as u64);
        let quote = q.wrapping_sub(ONES) & !q;
        let e = v ^ (ONES * b'\\' as u64);
        let escape = e.wrapping_sub(ONES) & !e;
        let mask = (ctl | quote | escape) & HIGHS;
        if mask != 0 {
            return i + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && !matches!(b[i], b'"' | b'\\' | 0..=0x1f) {
        i += 1;
    }
    i
}

/// Scans a number, `true`, `false` or `null` starting at `pos`; returns its end.
/// The exact grammar is left to serde_json; this only finds the extent.
#[inline]
fn scan_atom(b: &[u8], pos: usize) -> Result<usize, ScanError> {
    let mut i = pos;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'-' | b'+' | b'.')) {
        i += 1;
    }
    if i == pos {
        return Err(err(pos, ScanErrorKind::UnexpectedByte(b[pos])));
    }
    Ok(i)
}

/// Skips one complete JSON value starting at `pos` (which must not be whitespace)
/// and returns the index just past it. Trailing commas inside the value are
/// tolerated here (serde_json judges them later); only the extent matters.
pub fn skip_value(b: &[u8], pos: usize) -> Result<usize, ScanError> {
    let Some(&first) = b.get(pos) else {
        return Err(err(pos, ScanErrorKind::UnexpectedEnd));
    };
    match first {
        b'"' => scan_string(b, pos),
        b'{' | b'[' => {
            // The open brackets as a bit stack (1 = `{`), MAX_DEPTH bits: no allocation.
            let mut stack = [0u64; MAX_DEPTH / 64];
            let mut depth = 0usize;
            let mut i = pos;
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        i = scan_string(b, i)?;
                        continue;
                    }
                    open @ (b'{' | b'[') => {
                        if depth >= MAX_DEPTH {
                            return Err(err(i, ScanErrorKind::TooDeep));
                        }
                        let bit = 1u64 << (depth % 64);
                        if open == b'{' {
                            stack[depth / 64] |= bit;
                        } else {
                            stack[depth / 64] &= !bit;
                        }
                        depth += 1;
                    }
                    close @ (b'}' | b']') => {
                        if depth == 0 {
                            return Err(err(i, ScanErrorKind::MismatchedBracket));
                        }
                        depth -= 1;
                        let brace = stack[depth / 64] & (1u64 << (depth % 64)) != 0;
                        if brace != (close == b'}') {
                            return Err(err(i, ScanErrorKind::MismatchedBracket));
                        }
                        if depth == 0 {
                            return Ok(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            Err(err(b.len(), ScanErrorKind::UnexpectedEnd))
        }
        b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => scan_atom(b, pos),
        other => Err(err(pos, ScanErrorKind::UnexpectedByte(other))),
    }
}

/// One step of a path from a record's root to a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg<'a> {
    /// An object key, as written between the quotes (escapes not decoded).
    Key(&'a str),
    /// An array index.
    Index(usize),
}

/// What kind of scalar [`walk`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// A string; its span includes the quotes.
    Str,
    Number,
    Bool,
    Null,
    /// An empty object or array (`{}` / `[]`), reported so rules can see it.
    Empty,
}

/// Walks every scalar of the JSON value at `b[pos..]`, calling `visit(path, kind,
/// start, end)` with the scalar's byte span. Returns the end of the value.
///
/// Strict about structure (unlike [`skip_value`]): a trailing comma is an error here,
/// because callers only walk values that serde_json has already accepted.
pub fn walk<'a, F>(b: &'a [u8], pos: usize, mut visit: F) -> Result<usize, ScanError>
where
    F: FnMut(&[Seg<'a>], Scalar, usize, usize),
{
    let mut path: Vec<Seg<'a>> = Vec::with_capacity(16);
    walk_value(b, pos, &mut path, &mut visit)
}

fn walk_value<'a, F>(
    b: &'a [u8],
    pos: usize,
    path: &mut Vec<Seg<'a>>,
    visit: &mut F,
) -> Result<usize, ScanError>
where
    F: FnMut(&[Seg<'a>], Scalar, usize, usize),
{
    if path.len() >= MAX_DEPTH {
        return Err(err(pos, ScanErrorKind::TooDeep));
    }
    let Some(&first) = b.get(pos) else {
        return Err(err(pos, ScanErrorKind::UnexpectedEnd));
    };
    match first {
        b'"' => {
            let end = scan_string(b, pos)?;
            visit(path, Scalar::Str, pos, end);
            Ok(end)
        }
        b'{' => {
            let mut i = skip_ws(b, pos + 1);
            if b.get(i) == Some(&b'}') {
                visit(path, Scalar::Empty, pos, i + 1);
                return Ok(i + 1);
            }
            loop {
                if b.get(i) != Some(&b'"') {
                    return Err(unexpected(b, i));
                }
                let kend = scan_string(b, i)?;
                let key = std::str::from_utf8(&b[i + 1..kend - 1]).unwrap_or("");
                i = skip_ws(b, kend);
                if b.get(i) != Some(&b':') {
                    return Err(unexpected(b, i));
                }
                i = skip_ws(b, i + 1);
                path.push(Seg::Key(key));
                i = walk_value(b, i, path, visit)?;
                path.pop();
                i = skip_ws(b, i);
                match b.get(i) {
                    Some(b',') => i = skip_ws(b, i + 1),
                    Some(b'}') => return Ok(i + 1),
                    _ => return Err(unexpected(b, i)),
                }
            }
        }
        b'[' => {
            let mut i = skip_ws(b, pos + 1);
            if b.get(i) == Some(&b']') {
                visit(path, Scalar::Empty, pos, i + 1);
                return Ok(i + 1);
            }
            let mut idx = 0;
            loop {
                path.push(Seg::Index(idx));
                i = walk_value(b, i, path, visit)?;
                path.pop();
                idx += 1;
                i = skip_ws(b, i);
                match b.get(i) {
                    Some(b',') => i = skip_ws(b, i + 1),
                    Some(b']') => return Ok(i + 1),
                    _ => return Err(unexpected(b, i)),
                }
            }
        }
        b't' | b'f' => {
            let end = scan_atom(b, pos)?;
            visit(path, Scalar::Bool, pos, end);
            Ok(end)
        }
        b'n' => {
            let end = scan_atom(b, pos)?;
            visit(path, Scalar::Null, pos, end);
            Ok(end)
        }
        b'-' | b'0'..=b'9' => {
            let end = scan_atom(b, pos)?;
            visit(path, Scalar::Number, pos, end);
            Ok(end)
        }
        other => Err(err(pos, ScanErrorKind::UnexpectedByte(other))),
    }
}

fn unexpected(b: &[u8], i: usize) -> ScanError {
    match b.get(i) {
        Some(&c) => err(i, ScanErrorKind::UnexpectedByte(c)),
        None => err(i, ScanErrorKind::UnexpectedEnd),
    }
}

/// Maps byte offsets of one buffer to 1-based line and column numbers.
/// Columns count characters (not bytes), as editors and lnav show them.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(b: &[u8]) -> Self {
        let mut starts = Vec::with_capacity(b.len() / 256 + 1);
        starts.push(0);
        starts.extend(b.iter().enumerate().filter(|(_, &c)| c == b'\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// (line, column), both 1-based.
    pub fn position(&self, b: &[u8], offset: usize) -> (usize, usize) {
        let offset = offset.min(b.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col = String::from_utf8_lossy(&b[start..offset]).chars().count() + 1;
        (line + 1, col)
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text<'b>(&self, b: &'b [u8], line: usize) -> std::borrow::Cow<'b, str> {
        let start = self.starts.get(line - 1).copied().unwrap_or(b.len());
        let end = self.starts.get(line).map(|&s| s - 1).unwrap_or(b.len());
        let end = if end > start && b[end - 1] == b'\r' { end - 1 } else { end };
        String::from_utf8_lossy(&b[start..end.max(start)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_nested_values_with_tricky_strings() {
        let s = br#"{"a":"x}]\"y","b":[1,{"c":null}]} tail"#;
        let end = skip_value(s, 0).unwrap();
        assert_eq!(&s[end..], b" tail");
    }

    #[test]
    fn unterminated_string_stops_at_line_end() {
        let s = b"{\"a\":\"abc\n{\"b\":1}";
        let e = skip_value(s, 0).unwrap_err();
        assert_eq!(e.kind, ScanErrorKind::UnterminatedString);
        assert_eq!(e.offset, 9);
    }

    #[test]
    fn mismatched_bracket_is_reported_where_it_is() {
        let s = br#"{"a":[1,2}"#;
        let e = skip_value(s, 0).unwrap_err();
        assert_eq!(e, ScanError { offset: 9, kind: ScanErrorKind::MismatchedBracket });
    }

    #[test]
    fn walk_reports_paths_and_spans() {
        let s = br#"{"ip":"1.2.3.4","details":{"qs":{"state":"abc"},"n":[1,true]},"e":{}}"#;
        let mut seen = Vec::new();
        walk(s, 0, |path, kind, a, z| {
            let p: Vec<String> = path
                .iter()
                .map(|s| match s {
                    Seg::Key(k) => k.to_string(),
                    Seg::Index(i) => i.to_string(),
                })
                .collect();
            seen.push((p.join("."), kind, String::from_utf8_lossy(&s[a..z]).into_owned()));
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![
                ("ip".into(), Scalar::Str, "\"1.2.3.4\"".into()),
                ("details.qs.state".into(), Scalar::Str, "\"abc\"".into()),
                ("details.n.0".into(), Scalar::Number, "1".into()),
                ("details.n.1".into(), Scalar::Bool, "true".into()),
                ("e".into(), Scalar::Empty, "{}".into()),
            ]
        );
    }

    #[test]
    fn line_index_counts_characters_not_bytes() {
        let s = "ab\n\u{e9}\u{e9}x\n".as_bytes();
        let idx = LineIndex::new(s);
        // 'x' is at byte 7 (two 2-byte characters before it on line 2).
        assert_eq!(idx.position(s, 7), (2, 3));
        assert_eq!(idx.line_text(s, 2), "\u{e9}\u{e9}x");
    }
}
