//! Share links: a redacted summary packed into a URL fragment.
//!
//! A link carries the *summary* of an analysis, never log events: the numbers a
//! user sees first, the findings in plain words, the breach windows, the per-Action
//! duration table, each input's shape, and the chart data reduced to what a
//! [`CHART_WIDTH`]-pixel chart can show (per pixel column and series the fastest and
//! slowest request and every failed one, see [`chart::decimate_marks`]; per column
//! the extremes of the in-flight line, see [`chart::decimate_steps`]). Everything in
//! a [`ShareSummary`] comes from [`crate::model::Event`]s, which hold no personal
//! data, and [`encode`] runs the report verifier ([`crate::report::verify`]) over the
//! JSON before it packs anything.
//!
//! Format: compact JSON (short keys, times of chart points as pixel columns,
//! delta-encoded) → raw deflate (`flate2`, pure-Rust backend) → base64url without
//! padding, in the fragment `#s=…`. Browsers never send the fragment to the
//! server, so a static host never sees the summary. [`decode`] reverses it, caps
//! the inflated size (a crafted link cannot exhaust memory) and checks the format
//! version.

use crate::analyze::LabelStats;
use crate::chart::{self, ChartData, Limit, Mark, View};
use crate::report;
use crate::session::Session;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

/// Longest link fragment [`encode`] produces (`#s=` included). Browsers accept far
/// longer URLs, but chat tools, mail clients and issue trackers cut them.
pub const MAX_LINK_CHARS: usize = 8000;
/// The format version written in [`ShareSummary::version`].
pub const VERSION: u32 = 1;
/// Width, in pixel columns, of the chart data a summary carries by default.
pub const CHART_WIDTH: u32 = 600;
/// Narrower chart widths [`fit`] falls back to when a summary does not fit a link.
pub const FALLBACK_WIDTHS: [u32; 4] = [600, 400, 300, 200];
/// Largest inflated JSON [`decode`] accepts.
const MAX_INFLATED: u64 = 4 << 20;
/// At most this many rows of the per-Action table and of event types go in a link.
const MAX_ROWS: usize = 30;

/// The summary a link carries. Field names are short on the wire.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareSummary {
    #[serde(rename = "v")]
    pub version: u32,
    #[serde(rename = "ti", default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Events read.
    #[serde(rename = "n")]
    pub events: usize,
    /// First and last event time (epoch ms).
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub range: Option<(i64, i64)>,
    /// Events with a request timing / without.
    #[serde(rename = "tm")]
    pub timed: usize,
    #[serde(rename = "ut")]
    pub untimed: usize,
    /// `resource_exhausted` failures.
    #[serde(rename = "b")]
    pub breaches: usize,
    /// Highest in-flight count and when it was first reached (epoch ms).
    #[serde(rename = "pk")]
    pub peak: (u32, i64),
    /// The limit in effect, and whether it was estimated.
    #[serde(rename = "l", default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<(u32, bool)>,
    /// The findings in plain words.
    #[serde(rename = "f", default)]
    pub findings: Vec<String>,
    /// Event type codes and counts, most frequent first (at most 30).
    #[serde(rename = "ty", default)]
    pub types: Vec<(String, usize)>,
    /// Each input's shape ("JSON lines … of 5398 records") and event count; no file names.
    #[serde(rename = "in", default)]
    pub inputs: Vec<(String, u32)>,
    /// Breach windows: start, end (epoch ms), failures, in flight just before.
    #[serde(rename = "w", default)]
    pub windows: Vec<(i64, i64, usize, u32)>,
    /// Per-label durations: label, runs, failures, p50, p95, p99, max (ms); at most 30 rows.
    #[serde(rename = "lb", default)]
    pub labels: Vec<(String, usize, usize, i64, i64, i64, i64)>,
    #[serde(rename = "c")]
    pub chart: ShareChart,
}

