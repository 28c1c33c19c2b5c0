//! Vendor wrappers: where the Auth0 event sits inside what a log tool exports.
//!
//! Users bring logs from wherever they keep them. Each shape below is recognised
//! from its content (never from a file name), unwrapped to the Auth0 event, and
//! recorded as an [`Envelope`] whose [`Envelope::prefix`] tells redaction where the
//! event sits. Sources are the citations of `../shared/reference/auth0-logs.md` §4
//! (row numbers in brackets); UNCONFIRMED there means no public sample was found and
//! the shape follows the vendor's general documentation.
//!
//! | envelope | shape | source |
//! |---|---|---|
//! | `Bare` | the event itself: Management API arrays and pages, `GET /logs/{id}`, partial projections (`fields=`), `auth0 logs list --json` (a 4-space-indented array of API events), Sumo Logic (one flat event per message) | [1, 1b–1e, 7, 14]; auth0/auth0-cli `internal/display/display.go` (`json.MarshalIndent` of the API logs) |
//! | `LogStream` | `{log_id, data}` (custom webhook JSON Lines / Array / Object) | [2, 2b, 2c] |
//! | `EventBridge` | `{version, id, "detail-type", source, …, detail: {log_id, data}}` | [5] aws-samples/amazon-eventbridge-integration-with-auth0 `events/event.json` |
//! | `Elastic` | `{json: {log_id, data}}` (webhook input `prefix: json`, CEL input) | [8] elastic/integrations `packages/auth0` |
//! | `CloudEvent` | Azure Event Grid partner topic, CloudEvents 1.0 (`specversion`) or Event Grid schema (`eventType`); `data` is the *flat* event | [6] ARKlab/Auth0Logs-ApplicationInsight `EventTriggerFunction.cs` |
//! | `ElasticDoc` | a Kibana / Elasticsearch export: `{_index, _id, _source: {auth0: {logs: {data: …}}}}` | [8] elastic/integrations ingest pipeline `default.yml` |
//! | `SplunkHec` | `{message: <event>, metadata: {time}}` from the "Auth0 Logs to Splunk" extension | [4] auth0-extensions/auth0-logs-to-provider `server/lib/senders/splunk.js` |
//! | `SplunkRaw` | Splunk search export (`output_mode=json`): `{preview, result: {_raw: "<event as a JSON string>", _time}}`; the string is parsed a second time | [4c] (UNCONFIRMED in detail) |
//! | `Datadog` / `DatadogData` | Datadog archive line `{_id, date, host, service, message, attributes: {…}, tags}`; the event is `attributes` or `attributes.data` | [3b] DataDog/documentation `archives.md` (nesting UNCONFIRMED) |
//! | `Panther` | `{log_id, data, p_log_type, p_event_time, p_any_ip_addresses, …}`; dates rewritten as `YYYY-MM-DD HH:MM:SS.fffffffff` (read by `model::parse_time`) | [9] docs.panther.com; panther-labs/panther-analysis `rules/auth0_rules` |
//! | `Flattened` | Microsoft Sentinel rows: nested keys joined with `_` and typed by suffix (`details_request_ip`, `type_s`, `date_t`, `isMobile_b: "false"`, `details_error_message_s`) | [10] Azure/Azure-Sentinel `Sample Data/Custom/Auth0AM_CL.json` |
//! | `CsvRow` | CSV / TSV with a header row (`auth0 logs list --csv`, `auth0-logs-to-csv` writes tabs to a `.csv`); `details` is a JSON string column | [14, 14b] |
//!
//! Order matters when a wrapper carries its own `date` or `type` (Datadog archives
//! have a `date`, CloudEvents a `type`): wrappers whose inner object is an event are
//! recognised first, then a bare event, then the `{log_id, data}`-style layers.

use crate::model::{raw_id, Envelope, LooseObj, LooseStr, RawEvent};
use serde::Deserialize;
use std::borrow::Cow;

/// `_source` of an Elasticsearch document: only `auth0.logs` matters.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawEsSource<'a> {
    #[serde(borrow)]
    pub auth0: LooseObj<RawEsAuth0<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawEsAuth0<'a> {
    #[serde(borrow)]
    pub logs: LooseObj<Box<RawEvent<'a>>>,
}

