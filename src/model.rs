//! The typed view of one Auth0 log event.
//!
//! An [`Event`] holds only what the analysis and the chart need, and no personal
//! data: no ip, user id, user name, user agent or session id is ever copied into
//! it. The original JSON stays in the input buffer; [`Event::span`] points at it,
//! and redaction and export work from there.
//!
//! Real logs do not respect the documented field types (see the reference's
//! "Field types differ" section), so every field is read leniently: a number where a
//! string was expected is kept as its text, a string where an object was expected
//! is ignored, and nothing fails the record.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// The timing object from the seed article (`details.stats`), all in milliseconds.
/// Any key may be missing; `loginsCount` (the schema's meaning of `stats`) is ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    pub total_request_duration_ms: Option<f64>,
    pub total_runtime_execution_duration_ms: Option<f64>,
    pub runtime_processing_duration_ms: Option<f64>,
    pub action_duration_ms: Option<f64>,
    pub runtime_external_call_duration_ms: Option<f64>,
    pub boot_duration_ms: Option<f64>,
    pub network_duration_ms: Option<f64>,
}

impl Stats {
    /// True when at least one timing key was present.
    pub fn has_timing(&self) -> bool {
        self.total().is_some()
            || self.action_duration_ms.is_some()
            || self.boot_duration_ms.is_some()
    }

    /// The best total duration: the request total, else the runtime total, else the
    /// sum of the parts that were given.
    pub fn total(&self) -> Option<f64> {
        self.total_request_duration_ms
            .or(self.total_runtime_execution_duration_ms)
            .or_else(|| {
                let parts = [
                    self.action_duration_ms,
                    self.boot_duration_ms,
                    self.network_duration_ms,
                    self.runtime_processing_duration_ms,
                    self.runtime_external_call_duration_ms,
                ];
                let given: Vec<f64> = parts.iter().flatten().copied().collect();
                (!given.is_empty()).then(|| given.iter().sum())
            })
    }
}

/// How an event reached us: the wrapper around the Auth0 event object.
/// `src/vendor.rs` documents each vendor shape and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Envelope {
    /// The event itself (Management API, `auth0 logs list --json`, Sumo Logic).
    Bare,
    /// A log-stream `{log_id, data}` object.
    LogStream,
    /// Amazon EventBridge: `{detail: {log_id, data}}`.
    EventBridge,
    /// Elastic: `{json: {log_id, data}}`.
    Elastic,
    /// Azure Event Grid / CloudEvents 1.0: `{specversion | eventType, …, data: <flat event>}`.
    CloudEvent,
    /// An Elasticsearch / Kibana document: `{_source: {auth0: {logs: {data: …}}}}`.
    ElasticDoc,
    /// Splunk HEC (the "Auth0 Logs to Splunk" extension): `{message: <event>}`.
    SplunkHec,
    /// Splunk search export: `{result: {_raw: "<the event as a JSON string>"}}`. The
    /// event is *inside a string*: the value at [`Envelope::prefix`] is a JSON string
    /// whose content is the event ([`Envelope::embedded_string`]).
    SplunkRaw,
    /// Datadog archive line: `{_id, date, …, attributes: <event>}`.
    Datadog,
    /// Datadog archive line whose attributes hold the stream object: `attributes.data`.
    DatadogData,
    /// Panther: `{log_id, data, p_log_type, p_event_time, …}`.
    Panther,
    /// Flattened columns (Microsoft Sentinel `details_*_s`, `isMobile_b`, `type_s`):
    /// the record is the event, but nested keys are joined with `_` and typed by suffix.
    Flattened,
    /// One row of a CSV/TSV export. The record is *not JSON*: its span is the row's
    /// text (without the line break); the header row is the frame's prefix.
    CsvRow,
}

impl Envelope {
    /// Every variant, in the order of [`Envelope::index`].
    pub const ALL: [Envelope; 13] = [
        Envelope::Bare,
        Envelope::LogStream,
        Envelope::EventBridge,
        Envelope::Elastic,
        Envelope::CloudEvent,
        Envelope::ElasticDoc,
        Envelope::SplunkHec,
        Envelope::SplunkRaw,
        Envelope::Datadog,
        Envelope::DatadogData,
        Envelope::Panther,
        Envelope::Flattened,
        Envelope::CsvRow,
    ];