/// Chart data at pixel resolution. Times of marks, steps and breaches are pixel
/// columns of `width` over `[t0, t1]`, delta-encoded (each value is the difference
/// from the previous one), so that they compress well.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareChart {
    pub t0: i64,
    pub t1: i64,
    #[serde(rename = "w")]
    pub width: u32,
    /// Legend names.
    #[serde(rename = "s", default)]
    pub series: Vec<String>,
    /// Marks sorted by column: column deltas, durations (ms, 3 significant
    /// digits), series, and the positions (in this order) of failed marks.
    #[serde(rename = "mc", default)]
    pub mark_cols: Vec<u32>,
    #[serde(rename = "md", default)]
    pub mark_ms: Vec<u32>,
    #[serde(rename = "ms", default)]
    pub mark_series: Vec<u16>,
    #[serde(rename = "mf", default)]
    pub mark_failed: Vec<u32>,
    /// In-flight steps: column deltas and counts.
    #[serde(rename = "sc", default)]
    pub step_cols: Vec<u32>,
    #[serde(rename = "sv", default)]
    pub step_counts: Vec<u32>,
    /// Columns (delta-encoded) holding at least one breach.
    #[serde(rename = "bc", default)]
    pub breach_cols: Vec<u32>,
    /// Breach windows (epoch ms).
    #[serde(rename = "bw", default)]
    pub windows: Vec<(i64, i64)>,
    #[serde(rename = "l", default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<(u32, bool)>,
}

impl ShareSummary {
    /// The summary of `session`, with chart data for a `chart_width`-pixel chart.
    pub fn from_session(session: &Session, title: Option<String>, chart_width: u32) -> ShareSummary {
        let s = session.summary();
        let an = &session.analysis;
        ShareSummary {
            version: VERSION,
            title: title.filter(|t| !t.trim().is_empty()),
            events: s.events,
            range: session.ingest.time_range(),
            timed: s.timed,
            untimed: s.untimed,
            breaches: s.breaches,
            peak: an.peak,
            limit: an.effective_limit().map(|l| (l, s.limit_estimated)),
            findings: report::findings(session, &s).into_iter().map(|(_, f)| f).collect(),
            types: s.type_counts.iter().take(MAX_ROWS).map(|(c, _, n)| (c.clone(), *n)).collect(),
            inputs: s.sources.iter().map(|x| (x.shape.clone(), x.events)).collect(),
            windows: an.windows.iter().map(|w| (w.start, w.end, w.count, w.inflight_before)).collect(),
            labels: an.by_label.iter().take(MAX_ROWS).map(label_row).collect(),
            chart: ShareChart::from_chart(session.chart(), chart_width),
        }
    }
}

fn label_row(l: &LabelStats) -> (String, usize, usize, i64, i64, i64, i64) {
    (l.label.clone(), l.count, l.failures, l.p50, l.p95, l.p99, l.max)
}

/// Column `c` of `width` over `[t0, t1]`, as a time: the column's centre.
fn column_time(c: u32, t0: i64, t1: i64, width: u32) -> i64 {
    let span = i128::from(t1) - i128::from(t0);
    let w = i128::from(width.max(1));
    let t = i128::from(t0) + (2 * i128::from(c) + 1) * span / (2 * w);
    t.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

fn column_of(t: i64, t0: i64, t1: i64, width: u32) -> u32 {
    let w = i128::from(width.max(1));
    let span = (i128::from(t1) - i128::from(t0)).max(1);
    ((i128::from(t) - i128::from(t0)) * w / span).clamp(0, w - 1) as u32
}

/// `v` rounded to 3 significant digits.
fn round3(v: f64) -> u32 {
    if !v.is_finite() || v <= 0.0 {
        return 0;
    }
    let v = v.min(f64::from(u32::MAX));
    let mut scale = 1.0;
    while v / scale >= 1000.0 {
        scale *= 10.0;
    }
    ((v / scale).round() * scale).min(f64::from(u32::MAX)) as u32
}

fn deltas(values: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut prev = 0;
    values
        .map(|v| {
            let d = v.saturating_sub(prev);
            prev = v;
            d
        })
        .collect()
}

fn undelta(values: &[u32]) -> impl Iterator<Item = u32> + '_ {
    values.iter().scan(0u32, |acc, &d| {
        *acc = acc.saturating_add(d);
        Some(*acc)
    })
}