/// `result` of a Splunk search export line.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawSplunkResult<'a> {
    #[serde(borrow, rename = "_raw")]
    pub raw: LooseStr<'a>,
}

/// What a parsed record turned out to hold (short-lived: matched at once).
#[allow(clippy::large_enum_variant)]
pub enum Unwrapped<'a> {
    /// An object in the place of the Auth0 event (it may still lack event fields:
    /// the caller checks [`RawEvent::is_event`]). `outer_id` is the envelope's
    /// `log_id`, used when the event has none.
    Event { event: RawEvent<'a>, envelope: Envelope, outer_id: Option<String> },
    /// Splunk `result._raw`: the event is this JSON text, to be parsed again.
    Embedded(Cow<'a, str>),
}

/// Peels the wrappers listed in the module docs.
pub fn unwrap(mut raw: RawEvent<'_>) -> Unwrapped<'_> {
    let ev = |event, envelope, outer_id| Unwrapped::Event { event, envelope, outer_id };
    if let Some(text) = raw.result.0.take().and_then(|r| r.raw.0) {
        return Unwrapped::Embedded(text);
    }
    if let Some(logs) = raw.es_source.0.take().and_then(|s| s.auth0.0).and_then(|a| a.logs.0) {
        let mut logs = *logs;
        let id = raw_id(logs.log_id);
        if let Some(data) = logs.data.0.take() {
            return ev(*data, Envelope::ElasticDoc, id);
        }
    }
    if let Some(attrs) = raw.attributes.0.take() {
        let mut attrs = *attrs;
        let id = raw_id(attrs.log_id);
        match attrs.data.0.take() {
            Some(data) if data.is_event() => return ev(*data, Envelope::DatadogData, id),
            _ if attrs.is_event() => return ev(attrs, Envelope::Datadog, None),
            _ => {}
        }
    }
    let cloud = raw.specversion.0.is_some() || raw.event_type.0.is_some();
    if cloud && raw.data.0.as_ref().is_some_and(|d| d.is_event()) {
        if let Some(data) = raw.data.0.take() {
            return ev(*data, Envelope::CloudEvent, None);
        }
    }
    if raw.is_event() {
        let envelope = if raw.is_flattened() { Envelope::Flattened } else { Envelope::Bare };
        return ev(raw, envelope, None);
    }
    let outer_id = raw_id(raw.log_id);
    if let Some(data) = raw.data.0.take() {
        let panther = raw.p_log_type.0.is_some() || raw.p_event_time.0.is_some();
        return ev(*data, if panther { Envelope::Panther } else { Envelope::LogStream }, outer_id);
    }
    if let Some(detail) = raw.detail.0.take() {
        let mut detail = *detail;
        let id = raw_id(detail.log_id).or(outer_id);
        return match detail.data.0.take() {
            Some(data) => ev(*data, Envelope::EventBridge, id),
            None => ev(detail, Envelope::EventBridge, id),
        };
    }
    if let Some(json) = raw.json.0.take() {
        let mut json = *json;
        let id = raw_id(json.log_id).or(outer_id);
        return match json.data.0.take() {
            Some(data) => ev(*data, Envelope::Elastic, id),
            None => ev(json, Envelope::Elastic, id),
        };
    }
    if let Some(message) = raw.message.0.take() {
        if message.is_event() {
            return ev(*message, Envelope::SplunkHec, None);
        }
    }
    ev(raw, Envelope::Bare, None)
}

// ---------------------------------------------------------------------------
// CSV / TSV
// ---------------------------------------------------------------------------

/// What a CSV column holds, by its header name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Type,
    Date,
    Description,
    LogId,
    ClientName,
    Connection,
    /// `details` as a JSON string.
    Details,
    ErrorMessage,
    Other,
}

/// The header row of a CSV/TSV export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvHeader {
    pub delimiter: u8,
    pub columns: Vec<Column>,
}

impl CsvHeader {
    pub fn delimiter_name(&self) -> &'static str {
        match self.delimiter {
            b'\t' => "tab",
            b';' => "semicolon",
            _ => "comma",
        }
    }
}