    /// The JSON path from the record's root to the Auth0 event object (for
    /// [`Envelope::SplunkRaw`], to the string that holds it; for
    /// [`Envelope::CsvRow`], empty: the record is not JSON).
    pub fn prefix(self) -> &'static [&'static str] {
        match self {
            Envelope::Bare | Envelope::Flattened | Envelope::CsvRow => &[],
            Envelope::LogStream | Envelope::CloudEvent | Envelope::Panther => &["data"],
            Envelope::EventBridge => &["detail", "data"],
            Envelope::Elastic => &["json", "data"],
            Envelope::ElasticDoc => &["_source", "auth0", "logs", "data"],
            Envelope::SplunkHec => &["message"],
            Envelope::SplunkRaw => &["result", "_raw"],
            Envelope::Datadog => &["attributes"],
            Envelope::DatadogData => &["attributes", "data"],
        }
    }

    /// True when the value at [`Envelope::prefix`] is a JSON *string* whose text is
    /// the event (Splunk `_raw`): redaction must treat the whole string as sensitive
    /// (or decode, redact and re-encode it).
    pub fn embedded_string(self) -> bool {
        self == Envelope::SplunkRaw
    }

    /// Position in [`Envelope::ALL`] (and in `SourceInfo::envelopes`).
    pub fn index(self) -> usize {
        self as usize
    }

    /// A short human name, for the shape line.
    pub fn describe(self) -> &'static str {
        match self {
            Envelope::Bare => "bare events",
            Envelope::LogStream => "log-stream {log_id, data}",
            Envelope::EventBridge => "EventBridge detail.data",
            Envelope::Elastic => "Elastic json.data",
            Envelope::CloudEvent => "Event Grid / CloudEvents data",
            Envelope::ElasticDoc => "Elasticsearch _source.auth0.logs.data",
            Envelope::SplunkHec => "Splunk HEC message",
            Envelope::SplunkRaw => "Splunk result._raw (event as a JSON string)",
            Envelope::Datadog => "Datadog archive attributes",
            Envelope::DatadogData => "Datadog archive attributes.data",
            Envelope::Panther => "Panther {log_id, data, p_*}",
            Envelope::Flattened => "flattened columns (Sentinel)",
            Envelope::CsvRow => "CSV rows",
        }
    }
}

/// One Auth0 log event, typed, with no personal data in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Index of the input (file or paste) this event came from.
    pub source: u32,
    /// 1-based number of the record within its input.
    pub record: u32,
    /// Byte range of the whole record (envelope included) within its input.
    #[serde(skip)]
    pub span: Range<usize>,
    pub envelope: Envelope,
    /// Kept as a string: it is a 56-digit id, not a number.
    pub log_id: Option<String>,
    /// `date`, in epoch milliseconds; `None` when missing or unreadable.
    pub time: Option<Millis>,
    /// The `type` code, as written (unknown codes are kept).
    pub type_code: String,
    pub description: String,
    pub client_name: Option<String>,
    pub connection: Option<String>,
    /// `details.error.message`, or `details.error` when it is a string.
    pub error_message: Option<String>,
    /// `details.actions.executions`: Action execution ids.
    pub executions: Vec<String>,
    /// The seed's timing object, when it holds timing keys.
    pub stats: Option<Stats>,
    /// `details.elapsedTime` (ms); without it, the longest `details.prompts[].elapsedTime`
    /// (the prompts run inside the transaction, so the longest is the best lower bound).
    pub elapsed_ms: Option<f64>,
    /// `details.initiatedAt` / `details.completedAt` (epoch ms).
    pub initiated_at: Option<Millis>,
    pub completed_at: Option<Millis>,
    /// `details.action_name` (on `actions_execution_failed`).
    pub action_name: Option<String>,
    /// `details.error_class` (on `actions_execution_failed`).
    pub error_class: Option<String>,
}

impl Event {
    /// A failed login caused by the extensibility concurrency limit: the
    /// description or `details.error.message` is `resource_exhausted`.
    pub fn is_resource_exhausted(&self) -> bool {
        self.description.trim() == "resource_exhausted"
            || self.error_message.as_deref().map(str::trim) == Some("resource_exhausted")
    }
}

/// One Action's run inside an execution (`results[]` of
/// `GET /api/v2/actions/executions/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionResult {
    pub action_name: String,
    pub started_at: Option<Millis>,
    pub ended_at: Option<Millis>,
    /// `error.msg` (or `error.message`) when the Action failed.
    pub error: Option<String>,
}

/// An Action execution object from the Management API. Its id is the value found
/// in an event's `details.actions.executions[]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionExecution {
    pub source: u32,
    pub record: u32,
    /// The object's byte range in its input (what a redacted export writes for it).
    pub span: std::ops::Range<usize>,
    pub id: String,
    pub trigger_id: Option<String>,
    pub status: Option<String>,
    pub created_at: Option<Millis>,
    pub updated_at: Option<Millis>,
    pub results: Vec<ActionResult>,
}

/// Raw shape of an execution object, read leniently.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawExecution<'a> {
    #[serde(borrow)]
    pub id: LooseStr<'a>,
    #[serde(borrow)]
    pub trigger_id: LooseStr<'a>,
    #[serde(borrow)]
    pub status: LooseStr<'a>,
    #[serde(borrow)]
    pub created_at: LooseStr<'a>,
    #[serde(borrow)]
    pub updated_at: LooseStr<'a>,
    pub results: LooseSeq<RawActionResult<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawActionResult<'a> {
    #[serde(borrow)]
    pub action_name: LooseStr<'a>,
    #[serde(borrow)]
    pub started_at: LooseStr<'a>,
    #[serde(borrow)]
    pub ended_at: LooseStr<'a>,
    pub error: LooseObj<RawResultError<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawResultError<'a> {
    #[serde(borrow)]
    pub msg: LooseStr<'a>,
    #[serde(borrow)]
    pub message: LooseStr<'a>,
}

/// An array read as `Vec<T>`, skipping elements that are not objects; any other
/// value gives an empty list.
#[derive(Debug, Clone, PartialEq)]
pub struct LooseSeq<T>(pub Vec<T>);