impl ShareChart {
    /// `data` reduced to `width` pixel columns over its full view.
    pub fn from_chart(data: &ChartData, width: u32) -> ShareChart {
        let width = width.max(1);
        let view = data.full_view();
        let (t0, t1) = view.bounds();
        let col = |t: i64| column_of(t, t0, t1, width);
        let mut marks: Vec<(u32, u16, u32, bool)> = chart::decimate_marks(&data.marks, &view, width)
            .into_iter()
            .filter_map(|i| data.marks.get(i))
            .map(|m| (col(m.t), m.series, round3(m.dur_ms), m.failed))
            .collect();
        marks.sort_unstable();
        marks.dedup();
        let steps: Vec<(u32, u32)> =
            chart::decimate_steps(&data.steps, &view, width).into_iter().map(|(t, c)| (col(t), c)).collect();
        let mut breach_cols: Vec<u32> = data.breaches.iter().map(|&t| col(t)).collect();
        breach_cols.sort_unstable();
        breach_cols.dedup();
        ShareChart {
            t0,
            t1,
            width,
            series: data.series.clone(),
            mark_cols: deltas(marks.iter().map(|m| m.0)),
            mark_ms: marks.iter().map(|m| m.2).collect(),
            mark_series: marks.iter().map(|m| m.1).collect(),
            mark_failed: marks.iter().enumerate().filter(|(_, m)| m.3).map(|(i, _)| i as u32).collect(),
            step_cols: deltas(steps.iter().map(|s| s.0)),
            step_counts: steps.iter().map(|s| s.1).collect(),
            breach_cols: deltas(breach_cols.into_iter()),
            windows: data.windows.clone(),
            limit: data.limit.map(|l| (l.value, l.estimated)),
        }
    }

    /// Chart data to draw (marks and steps at their columns' centre times).
    pub fn to_chart_data(&self) -> ChartData {
        let (t0, t1, w) = (self.t0, self.t1, self.width);
        let marks = undelta(&self.mark_cols)
            .zip(&self.mark_ms)
            .enumerate()
            .map(|(i, (c, &ms))| Mark {
                t: column_time(c, t0, t1, w),
                dur_ms: f64::from(ms),
                series: self.mark_series.get(i).copied().unwrap_or(0),
                failed: false,
            })
            .collect::<Vec<_>>();
        let mut marks = marks;
        for &i in &self.mark_failed {
            if let Some(m) = marks.get_mut(i as usize) {
                m.failed = true;
            }
        }
        ChartData {
            marks,
            series: self.series.clone(),
            steps: undelta(&self.step_cols)
                .zip(&self.step_counts)
                .map(|(c, &n)| (column_time(c, t0, t1, w), n))
                .collect(),
            breaches: undelta(&self.breach_cols).map(|c| column_time(c, t0, t1, w)).collect(),
            windows: self.windows.clone(),
            limit: self.limit.map(|(value, estimated)| Limit { value, estimated }),
        }
    }

    /// The view the chart was reduced for.
    pub fn view(&self) -> View {
        View { t0: self.t0, t1: self.t1 }
    }
}

/// The link fragment `#s=…` for `summary`. Fails when the verifier finds personal
/// data in it, or when it is longer than [`MAX_LINK_CHARS`].
pub fn encode(summary: &ShareSummary) -> Result<String, String> {
    let json = serde_json::to_string(summary).map_err(|e| format!("cannot write the summary: {e}"))?;
    let found = report::verify(&json);
    if !found.is_empty() {
        let list: Vec<String> = found.iter().take(10).map(|f| format!("{}: {}", f.kind, f.value)).collect();
        return Err(format!("the summary contains values that look like personal data: {}", list.join(", ")));
    }
    let fragment = format!("#s={}", pack(json.as_bytes())?);
    if fragment.len() > MAX_LINK_CHARS {
        return Err(format!(
            "summary too large for a link ({} chars); download the report file instead",
            fragment.len()
        ));
    }
    Ok(fragment)
}