fn column(name: &str) -> Column {
    let n = name.trim().trim_matches('"').trim().to_ascii_lowercase();
    // Sentinel exports type their columns by suffix: `type_s`, `date_t`.
    let base = ["_s", "_t", "_d", "_b"].iter().find_map(|s| n.strip_suffix(s)).unwrap_or(&n);
    match base {
        "type" | "event type" | "event_type" => Column::Type,
        "date" | "time" | "timestamp" | "timegenerated" | "@timestamp" => Column::Date,
        "description" => Column::Description,
        "log_id" | "_id" | "log id" => Column::LogId,
        "client_name" | "client" | "client name" => Column::ClientName,
        "connection" => Column::Connection,
        "details" => Column::Details,
        "details_error_message" | "error" | "error_message" => Column::ErrorMessage,
        _ => Column::Other,
    }
}

/// Decides whether `line` (the first line of an input that is not JSON) is the
/// header row of a CSV/TSV export. `Err` says why not, for the shape notes.
pub fn detect_header(line: &str) -> Result<CsvHeader, String> {
    let count = |d: u8| line.bytes().filter(|&c| c == d).count();
    let (delimiter, n) = [b'\t', b',', b';'].into_iter().map(|d| (d, count(d))).max_by_key(|&(_, n)| n).unwrap_or((b',', 0));
    if n == 0 {
        return Err("not CSV/TSV: the first line has no comma, semicolon or tab".into());
    }
    let fields = match parse_row(line.as_bytes(), 0, delimiter, true) {
        Ok(RowScan::Row { fields, .. }) => fields,
        _ => return Err("not CSV/TSV: the first line is not a readable header row".into()),
    };
    let columns: Vec<Column> = fields.iter().map(|f| column(f)).collect();
    if !columns.iter().any(|c| matches!(c, Column::Type | Column::Date)) {
        return Err(format!(
            "not CSV/TSV: the first line has {} {}-separated fields but none is named type or date",
            columns.len(),
            match delimiter {
                b'\t' => "tab",
                b';' => "semicolon",
                _ => "comma",
            }
        ));
    }
    Ok(CsvHeader { delimiter, columns })
}

/// The result of scanning one CSV row.
#[derive(Debug, PartialEq, Eq)]
pub enum RowScan<'a> {
    /// A row: its fields, the end of its text (before the line break) and where
    /// the next row starts.
    Row { fields: Vec<Cow<'a, str>>, text_end: usize, next: usize },
    /// The row may continue past the end of the buffer.
    NeedMore,
}

/// Scans one RFC 4180 row starting at `pos` (not at a line break): fields split by
/// `delimiter`, `"quoted"` fields may hold delimiters, line breaks and `""`. A row
/// ends at `\n` or `\r\n`, or at the end of the input when `eof`. Lenient: text
/// after a closing quote is kept. `Err` is (offset, message) for a quote that is
/// never closed.
pub fn parse_row(b: &[u8], pos: usize, delimiter: u8, eof: bool) -> Result<RowScan<'_>, (usize, String)> {
    let text = |r: std::ops::Range<usize>| String::from_utf8_lossy(&b[r]);
    let mut fields = Vec::new();
    let mut i = pos;
    loop {
        // One field, starting at i.
        if b.get(i) == Some(&b'"') {
            let open = i;
            let mut value = String::new();
            let mut j = i + 1;
            let mut start = j;
            loop {
                match b.get(j) {
                    None if eof => return Err((open, "quoted field is not closed before the end of the input".into())),
                    None => return Ok(RowScan::NeedMore),
                    Some(b'"') if b.get(j + 1) == Some(&b'"') => {
                        value.push_str(&text(start..j + 1));
                        j += 2;
                        start = j;
                    }
                    Some(b'"') if j + 1 == b.len() && !eof => return Ok(RowScan::NeedMore),
                    Some(b'"') => {
                        value.push_str(&text(start..j));
                        j += 1;
                        break;
                    }
                    Some(_) => j += 1,
                }
            }
            // Keep anything between the closing quote and the delimiter.
            let rest = j;
            while j < b.len() && b[j] != delimiter && b[j] != b'\n' {
                j += 1;
            }
            let tail = text(rest..j);
            value.push_str(tail.trim_end_matches('\r'));
            fields.push(Cow::Owned(value));
            i = j;
        } else {
            let start = i;
            while i < b.len() && b[i] != delimiter && b[i] != b'\n' {
                i += 1;
            }
            let end = if i > start && b[i - 1] == b'\r' && (i == b.len() || b[i] == b'\n') { i - 1 } else { i };
            fields.push(text(start..end));
        }
        match b.get(i) {
            Some(&c) if c == delimiter => i += 1,
            Some(b'\n') => {
                let text_end = if i > pos && b[i - 1] == b'\r' { i - 1 } else { i };
                return Ok(RowScan::Row { fields, text_end, next: i + 1 });
            }
            None if eof => return Ok(RowScan::Row { fields, text_end: b.len(), next: b.len() }),
            _ => return Ok(RowScan::NeedMore),
        }
    }
}