impl<T> Default for LooseSeq<T> {
    fn default() -> Self {
        LooseSeq(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for LooseSeq<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = LooseSeq<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<LooseObj<T>>()? {
                    out.extend(item.0);
                }
                Ok(LooseSeq(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LooseSeq(Vec::new()))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(LooseSeq(Vec::new()))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(LooseSeq(Vec::new()))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(LooseSeq(Vec::new()))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(LooseSeq(Vec::new()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LooseSeq(Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(LooseSeq(Vec::new()))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<'a> RawExecution<'a> {
    /// True when the object has the execution object's own keys.
    pub fn is_execution(&self) -> bool {
        self.id.0.is_some() && (self.trigger_id.0.is_some() || !self.results.0.is_empty())
    }

    pub fn into_execution(self, source: u32, record: u32, span: std::ops::Range<usize>) -> ActionExecution {
        ActionExecution {
            source,
            record,
            span,
            id: self.id.into_string().unwrap_or_default(),
            trigger_id: self.trigger_id.into_string(),
            status: self.status.into_string(),
            created_at: loose_time(self.created_at),
            updated_at: loose_time(self.updated_at),
            results: self
                .results
                .0
                .into_iter()
                .map(|r| ActionResult {
                    action_name: r.action_name.into_string().unwrap_or_default(),
                    started_at: loose_time(r.started_at),
                    ended_at: loose_time(r.ended_at),
                    error: r.error.0.and_then(|e| e.msg.into_string().or_else(|| e.message.into_string())),
                })
                .collect(),
        }
    }
}

/// Parses the date forms seen in Auth0 exports into epoch milliseconds (UTC):
/// RFC 3339 with or without fraction (`2024-01-15T10:30:00.000Z`, `+02:00`), a space
/// instead of `T`, up to 9 fraction digits, no zone (taken as UTC, as Panther and
/// Tinybird write it), and bare epoch milliseconds or seconds.
pub fn parse_time(s: &str) -> Option<Millis> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) {
        let n: i64 = s.parse().ok()?;
        return epoch_number_to_ms(n as f64);
    }
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // The checks of `time::Date::from_calendar_date` and `time::Time::from_hms`
    // (every 4-digit year is in its range), without building either.
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        // Keep milliseconds; finer digits (Panther writes nanoseconds) are dropped.
        let digits = &s[start..i.min(start + 3)];
        millis = digits.parse::<i64>().ok()? * 10i64.pow(3 - digits.len() as u32);
    }
    let offset_secs: i64 = match &s[i..] {
        "" | "Z" | "z" => 0,
        zone => {
            let zb = zone.as_bytes();
            let sign = match zb[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let h: i64 = digits[0..2].parse().ok()?;
            let m: i64 = digits[2..4].parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    let unix = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some((unix - offset_secs) * 1000 + millis)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Times that can plausibly be in an Auth0 log: 2000-01-01 to 2100-01-01 (UTC),
/// epoch ms. Dates outside it are still read when written as dates (ingest warns),
/// but an epoch *number* outside it is not taken as a time at all.
pub const PLAUSIBLE: Range<Millis> = 946_684_800_000..4_102_444_800_000;

/// An epoch number as a time. The rule: a number is epoch **milliseconds** when
/// that lands in [`PLAUSIBLE`] (2000–2099), else epoch **seconds** when *that*
/// lands in it; anything else (`17`, `-5`, `1e20`) is not a time (`None`, and
/// ingest warns that the date cannot be read) rather than a date in 1970 or in
/// year 300,000.
fn epoch_number_to_ms(n: f64) -> Option<Millis> {
    let ms = n.round();
    let from_secs = (n * 1000.0).round();
    let inside = |v: f64| v >= PLAUSIBLE.start as f64 && v < PLAUSIBLE.end as f64;
    if inside(ms) {
        Some(ms as Millis)
    } else if inside(from_secs) {
        Some(from_secs as Millis)
    } else {
        None
    }
}

/// A UTC time broken down, for every `i64` of epoch ms (no overflow: years far
/// outside 0–9999 come out as they are, e.g. `-292275055` or `292278994`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub milli: u16,
}

/// Breaks epoch ms down into a proleptic Gregorian UTC date and time
/// (H. Hinnant's `civil_from_days`, all in `i64` without overflow).
pub fn civil(ms: Millis) -> Civil {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month: month as u8,
        day: day as u8,
        hour: (in_day / 3_600_000) as u8,
        minute: (in_day / 60_000 % 60) as u8,
        second: (in_day / 1000 % 60) as u8,
        milli: (in_day % 1000) as u16,
    }
}

impl Civil {
    /// `2024-01-15`; years outside 0–9999 with their sign and all digits.
    pub fn date_text(&self) -> String {
        if (0..=9999).contains(&self.year) {
            format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
        } else {
            format!("{:+05}-{:02}-{:02}", self.year, self.month, self.day)
        }
    }
}

/// Formats epoch milliseconds as `2024-01-15T10:30:00.000Z`.
pub fn format_time(ms: Millis) -> String {
    let c = civil(ms);
    format!("{}T{:02}:{:02}:{:02}.{:03}Z", c.date_text(), c.hour, c.minute, c.second, c.milli)
}

// ---------------------------------------------------------------------------
// Lenient deserialization: the raw shapes serde reads before they become Events.
// ---------------------------------------------------------------------------

/// A value read as text whatever its JSON type: strings as they are, numbers and
/// booleans as written, the first string of an array (`client_id: ["a","b"]`);
/// objects and null give `None`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LooseStr<'a>(pub Option<Cow<'a, str>>);

impl<'a> LooseStr<'a> {
    pub fn into_string(self) -> Option<String> {
        self.0.map(Cow::into_owned)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for LooseStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = LooseStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LooseStr(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LooseStr(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(LooseStr(Some(Cow::Owned(v))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(LooseStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(LooseStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(LooseStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(LooseStr(Some(Cow::Borrowed(if v { "true" } else { "false" }))))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(LooseStr(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(LooseStr(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut first = None;
                while let Some(item) = seq.next_element::<LooseStr<'a>>()? {
                    if first.is_none() {
                        first = item.0;
                    }
                }
                Ok(LooseStr(first))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LooseStr(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A number read from a JSON number or a numeric string; anything else is `None`.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct LooseNum(pub Option<f64>);

impl LooseNum {
    fn from_text(t: &str) -> LooseNum {
        LooseNum(t.trim().parse::<f64>().ok().filter(|n| n.is_finite()))
    }
}

impl<'de> Deserialize<'de> for LooseNum {
    /// Exactly `LooseStr` followed by a parse, without formatting numbers as text
    /// first (an integer's decimal text parses back to the same `f64` as `as f64`,
    /// both rounding to nearest; a float's shortest text parses back to itself).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LooseNum;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LooseNum::from_text(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(LooseNum(Some(v as f64)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(LooseNum(Some(v as f64)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(LooseNum(Some(v).filter(|n| n.is_finite())))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LooseNum(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(LooseNum(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(LooseNum(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                // As `LooseStr`: the first element that reads as text.
                let mut first: Option<Cow<'de, str>> = None;
                while let Some(item) = seq.next_element::<LooseStr<'de>>()? {
                    if first.is_none() {
                        first = item.0;
                    }
                }
                Ok(first.map_or(LooseNum(None), |t| LooseNum::from_text(&t)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LooseNum(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// An object read as `T`, or `None` when the value is a string, number, array or
/// null (`details: "whatever..."`, `riskAssessment: null`).
#[derive(Debug, Clone, PartialEq)]
pub struct LooseObj<T>(pub Option<T>);

impl<T> Default for LooseObj<T> {
    fn default() -> Self {
        LooseObj(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for LooseObj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = LooseObj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| LooseObj(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(LooseObj(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(LooseObj(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(LooseObj(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(LooseObj(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(LooseObj(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LooseObj(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(LooseObj(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A list of strings, leniently: an array (non-strings skipped) or a single string.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LooseList(pub Vec<String>);

impl<'de> Deserialize<'de> for LooseList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LooseList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<LooseStr<'de>>()? {
                    out.extend(item.into_string());
                }
                Ok(LooseList(out))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LooseList(vec![v.to_owned()]))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LooseList(Vec::new()))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(LooseList(Vec::new()))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(LooseList(Vec::new()))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(LooseList(Vec::new()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LooseList(Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(LooseList(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The fields of an Auth0 event object that Inflight reads. Unknown keys are
/// skipped by serde (they stay in the input buffer for export).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawEvent<'a> {
    /// Read raw, so a numeric `log_id` keeps all 56 digits.
    #[serde(borrow)]
    pub log_id: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow, rename = "_id")]
    pub id: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    pub date: LooseStr<'a>,
    #[serde(borrow, rename = "type")]
    pub type_code: LooseStr<'a>,
    #[serde(borrow)]
    pub description: LooseStr<'a>,
    #[serde(borrow)]
    pub client_name: LooseStr<'a>,
    #[serde(borrow)]
    pub connection: LooseStr<'a>,
    #[serde(borrow)]
    pub details: LooseObj<RawDetails<'a>>,
    /// Log-stream envelope `{log_id, data}` (and Elastic's / EventBridge's inner layer).
    #[serde(borrow)]
    pub data: LooseObj<Box<RawEvent<'a>>>,
    /// Amazon EventBridge envelope: `{detail: {log_id, data}}`.
    #[serde(borrow)]
    pub detail: LooseObj<Box<RawEvent<'a>>>,
    /// Elastic envelope: `{json: {log_id, data}}`.
    #[serde(borrow)]
    pub json: LooseObj<Box<RawEvent<'a>>>,

    // Vendor wrappers (see `src/vendor.rs` for each shape and its source).
    /// CloudEvents 1.0 marker (Azure Event Grid with `CloudEventSchemaV1_0`).
    #[serde(borrow)]
    pub specversion: LooseStr<'a>,
    /// Event Grid schema marker.
    #[serde(borrow, rename = "eventType")]
    pub event_type: LooseStr<'a>,
    /// Elasticsearch / Kibana document: `_source.auth0.logs.data`.
    #[serde(borrow, rename = "_source")]
    pub es_source: LooseObj<Box<crate::vendor::RawEsSource<'a>>>,
    /// Datadog archive: the event (or `{log_id, data}`) under `attributes`.
    #[serde(borrow)]
    pub attributes: LooseObj<Box<RawEvent<'a>>>,
    /// Splunk HEC: the event under `message` (a string `message` is ignored).
    #[serde(borrow)]
    pub message: LooseObj<Box<RawEvent<'a>>>,
    /// Splunk search export: `result._raw` holds the event as a JSON string.
    #[serde(borrow)]
    pub result: LooseObj<crate::vendor::RawSplunkResult<'a>>,
    /// Panther's own columns (`p_log_type`, `p_event_time`); only their presence matters.
    #[serde(borrow)]
    pub p_log_type: LooseStr<'a>,
    #[serde(borrow)]
    pub p_event_time: LooseStr<'a>,

    // Flattened columns (Microsoft Sentinel `Auth0AM_CL` / `Auth0Logs_CL`): nested keys
    // joined with `_`, a type suffix (`_s` string, `_b` bool, `_d` number, `_t` time).
    #[serde(borrow)]
    pub type_s: LooseStr<'a>,
    #[serde(borrow)]
    pub date_t: LooseStr<'a>,
    #[serde(borrow, rename = "TimeGenerated")]
    pub time_generated: LooseStr<'a>,
    #[serde(borrow)]
    pub description_s: LooseStr<'a>,
    #[serde(borrow)]
    pub log_id_s: LooseStr<'a>,
    #[serde(borrow)]
    pub client_name_s: LooseStr<'a>,
    #[serde(borrow)]
    pub connection_s: LooseStr<'a>,
    #[serde(borrow, rename = "isMobile_b")]
    pub is_mobile_b: LooseStr<'a>,
    #[serde(borrow)]
    pub details_error_message: LooseStr<'a>,
    #[serde(borrow)]
    pub details_error_message_s: LooseStr<'a>,
    #[serde(borrow)]
    pub details_error_s: LooseStr<'a>,
    #[serde(borrow)]
    pub details_actions_executions_s: LooseStr<'a>,
    pub details_stats_total_request_duration_ms_d: LooseNum,
    pub details_stats_total_runtime_execution_duration_ms_d: LooseNum,
    pub details_stats_runtime_processing_duration_ms_d: LooseNum,
    pub details_stats_action_duration_ms_d: LooseNum,
    pub details_stats_runtime_external_call_duration_ms_d: LooseNum,
    pub details_stats_boot_duration_ms_d: LooseNum,
    pub details_stats_network_duration_ms_d: LooseNum,
}

/// An id written as a string or as a bare number, kept digit for digit.
pub fn raw_id(raw: Option<&serde_json::value::RawValue>) -> Option<String> {
    raw_id_text(raw?.get())
}

/// [`raw_id`] of a value's exact JSON text.
pub fn raw_id_text(text: &str) -> Option<String> {
    let text = text.trim();
    if text.starts_with('"') {
        if !text.contains('\\') && text.len() >= 2 && text.ends_with('"') {
            // No escapes: the text between the quotes is the string.
            return Some(text[1..text.len() - 1].to_owned());
        }
        serde_json::from_str::<String>(text).ok()
    } else if text.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'-' | b'.' | b'e' | b'E' | b'+')) {
        Some(text.to_owned())
    } else {
        None
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawDetails<'a> {
    #[serde(borrow)]
    pub error: RawError<'a>,
    pub actions: LooseObj<RawActions>,
    pub stats: LooseObj<RawStats>,
    #[serde(rename = "elapsedTime")]
    pub elapsed_time: LooseNum,
    pub prompts: LooseSeq<RawPrompt>,
    #[serde(rename = "initiatedAt")]
    pub initiated_at: LooseStr<'a>,
    #[serde(rename = "completedAt")]
    pub completed_at: LooseStr<'a>,
    #[serde(borrow)]
    pub action_name: LooseStr<'a>,
    #[serde(borrow)]
    pub error_class: LooseStr<'a>,
}

/// One of `details.prompts[]` (on `s` and other success events).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawPrompt {
    #[serde(rename = "elapsedTime")]
    pub elapsed_time: LooseNum,
}

/// `details.error`: an object with a `message`, or (on `fn`) a plain string.
#[derive(Debug, Default)]
pub struct RawError<'a> {
    pub message: Option<Cow<'a, str>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for RawError<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Obj<'a> {
            #[serde(borrow)]
            message: LooseStr<'a>,
        }
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = RawError<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let o = Obj::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawError { message: o.message.0 })
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(RawError { message: Some(Cow::Borrowed(v)) })
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawError { message: Some(Cow::Owned(v.to_owned())) })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(RawError::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(RawError::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(RawError::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(RawError::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(RawError::default())
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(RawError::default())
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawActions {
    pub executions: LooseList,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawStats {
    pub total_request_duration_ms: LooseNum,
    pub total_runtime_execution_duration_ms: LooseNum,
    pub runtime_processing_duration_ms: LooseNum,
    pub action_duration_ms: LooseNum,
    pub runtime_external_call_duration_ms: LooseNum,
    pub boot_duration_ms: LooseNum,
    pub network_duration_ms: LooseNum,
}

impl From<RawStats> for Stats {
    fn from(r: RawStats) -> Self {
        Stats {
            total_request_duration_ms: r.total_request_duration_ms.0,
            total_runtime_execution_duration_ms: r.total_runtime_execution_duration_ms.0,
            runtime_processing_duration_ms: r.runtime_processing_duration_ms.0,
            action_duration_ms: r.action_duration_ms.0,
            runtime_external_call_duration_ms: r.runtime_external_call_duration_ms.0,
            boot_duration_ms: r.boot_duration_ms.0,
            network_duration_ms: r.network_duration_ms.0,
        }
    }
}

/// A time field that may be an ISO string or an epoch number.
fn loose_time(v: LooseStr<'_>) -> Option<Millis> {
    v.0.as_deref().and_then(|s| {
        parse_time(s).or_else(|| {
            s.trim().parse::<f64>().ok().filter(|n| n.is_finite()).and_then(epoch_number_to_ms)
        })
    })
}

impl<'a> RawEvent<'a> {
    /// True when this object looks like an Auth0 event itself (not an envelope):
    /// it has a `type` or a `date` (or their flattened columns).
    pub fn is_event(&self) -> bool {
        self.type_code.0.is_some() || self.date.0.is_some() || self.type_s.0.is_some() || self.date_t.0.is_some()
    }

    /// The date as written (`date`, else `date_t`, else `TimeGenerated`) and the
    /// key it was under, for warnings.
    /// Borrowed from the input when the record wrote it without escapes.
    pub fn date_text(&self) -> Option<(&'static str, Cow<'a, str>)> {
        [("date", &self.date), ("date_t", &self.date_t), ("TimeGenerated", &self.time_generated)]
            .into_iter()
            .find_map(|(k, v)| v.0.clone().map(|t| (k, t)))
    }

    /// True when the object has a `type` but nothing else that makes it a log
    /// event: no date, no `log_id`, and a `type` that is no Auth0 event code (a
    /// JSON Schema's `"type":"object"`, a config file's `"type":"service_account"`).
    pub fn is_foreign(&self) -> bool {
        let code = self.type_code.0.as_deref().or(self.type_s.0.as_deref()).map(str::trim);
        self.date_text().is_none()
            && self.log_id.is_none()
            && self.id.is_none()
            && self.log_id_s.0.is_none()
            && code.is_some_and(|c| crate::codes::meaning(c).is_none())
    }

    /// True when the record uses flattened, type-suffixed columns (Sentinel).
    pub fn is_flattened(&self) -> bool {
        self.type_s.0.is_some()
            || self.date_t.0.is_some()
            || self.description_s.0.is_some()
            || self.log_id_s.0.is_some()
            || self.is_mobile_b.0.is_some()
            || self.details_error_message.0.is_some()
            || self.details_error_message_s.0.is_some()
            || self.details_actions_executions_s.0.is_some()
    }

    /// True when the object has some Auth0 event field other than `type`/`date`:
    /// a partial projection (`fields=log_id,description`) is still an event.
    pub fn has_event_fields(&self) -> bool {
        self.description.0.is_some()
            || self.client_name.0.is_some()
            || self.connection.0.is_some()
            || self.details.0.is_some()
            || ((self.log_id.is_some() || self.id.is_some()) && self.data.0.is_none())
    }

    /// The typed event. `source`, `record`, `span` and `envelope` come from ingest.
    pub fn into_event(self, source: u32, record: u32, span: Range<usize>, envelope: Envelope) -> Event {
        let details = self.details.0.unwrap_or_default();
        let flat_stats = RawStats {
            total_request_duration_ms: self.details_stats_total_request_duration_ms_d,
            total_runtime_execution_duration_ms: self.details_stats_total_runtime_execution_duration_ms_d,
            runtime_processing_duration_ms: self.details_stats_runtime_processing_duration_ms_d,
            action_duration_ms: self.details_stats_action_duration_ms_d,
            runtime_external_call_duration_ms: self.details_stats_runtime_external_call_duration_ms_d,
            boot_duration_ms: self.details_stats_boot_duration_ms_d,
            network_duration_ms: self.details_stats_network_duration_ms_d,
        };
        let stats = details
            .stats
            .0
            .map(Stats::from)
            .filter(Stats::has_timing)
            .or_else(|| Some(Stats::from(flat_stats)).filter(Stats::has_timing));
        let mut executions = details.actions.0.map(|a| a.executions.0).unwrap_or_default();
        if executions.is_empty() {
            if let Some(s) = self.details_actions_executions_s.0.as_deref() {
                executions = flat_list(s);
            }
        }
        let date = if self.date.0.is_some() { self.date } else if self.date_t.0.is_some() { self.date_t } else { self.time_generated };
        Event {
            source,
            record,
            span,
            envelope,
            log_id: raw_id(self.log_id).or_else(|| raw_id(self.id)).or_else(|| self.log_id_s.into_string()),
            time: loose_time(date),
            type_code: self.type_code.into_string().or_else(|| self.type_s.into_string()).unwrap_or_default(),
            description: self.description.into_string().or_else(|| self.description_s.into_string()).unwrap_or_default(),
            client_name: self.client_name.into_string().or_else(|| self.client_name_s.into_string()),
            connection: self.connection.into_string().or_else(|| self.connection_s.into_string()),
            error_message: details
                .error
                .message
                .map(Cow::into_owned)
                .or_else(|| self.details_error_message.into_string())
                .or_else(|| self.details_error_message_s.into_string())
                .or_else(|| self.details_error_s.into_string()),
            executions,
            stats,
            elapsed_ms: details.elapsed_time.0.or_else(|| {
                details.prompts.0.iter().filter_map(|p| p.elapsed_time.0).reduce(f64::max)
            }),
            initiated_at: loose_time(details.initiated_at),
            completed_at: loose_time(details.completed_at),
            action_name: details.action_name.into_string(),
            error_class: details.error_class.into_string(),
        }
    }
}

/// A flattened list column: a JSON array written as a string (`["a","b"]`), or
/// values separated by commas or spaces.
fn flat_list(s: &str) -> Vec<String> {
    let t = s.trim();
    if t.starts_with('[') {
        if let Ok(LooseList(v)) = serde_json::from_str::<LooseList>(t) {
            return v;
        }
    }
    t.split(|c: char| c == ',' || c.is_whitespace())
        .map(|p| p.trim_matches(|c| c == '"' || c == '[' || c == ']'))
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(json: &str) -> Event {
        let raw: RawEvent = serde_json::from_str(json).unwrap();
        raw.into_event(0, 1, 0..json.len(), Envelope::Bare)
    }

    #[test]
    fn epoch_numbers_are_times_only_when_plausible() {
        // `"date":17` was 1970-01-01T00:00:17Z; now it is no time at all.
        assert_eq!(ev(r#"{"type":"s","date":17}"#).time, None);
        assert_eq!(ev(r#"{"type":"s","date":-5}"#).time, None);
        assert_eq!(ev(r#"{"type":"s","date":1e20}"#).time, None);
        assert_eq!(ev(r#"{"type":"s","date":1715677203000}"#).time, Some(1_715_677_203_000));
        assert_eq!(ev(r#"{"type":"s","date":1715677203}"#).time, Some(1_715_677_203_000));
        assert_eq!(ev(r#"{"type":"s","date":1715677203.5}"#).time, Some(1_715_677_203_500));
        assert_eq!(parse_time("17"), None);
        // An ISO date outside 2000–2099 is still read (ingest warns about it).
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
    }

    #[test]
    fn civil_time_covers_every_i64() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_time(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_time(258_470_346_815_998), "+10160-08-06T22:33:35.998Z");
        assert_eq!(format_time(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(format_time(-62_167_219_200_001), "-0001-12-31T23:59:59.999Z");
        assert_eq!(format_time(i64::MAX), "+292278994-08-17T07:12:55.807Z");
        assert_eq!(format_time(i64::MIN), "-292275055-05-16T16:47:04.192Z");
        // Against the `time` crate over its whole range, in coarse steps.
        let mut t = -377_705_116_800_000i64; // -9999-01-01
        while t < 253_402_300_800_000 {
            let d = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(t) * 1_000_000).unwrap();
            let c = civil(t);
            assert_eq!((c.year, c.month, c.day, c.hour, c.minute, c.second), (i64::from(d.year()), u8::from(d.month()), d.day(), d.hour(), d.minute(), d.second()), "{t}");
            t += 7_777_777_777_777;
        }
    }

    #[test]
    fn parses_the_date_forms_seen_in_exports() {
        let base = parse_time("2024-01-15T10:30:00.000Z").unwrap();
        assert_eq!(base, 1_705_314_600_000);
        assert_eq!(parse_time("2024-01-15T10:30:00Z"), Some(base));
        assert_eq!(parse_time("2024-01-15 10:30:00.000000000"), Some(base));
        assert_eq!(parse_time("2024-01-15T10:30:00.5Z"), Some(base + 500));
        assert_eq!(parse_time("2024-01-15T10:30:00.123456789Z"), Some(base + 123));
        assert_eq!(parse_time("2024-01-15T12:30:00.000+02:00"), Some(base));
        assert_eq!(parse_time("2024-01-15T05:30:00-0500"), Some(base));
        assert_eq!(parse_time("1705314600000"), Some(base));
        assert_eq!(parse_time("1705314600"), Some(base));
        assert_eq!(parse_time("2024-13-15T10:30:00Z"), None);
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time(""), None);
        assert_eq!(format_time(base + 7), "2024-01-15T10:30:00.007Z");
    }

    #[test]
    fn calendar_arithmetic_matches_the_time_crate() {
        for year in (0..=9999).step_by(7).chain([1900, 1970, 2000, 2024, 2100, 9999]) {
            for month in 1..=12u8 {
                for day in [1u8, 28, 29, 30, 31] {
                    let ours = (day as i64 <= days_in_month(year, month as i64))
                        .then(|| days_from_civil(year, month as i64, day as i64) * 86_400);
                    let theirs = time::Month::try_from(month)
                        .ok()
                        .and_then(|m| time::Date::from_calendar_date(year as i32, m, day).ok())
                        .map(|d| d.midnight().assume_utc().unix_timestamp());
                    assert_eq!(ours, theirs, "{year}-{month}-{day}");
                }
            }
        }
    }

    #[test]
    fn resource_exhausted_matches_description_or_error_message() {
        let a = ev(r#"{"type":"f","description":"resource_exhausted"}"#);
        let b = ev(r#"{"type":"f","description":"","details":{"error":{"message":"resource_exhausted"}}}"#);
        let c = ev(r#"{"type":"f","description":"Wrong email or password."}"#);
        assert!(a.is_resource_exhausted());
        assert!(b.is_resource_exhausted());
        assert!(!c.is_resource_exhausted());
    }

    #[test]
    fn field_types_that_differ_do_not_lose_the_record() {
        let e = ev(r#"{"log_id":90020211104001515271334544008632,"type":"f","date":"2024-01-15T10:30:00.000Z",
            "client_name":["a","b"],"user_id":12345,"scope":["openid"],
            "details":{"error":"plain string error","actions":{},"stats":{"loginsCount":3},
                       "riskAssessment":null,"elapsedTime":null,"initiatedAt":1705314599000}}"#);
        assert_eq!(e.type_code, "f");
        assert_eq!(e.client_name.as_deref(), Some("a"));
        assert_eq!(e.error_message.as_deref(), Some("plain string error"));
        assert!(e.executions.is_empty());
        assert_eq!(e.stats, None, "loginsCount alone is not timing");
        assert_eq!(e.elapsed_ms, None);
        assert_eq!(e.initiated_at, Some(1_705_314_599_000));
        // A numeric log_id keeps every digit (it would lose them through f64).
        assert_eq!(e.log_id.as_deref(), Some("90020211104001515271334544008632"));
    }

    #[test]
    fn prompt_elapsed_time_is_read_when_details_has_none() {
        // The shape of the Elastic sample's `s` events: prompts with their own timers.
        let only_prompts = ev(r#"{"type":"s","date":"2021-11-04T00:15:10.706Z","details":{"prompts":[
            {"name":"prompt-authenticate","completedAt":1635984910474,"elapsedTime":null},
            {"name":"login","initiatedAt":1635984900427,"completedAt":1635984910503,"elapsedTime":10076},
            {"name":"mfa","elapsedTime":"312"}]}}"#);
        assert_eq!(only_prompts.elapsed_ms, Some(10_076.0), "the longest prompt");
        let both = ev(r#"{"type":"s","details":{"elapsedTime":10287,"prompts":[{"elapsedTime":10076}]}}"#);
        assert_eq!(both.elapsed_ms, Some(10_287.0), "the transaction's own time wins");
        let odd = ev(r#"{"type":"s","details":{"prompts":{"elapsedTime":5}}}"#);
        assert_eq!(odd.elapsed_ms, None, "prompts that are not a list are ignored");
        let nulls = ev(r#"{"type":"s","details":{"prompts":[{"elapsedTime":null},7,"x"]}}"#);
        assert_eq!(nulls.elapsed_ms, None);
    }

    #[test]
    fn reads_an_action_execution_object() {
        let json = r#"{"id":"c5b35bb1","trigger_id":"post-login","status":"final","results":[
            {"action_name":"enrich-profile","started_at":"2024-05-14T08:50:01.000Z","ended_at":"2024-05-14T08:50:09.500Z",
             "error":{"id":"e1","msg":"CRM timeout","url":"https://example.com"}},
            "not an object",
            {"action_name":"add-roles","started_at":"2024-05-14T08:50:09.500Z","ended_at":"2024-05-14T08:50:09.540Z"}],
            "created_at":"2024-05-14T08:50:01.000Z","updated_at":"2024-05-14T08:50:09.540Z"}"#;
        let raw: RawExecution = serde_json::from_str(json).unwrap();
        assert!(raw.is_execution());
        let x = raw.into_execution(0, 1, 0..json.len());
        assert_eq!(x.id, "c5b35bb1");
        assert_eq!(x.results.len(), 2);
        assert_eq!(x.results[0].action_name, "enrich-profile");
        assert_eq!(x.results[0].ended_at.unwrap() - x.results[0].started_at.unwrap(), 8_500);
        assert_eq!(x.results[0].error.as_deref(), Some("CRM timeout"));
        assert_eq!(x.results[1].error, None);
    }

    #[test]
    fn details_as_a_string_is_ignored_not_fatal() {
        let e = ev(r#"{"type":"f","details":"whatever...","log_id":"90020200123T1514"}"#);
        assert_eq!(e.log_id.as_deref(), Some("90020200123T1514"));
        assert!(e.stats.is_none());
    }

    #[test]
    fn reads_the_seed_timing_object_and_executions() {
        let e = ev(r#"{"type":"f","description":"resource_exhausted","date":"2024-01-15T10:30:00.000Z",
            "details":{"actions":{"executions":["c5b35bb1-c67d-40bb-9b0d-700b6fe33dd9"]},
            "stats":{"total_request_duration_ms":19900,"total_runtime_execution_duration_ms":19980,
            "runtime_processing_duration_ms":2,"action_duration_ms":19820,"boot_duration_ms":"2",
            "network_duration_ms":14}}}"#);
        let s = e.stats.unwrap();
        assert_eq!(s.total(), Some(19900.0));
        assert_eq!(s.boot_duration_ms, Some(2.0));
        assert_eq!(e.executions, vec!["c5b35bb1-c67d-40bb-9b0d-700b6fe33dd9".to_string()]);
    }
}
