//! A fast reader for the common record: a plain Auth0 event object.
//!
//! serde_json's derived visitors cost ~30k instructions per 1.6 KB event, most of
//! it in skipping the many fields Inflight does not read (`details.prompts[]`'s
//! keys, `riskAssessment`, `user_agent`, …) one token at a time through
//! `IgnoredAny`, and in moving the large [`RawEvent`] between layers. This reader
//! walks the object once with [`jsonscan`]'s SWAR string scan, borrows every
//! string without escapes, and fills the same `RawEvent` the derived code would.
//!
//! It only ever *accepts* what serde would accept with the same result, and it
//! gives up (returns `None`) on anything else, so the caller then reads the record
//! through serde exactly as before:
//! - any key with a backslash (serde decodes it, and it might name a field), a
//!   repeated known key (serde reports a duplicate field), a key naming an envelope,
//!   vendor or flattened column (those records go through `vendor::unwrap`), a
//!   record with neither `type` nor `date`, nesting deeper than [`MAX_DEPTH`];
//! - any syntax fault. Skipped values are checked as strictly as serde's
//!   `IgnoredAny` does (string escapes and control characters, the number grammar,
//!   literals, no trailing commas).
//!
//! A known field whose value is not in a simple form (a string with escapes, a
//! float, an array where a string is expected, …) is handed to serde on its own
//! (`serde_json::from_str::<FieldType>` on the value's exact text), which yields
//! what serde would have produced in place.

use crate::jsonscan;
use crate::model::{LooseNum, LooseObj, LooseSeq, LooseStr, RawActions, RawDetails, RawError, RawEvent, RawPrompt, RawStats};
use serde::Deserialize;
use std::borrow::Cow;

/// Deeper than this, give up (serde's own limit is 128 levels).
const MAX_DEPTH: usize = 100;

/// A plain event read from `text[start..]` (`text[start]` is `{`): the raw event
/// and the index just past the object. `None`: read it through serde instead.
pub(crate) struct Fast<'a> {
    pub raw: RawEvent<'a>,
    pub end: usize,
}

pub(crate) fn read_event(text: &str, start: usize) -> Option<Fast<'_>> {
    let mut r = R { s: text, b: text.as_bytes(), i: start };
    let mut raw = RawEvent::default();
    let (mut log_id, mut id) = (None, None);
    let mut seen = 0u32;
    r.object(1, |r, key, depth| {
        let bit = match key {
            b"date" => 0,
            b"type" => 1,
            b"description" => 2,
            b"client_name" => 3,
            b"connection" => 4,
            b"details" => 5,
            b"log_id" => 6,
            b"_id" => 7,
            _ => {
                if known_elsewhere(key) {
                    return None;
                }
                return r.skip(depth);
            }
        };
        if seen & (1 << bit) != 0 {
            return None;
        }
        seen |= 1 << bit;
        match bit {
            0 => raw.date = r.loose_str(depth)?,
            1 => raw.type_code = r.loose_str(depth)?,
            2 => raw.description = r.loose_str(depth)?,
            3 => raw.client_name = r.loose_str(depth)?,
            4 => raw.connection = r.loose_str(depth)?,
            5 => raw.details = r.details(depth)?,
            6 => log_id = r.raw_value(depth)?,
            _ => id = r.raw_value(depth)?,
        }
        Some(())
    })?;
    if raw.type_code.0.is_none() && raw.date.0.is_none() {
        return None;
    }
    // `Option<&RawValue>` as serde reads it (`null` is `None`), from the value's text.
    raw.log_id = match log_id {
        Some(t) => Some(serde_json::from_str(t).ok()?),
        None => None,
    };
    raw.id = match id {
        Some(t) => Some(serde_json::from_str(t).ok()?),
        None => None,
    };
    Some(Fast { raw, end: r.i })
}

/// Keys of [`RawEvent`] this reader does not handle: envelopes, vendor markers and
/// flattened columns.
fn known_elsewhere(key: &[u8]) -> bool {
    key.starts_with(b"details_")
        || key.starts_with(b"p_")
        || matches!(
            key,
            b"data"
                | b"detail"
                | b"json"
                | b"specversion"
                | b"eventType"
                | b"_source"
                | b"attributes"
                | b"message"
                | b"result"
                | b"type_s"
                | b"date_t"
                | b"TimeGenerated"
                | b"description_s"
                | b"log_id_s"
                | b"client_name_s"
                | b"connection_s"
                | b"isMobile_b"
        )
}