/// The event of one CSV row, built from its named columns. A `details` column
/// that is not JSON is ignored; the second value says so.
pub fn row_event<'a>(header: &CsvHeader, fields: &'a [Cow<'a, str>]) -> (RawEvent<'a>, Option<String>) {
    let mut raw = RawEvent::default();
    let mut warning = None;
    let set = |s: &'a Cow<'a, str>| LooseStr(Some(Cow::Borrowed(s.as_ref())));
    for (col, value) in header.columns.iter().zip(fields) {
        if value.is_empty() {
            continue;
        }
        match col {
            Column::Type => raw.type_code = set(value),
            Column::Date => raw.date = set(value),
            Column::Description => raw.description = set(value),
            Column::LogId => raw.log_id_s = set(value),
            Column::ClientName => raw.client_name = set(value),
            Column::Connection => raw.connection = set(value),
            Column::ErrorMessage => raw.details_error_message = set(value),
            Column::Details => match serde_json::from_str(value) {
                Ok(d) => raw.details = d,
                Err(e) => warning = Some(format!("the `details` column is not JSON ({e}); read the row without it")),
            },
            Column::Other => {}
        }
    }
    (raw, warning)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(s: &str, d: u8) -> Vec<String> {
        match parse_row(s.as_bytes(), 0, d, true).unwrap() {
            RowScan::Row { fields, .. } => fields.into_iter().map(Cow::into_owned).collect(),
            RowScan::NeedMore => panic!("need more"),
        }
    }

    #[test]
    fn rfc4180_quoting() {
        assert_eq!(fields("a,\"b,c\",\"say \"\"hi\"\"\"\n", b','), ["a", "b,c", "say \"hi\""]);
        assert_eq!(fields("a,\"two\nlines\",c\r\nnext", b','), ["a", "two\nlines", "c"]);
        assert_eq!(fields("x\t\ty\r\n", b'\t'), ["x", "", "y"]);
        assert_eq!(fields("\"a\"b,c", b','), ["ab", "c"]);
        assert_eq!(parse_row(b"a,\"open", 0, b',', true), Err((2, "quoted field is not closed before the end of the input".into())));
        assert_eq!(parse_row(b"a,\"open", 0, b',', false), Ok(RowScan::NeedMore));
        assert_eq!(parse_row(b"a,b", 0, b',', false), Ok(RowScan::NeedMore));
        assert_eq!(parse_row(b"a,\"b\"", 0, b',', false), Ok(RowScan::NeedMore));
    }

    #[test]
    fn header_detection_gives_reasons() {
        let h = detect_header("type\tdate\tdescription\tdetails").unwrap();
        assert_eq!(h.delimiter, b'\t');
        assert_eq!(h.columns, [Column::Type, Column::Date, Column::Description, Column::Details]);
        assert_eq!(detect_header("TimeGenerated,type_s,description_s").unwrap().columns[..2], [Column::Date, Column::Type]);
        assert_eq!(detect_header("hello world").unwrap_err(), "not CSV/TSV: the first line has no comma, semicolon or tab");
        assert_eq!(
            detect_header("name,age").unwrap_err(),
            "not CSV/TSV: the first line has 2 comma-separated fields but none is named type or date"
        );
    }
}