/// The summary of `session` as a link fragment, with the widest chart from
/// [`FALLBACK_WIDTHS`] that fits in [`MAX_LINK_CHARS`].
pub fn fit(session: &Session, title: Option<String>) -> Result<(ShareSummary, String), String> {
    let mut last = String::new();
    for w in FALLBACK_WIDTHS {
        let s = ShareSummary::from_session(session, title.clone(), w);
        match encode(&s) {
            Ok(link) => return Ok((s, link)),
            Err(e) if e.starts_with("summary too large") => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// Reads a summary back from a link: the whole URL, the fragment (`#s=…`), `s=…`
/// or the bare payload.
pub fn decode(link: &str) -> Result<ShareSummary, String> {
    let link = link.trim();
    let payload = match link.find("#s=") {
        Some(i) => &link[i + 3..],
        None => link.strip_prefix("s=").unwrap_or(link),
    };
    // Anything after the payload (another fragment parameter) is ignored.
    let payload = payload.split('&').next().unwrap_or("");
    let json = unpack(payload)?;
    let s: ShareSummary =
        serde_json::from_slice(&json).map_err(|e| format!("the link does not hold an Inflight summary ({e})"))?;
    if s.version != VERSION {
        return Err(format!(
            "the link was made by another version of Inflight (format {}, this one reads {VERSION})",
            s.version
        ));
    }
    Ok(s)
}

/// deflate + base64url.
fn pack(bytes: &[u8]) -> Result<String, String> {
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(bytes).and_then(|()| z.finish()).map(|d| base64url_encode(&d)).map_err(|e| format!("compressing: {e}"))
}

fn unpack(payload: &str) -> Result<Vec<u8>, String> {
    let deflated = base64url_decode(payload).ok_or("the link is damaged (not base64url); copy it again in full")?;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(deflated.as_slice())
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut out)
        .map_err(|_| "the link is damaged (cannot inflate); copy it again in full".to_string())?;
    if out.len() as u64 > MAX_INFLATED {
        return Err("the link holds more than an Inflight summary can be".into());
    }
    Ok(out)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url (RFC 4648 §5) without padding.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Base64url without padding (trailing `=` tolerated); `None` on any other character
/// or an impossible length.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=').as_bytes();
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'-' | b'+' => 62,
                b'_' | b'/' => 63,
                _ => return None,
            };
            n |= u32::from(v) << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_every_length() {
        let data: Vec<u8> = (0..=255u8).collect();
        for n in 0..70 {
            let enc = base64url_encode(&data[..n]);
            assert!(enc.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
            assert_eq!(base64url_decode(&enc).as_deref(), Some(&data[..n]), "{n}");
        }
        assert_eq!(base64url_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url_encode(b"\xfb\xff"), "-_8");
        assert_eq!(base64url_decode("Zm9vYg=="), Some(b"foob".to_vec()));
        assert_eq!(base64url_decode("Zm9vY"), None);
        assert_eq!(base64url_decode("Zm9v!"), None);
    }

    #[test]
    fn rounding_keeps_three_digits() {
        assert_eq!(round3(412.4), 412);
        assert_eq!(round3(18_852.0), 18_900);
        assert_eq!(round3(-1.0), 0);
        assert_eq!(round3(f64::NAN), 0);
        assert_eq!(round3(1e300), 4_290_000_000);
    }

    #[test]
    fn decode_rejects_garbage_without_panicking() {
        for s in ["", "#s=", "#s=%%%", "#s=AAAA", "s=eJzLSM3JyVcozy/KSQEAGgQEXQ", "https://x/#s=____"] {
            assert!(decode(s).is_err(), "{s}");
        }
    }

    #[test]
    fn a_zip_bomb_is_refused() {
        let zeros = vec![b' '; (MAX_INFLATED + 10) as usize];
        let payload = pack(&zeros).unwrap_or_default();
        assert!(payload.len() < 20_000);
        assert!(decode(&payload).is_err());
    }
}