struct R<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> R<'a> {
    #[inline]
    fn ws(&mut self) {
        self.i = jsonscan::skip_ws(self.b, self.i);
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// An object at `self.i` (after whitespace): calls `field(self, key, depth)`
    /// with `self.i` at the value (whitespace skipped) for each key; `field` must
    /// leave `self.i` just past the value. `depth` is the value's depth.
    fn object(&mut self, depth: usize, mut field: impl FnMut(&mut Self, &'a [u8], usize) -> Option<()>) -> Option<()> {
        if depth > MAX_DEPTH || self.peek() != Some(b'{') {
            return None;
        }
        self.i += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Some(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return None;
            }
            let end = self.string_plain()?;
            let key = &self.b[self.i + 1..end - 1];
            self.i = end;
            self.ws();
            if self.peek() != Some(b':') {
                return None;
            }
            self.i += 1;
            self.ws();
            field(self, key, depth + 1)?;
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b'}') => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// An array at `self.i`: calls `item(self, depth)` with `self.i` at each element.
    fn array(&mut self, depth: usize, mut item: impl FnMut(&mut Self, usize) -> Option<()>) -> Option<()> {
        if depth > MAX_DEPTH || self.peek() != Some(b'[') {
            return None;
        }
        self.i += 1;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Some(());
        }
        loop {
            item(self, depth + 1)?;
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b']') => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string at `self.i` without escapes: the index past its closing quote.
    /// `None` for a string with a backslash or a control character.
    #[inline]
    fn string_plain(&self) -> Option<usize> {
        let j = jsonscan::find_string_special(self.b, self.i + 1);
        (self.b.get(j) == Some(&b'"')).then_some(j + 1)
    }

    /// Skips a string at `self.i`, checking escapes as serde's `ignore_str` does.
    fn skip_string(&mut self) -> Option<()> {
        let mut j = self.i + 1;
        loop {
            j = jsonscan::find_string_special(self.b, j);
            match self.b.get(j)? {
                b'"' => {
                    self.i = j + 1;
                    return Some(());
                }
                b'\\' => match self.b.get(j + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => j += 2,
                    b'u' => {
                        let hex = self.b.get(j + 2..j + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        j += 6;
                    }
                    _ => return None,
                },
                _ => return None,
            }
        }
    }

    /// Skips a number at `self.i` by the JSON grammar (as serde's `ignore_number`).
    fn skip_number(&mut self) -> Option<()> {
        let b = self.b;
        let mut j = self.i;
        if b.get(j) == Some(&b'-') {
            j += 1;
        }
        match b.get(j)? {
            b'0' => j += 1,
            b'1'..=b'9' => {
                while b.get(j).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                }
            }
            _ => return None,
        }
        if b.get(j) == Some(&b'.') {
            j += 1;
            if !b.get(j).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
        }
        if matches!(b.get(j), Some(b'e' | b'E')) {
            j += 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            if !b.get(j).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
        }
        self.i = j;
        Some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + word.len())? == word {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    /// Skips any value at `self.i`, as strictly as serde's `IgnoredAny`.
    fn skip(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' => self.object(depth, |r, _, d| r.skip(d)),
            b'[' => self.array(depth, |r, d| r.skip(d)),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.skip_number(),
        }
    }

    /// The value at `self.i` read by serde on its own as `T` (for the uncommon
    /// forms of a known field).
    fn by_serde<T: Deserialize<'a>>(&mut self, depth: usize) -> Option<T> {
        let start = self.i;
        self.skip(depth)?;
        serde_json::from_str::<T>(&self.s[start..self.i]).ok()
    }

    /// A plain integer (`0`, `-?[1-9][0-9]{0,17}`) at `self.i`, whose decimal text
    /// serde's `visit_i64`/`visit_u64` would reproduce: its text and value.
    #[inline]
    fn small_int(&self) -> Option<(&'a str, f64)> {
        let b = self.b;
        let mut j = self.i;
        let neg = b.get(j) == Some(&b'-');
        if neg {
            j += 1;
        }
        let first = j;
        let mut v: u64 = 0;
        while let Some(&c) = b.get(j) {
            if !c.is_ascii_digit() {
                break;
            }
            v = v * 10 + (c - b'0') as u64;
            j += 1;
            if j - first > 18 {
                return None;
            }
        }
        let n = j - first;
        if n == 0 || (b[first] == b'0' && (n > 1 || neg)) {
            return None;
        }
        // A fraction or exponent: not a plain integer.
        if matches!(b.get(j), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let f = if neg { -(v as i64) as f64 } else { v as f64 };
        Some((&self.s[self.i..j], f))
    }

    fn loose_str(&mut self, depth: usize) -> Option<LooseStr<'a>> {
        match self.peek()? {
            b'"' => {
                if let Some(end) = self.string_plain() {
                    let v = &self.s[self.i + 1..end - 1];
                    self.i = end;
                    return Some(LooseStr(Some(Cow::Borrowed(v))));
                }
            }
            b'n' => {
                self.literal(b"null")?;
                return Some(LooseStr(None));
            }
            b'-' | b'0'..=b'9' => {
                if let Some((t, _)) = self.small_int() {
                    self.i += t.len();
                    return Some(LooseStr(Some(Cow::Borrowed(t))));
                }
            }
            _ => {}
        }
        self.by_serde(depth)
    }

    fn loose_num(&mut self, depth: usize) -> Option<LooseNum> {
        match self.peek()? {
            b'n' => {
                self.literal(b"null")?;
                return Some(LooseNum(None));
            }
            b'-' | b'0'..=b'9' => {
                if let Some((t, v)) = self.small_int() {
                    self.i += t.len();
                    return Some(LooseNum(Some(v)));
                }
            }
            _ => {}
        }
        self.by_serde(depth)
    }

    /// The exact text of a value (what `RawValue::get` gives), as
    /// `Option<&RawValue>` reads it: `null` is `None`.
    fn raw_value(&mut self, depth: usize) -> Option<Option<&'a str>> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(None);
        }
        let start = self.i;
        self.skip(depth)?;
        Some(Some(&self.s[start..self.i]))
    }

    fn details(&mut self, depth: usize) -> Option<LooseObj<RawDetails<'a>>> {
        if self.peek()? != b'{' {
            return self.by_serde(depth);
        }
        let start = self.i;
        let mut d = RawDetails::default();
        let mut seen = 0u32;
        let fast = self.object(depth, |r, key, depth| {
            let bit = match key {
                b"error" => 0,
                b"actions" => 1,
                b"stats" => 2,
                b"elapsedTime" => 3,
                b"prompts" => 4,
                b"initiatedAt" => 5,
                b"completedAt" => 6,
                b"action_name" => 7,
                b"error_class" => 8,
                _ => return r.skip(depth),
            };
            if seen & (1 << bit) != 0 {
                return None;
            }
            seen |= 1 << bit;
            match bit {
                0 => d.error = r.error(depth)?,
                1 => d.actions = r.actions(depth)?,
                2 => d.stats = r.stats(depth)?,
                3 => d.elapsed_time = r.loose_num(depth)?,
                4 => d.prompts = r.prompts(depth)?,
                5 => d.initiated_at = r.loose_str(depth)?,
                6 => d.completed_at = r.loose_str(depth)?,
                7 => d.action_name = r.loose_str(depth)?,
                _ => d.error_class = r.loose_str(depth)?,
            }
            Some(())
        });
        match fast {
            Some(()) => Some(LooseObj(Some(d))),
            None => {
                self.i = start;
                self.by_serde(depth)
            }
        }
    }

    fn error(&mut self, depth: usize) -> Option<RawError<'a>> {
        if self.peek()? == b'"' {
            if let Some(end) = self.string_plain() {
                let v = &self.s[self.i + 1..end - 1];
                self.i = end;
                return Some(RawError { message: Some(Cow::Borrowed(v)) });
            }
        }
        self.by_serde(depth)
    }

    fn actions(&mut self, depth: usize) -> Option<LooseObj<RawActions>> {
        let start = self.i;
        if self.peek()? == b'{' {
            let mut executions: Option<Vec<String>> = None;
            let fast = self.object(depth, |r, key, depth| {
                if key != b"executions" {
                    return r.skip(depth);
                }
                if executions.is_some() || r.peek()? != b'[' {
                    return None;
                }
                let mut list = Vec::new();
                r.array(depth, |r, _| {
                    if r.peek()? != b'"' {
                        return None;
                    }
                    let end = r.string_plain()?;
                    list.push(r.s[r.i + 1..end - 1].to_owned());
                    r.i = end;
                    Some(())
                })?;
                executions = Some(list);
                Some(())
            });
            if fast.is_some() {
                let executions = crate::model::LooseList(executions.unwrap_or_default());
                return Some(LooseObj(Some(RawActions { executions })));
            }
            self.i = start;
        }
        self.by_serde(depth)
    }

    fn stats(&mut self, depth: usize) -> Option<LooseObj<RawStats>> {
        let start = self.i;
        if self.peek()? == b'{' {
            let mut s = RawStats::default();
            let mut seen = 0u32;
            let fast = self.object(depth, |r, key, depth| {
                let bit = match key {
                    b"total_request_duration_ms" => 0,
                    b"total_runtime_execution_duration_ms" => 1,
                    b"runtime_processing_duration_ms" => 2,
                    b"action_duration_ms" => 3,
                    b"runtime_external_call_duration_ms" => 4,
                    b"boot_duration_ms" => 5,
                    b"network_duration_ms" => 6,
                    _ => return r.skip(depth),
                };
                if seen & (1 << bit) != 0 {
                    return None;
                }
                seen |= 1 << bit;
                let v = r.loose_num(depth)?;
                *match bit {
                    0 => &mut s.total_request_duration_ms,
                    1 => &mut s.total_runtime_execution_duration_ms,
                    2 => &mut s.runtime_processing_duration_ms,
                    3 => &mut s.action_duration_ms,
                    4 => &mut s.runtime_external_call_duration_ms,
                    5 => &mut s.boot_duration_ms,
                    _ => &mut s.network_duration_ms,
                } = v;
                Some(())
            });
            if fast.is_some() {
                return Some(LooseObj(Some(s)));
            }
            self.i = start;
        }
        self.by_serde(depth)
    }

    fn prompts(&mut self, depth: usize) -> Option<LooseSeq<RawPrompt>> {
        let start = self.i;
        if self.peek()? == b'[' {
            let mut out = Vec::new();
            let fast = self.array(depth, |r, depth| {
                if r.peek()? != b'{' {
                    // Not an object: skipped by `LooseSeq` (checked, not kept).
                    return r.skip(depth);
                }
                let mut elapsed: Option<LooseNum> = None;
                r.object(depth, |r, key, depth| {
                    if key != b"elapsedTime" {
                        return r.skip(depth);
                    }
                    if elapsed.is_some() {
                        return None;
                    }
                    elapsed = Some(r.loose_num(depth)?);
                    Some(())
                })?;
                out.push(RawPrompt { elapsed_time: elapsed.unwrap_or_default() });
                Some(())
            });
            if fast.is_some() {
                return Some(LooseSeq(out));
            }
            self.i = start;
        }
        self.by_serde(depth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast reader and serde agree on every record the fast reader accepts.
    fn same(json: &str) -> bool {
        let fast = read_event(json, 0);
        let serde: Option<RawEvent> = serde_json::from_str(json).ok();
        match (fast, serde) {
            (Some(f), Some(s)) => {
                assert_eq!(f.end, json.len());
                assert_eq!(format!("{:?}", f.raw), format!("{:?}", s), "{json}");
                true
            }
            (Some(_), None) => panic!("fast reader accepted what serde rejects: {json}"),
            (None, _) => false,
        }
    }

    #[test]
    fn agrees_with_serde_or_gives_up() {
        let accepted = [
            r#"{"date":"2024-01-15T10:30:00.000Z","type":"s","log_id":"1"}"#,
            r#"{ "type" : "f" , "description" : "resource_exhausted", "details": {"error": {"message": "x"}, "elapsedTime": 12, "prompts": [1, {"elapsedTime": 5, "a": [true, false, null]}, "s"], "stats": {"action_duration_ms": 3.5, "z": -0}, "actions": {"executions": ["a", "b"]}, "initiatedAt": 1715676280578, "completedAt": "2024-01-15T10:30:00Z"}, "_id": 123}"#,
            r#"{"type":"s","description":"caf\u00e9 \"q\"","client_name":["a","b"],"connection":12.5,"details":null,"x":{"y":[1e5,-2.5E-3,"\ud800"]}}"#,
            r#"{"type":"s","details":{"error":"plain","stats":{"boot_duration_ms":"7"},"actions":{"executions":"one"}}}"#,
            r#"{"type":"s","details":{"prompts":{"a":1},"elapsedTime":-12,"action_name":true,"error_class":-0}}"#,
            r#"{"type":"s","user_id":12345678901234567890123,"d":0}"#,
            r#"{"type":"Łukasz 山田","description":"Łukasz","extra":"山田"}"#,
        ];
        for j in accepted {
            assert!(same(j), "the fast reader should accept {j}");
        }
        let refused = [
            r#"{"type":"s","type":"f"}"#,
            r#"{"type":"s","x":01}"#,
            r#"{"type":"s","x":1.}"#,
            r#"{"type":"s","x":[1,]}"#,
            r#"{"type":"s","x":{"a":1,}}"#,
            r#"{"type":"s","x":tru}"#,
            r#"{"type":"s","x":"\x"}"#,
            r#"{"type":"s","x":"\u12g4"}"#,
            r#"{"type":"s","x":"a	b"}"#,
            r#"{"t\u0079pe":"s"}"#,
            r#"{"description":"no type or date"}"#,
            r#"{"log_id":"1","data":{"type":"s"}}"#,
            r#"{"type_s":"s"}"#,
            r#"{"type":"s","details":{"stats":{"boot_duration_ms":1,"boot_duration_ms":2}}}"#,
            r#"{"type":"s","description":"\ud800"}"#,
            r#"{"type":"s","x":-}"#,
            r#"{"type":"s","x":1e}"#,
            r#"{"type":"s" "x":1}"#,
            r#"{"type":"s","x":1"#,
        ];
        for j in refused {
            assert!(!same(j), "the fast reader should give up on {j}");
        }
        let deep = format!(r#"{{"type":"s","x":{}{}}}"#, "[".repeat(150), "]".repeat(150));
        assert!(!same(&deep));
    }
}
