//! The events table under the chart: which rows pass the filters, in what order,
//! which of them fall in the chart's visible range, and which few are on screen
//! (virtual scrolling). Pure logic; the web layer only renders the window.
//!
//! What a row is: one per chart mark (a work span: an Action or script run, or a
//! request when no Action is named), showing that run's Action, end time and
//! duration and the event it belongs to; plus one per event that has no mark (no
//! duration: a failed login, a logout). So a login that ran two Actions is two rows,
//! the Action filter finds every run of an Action, and a row and its mark select
//! each other one to one. Row ids: mark `k` is row `k`; the `j`-th event without a
//! mark ([`Linked::unmarked`]) is row `marks + j` (see [`Linked::row`]).
//!
//! Rows are reached through the [`Rows`] trait so that the table works the same
//! over loaded events ([`EventRows`]) and over synthetic benchmark rows
//! ([`SynthRows`], one per mark). [`Linked`] ties chart marks to events both ways.

use std::cmp::Ordering;
use std::ops::Range;

use crate::chart::{ChartData, Mark};
use crate::model::Event;

/// A table column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Col {
    Time,
    Duration,
    Series,
    Type,
    Description,
    Client,
    Connection,
}

impl Col {
    pub const ALL: [Col; 7] = [
        Col::Time,
        Col::Duration,
        Col::Series,
        Col::Type,
        Col::Description,
        Col::Client,
        Col::Connection,
    ];
    pub fn key(self) -> &'static str {
        match self {
            Col::Time => "time",
            Col::Duration => "duration",
            Col::Series => "series",
            Col::Type => "type",
            Col::Description => "description",
            Col::Client => "client",
            Col::Connection => "connection",
        }
    }
    pub fn from_key(k: &str) -> Option<Col> {
        Col::ALL.into_iter().find(|c| c.key() == k)
    }
}

/// Row access for the table.
pub trait Rows {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn time(&self, i: usize) -> Option<i64>;
    fn duration(&self, i: usize) -> Option<f64>;
    /// Index into the series names.
    fn series(&self, i: usize) -> Option<u32>;
    /// Text of a text column (Series gives the series name); "" when absent.
    fn text(&self, i: usize, col: Col) -> &str;
    /// Every row in time order, untimed last (ties in any order). The table's
    /// orders start from it, so that rows equal in the sort column stay in time order
    /// and the default order needs no sort.
    fn time_order(&self) -> Vec<u32> {
        (0..self.len() as u32).collect()
    }
}

/// Filters and sort order.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub type_code: Option<String>,
    pub series: Option<u32>,
    pub client: Option<String>,
    pub connection: Option<String>,
    /// Case-insensitive (ASCII) substring of any text column.
    pub text: String,
    pub sort: Col,
    pub descending: bool,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            type_code: None,
            series: None,
            client: None,
            connection: None,
            text: String::new(),
            sort: Col::Time,
            descending: false,
        }
    }
}

/// ASCII case-insensitive substring test, without allocating.
pub fn contains_ci(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return true;
    }
    if n.len() > h.len() {
        return false;
    }
    h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

fn matches<R: Rows + ?Sized>(rows: &R, i: usize, q: &Query) -> bool {
    if let Some(t) = &q.type_code {
        if rows.text(i, Col::Type) != t {
            return false;
        }
    }
    if let Some(s) = q.series {
        if rows.series(i) != Some(s) {
            return false;
        }
    }
    if let Some(c) = &q.client {
        if rows.text(i, Col::Client) != c {
            return false;
        }
    }
    if let Some(c) = &q.connection {
        if rows.text(i, Col::Connection) != c {
            return false;
        }
    }
    let text = q.text.trim();
    if !text.is_empty() {
        return [Col::Type, Col::Description, Col::Client, Col::Connection, Col::Series]
            .into_iter()
            .any(|c| contains_ci(rows.text(i, c), text));
    }
    true
}

/// Compares two rows by `col`; values present come first in either direction,
/// missing ones (no time, no duration, empty text) last.
fn cmp_col<R: Rows + ?Sized>(rows: &R, a: usize, b: usize, col: Col, desc: bool) -> Ordering {
    fn opt<T>(a: Option<T>, b: Option<T>, desc: bool, f: impl Fn(T, T) -> Ordering) -> Ordering {
        match (a, b) {
            (Some(x), Some(y)) if desc => f(y, x),
            (Some(x), Some(y)) => f(x, y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    match col {
        Col::Time => opt(rows.time(a), rows.time(b), desc, |x, y| x.cmp(&y)),
        Col::Duration => opt(rows.duration(a), rows.duration(b), desc, |x, y| x.total_cmp(&y)),
        _ => {
            let (x, y) = (rows.text(a, col), rows.text(b, col));
            opt((!x.is_empty()).then_some(x), (!y.is_empty()).then_some(y), desc, |x, y| x.cmp(y))
        }
    }
}

/// Rows passing the filters, sorted (stable: ties keep row order, which is time
/// order for loaded events).
pub fn select<R: Rows + ?Sized>(rows: &R, q: &Query) -> Vec<u32> {
    filter_in(rows, &order(rows, q.sort, q.descending), q)
}

/// Every row in the order `sort` / `descending` gives (stable: ties keep the
/// order of [`Rows::time_order`]; missing values last).
pub fn order<R: Rows + ?Sized>(rows: &R, sort: Col, descending: bool) -> Vec<u32> {
    let mut out = rows.time_order();
    let by = |a: &u32, b: &u32| cmp_col(rows, *a as usize, *b as usize, sort, descending);
    // The time order is the usual one: check before sorting (a stable sort).
    if !out.is_sorted_by(|a, b| by(a, b) != Ordering::Greater) {
        out.sort_by(by);
    }
    out
}

/// The rows of `order` passing the filters of `q`, in that order.
pub fn filter_in<R: Rows + ?Sized>(rows: &R, order: &[u32], q: &Query) -> Vec<u32> {
    order.iter().copied().filter(|&i| matches(rows, i as usize, q)).collect()
}

/// The table's sorted order, kept between filter changes: a new filter only
/// walks the sorted rows; sorting happens again only when the sort column or
/// direction changes (or the rows do: call [`Sorted::reset`]).
#[derive(Clone, Debug, Default)]
pub struct Sorted {
    key: Option<(Col, bool, usize)>,
    order: Vec<u32>,
    sorts: usize,
}

impl Sorted {
    /// Rows passing `q`'s filters in `q`'s order; the same as [`select`].
    pub fn select<R: Rows + ?Sized>(&mut self, rows: &R, q: &Query) -> Vec<u32> {
        let key = (q.sort, q.descending, rows.len());
        if self.key != Some(key) {
            self.order = order(rows, q.sort, q.descending);
            self.key = Some(key);
            self.sorts += 1;
        }
        filter_in(rows, &self.order, q)
    }

    /// Forgets the order (the rows changed).
    pub fn reset(&mut self) {
        *self = Sorted { sorts: self.sorts, ..Sorted::default() };
    }

    /// How many times an order was computed (for tests).
    pub fn sorts(&self) -> usize {
        self.sorts
    }
}

/// [`in_range`] for rows selected with `q`: when they are in time order (either
/// direction) the range is found by binary search instead of a pass over them.
pub fn in_range_for<R: Rows + ?Sized>(rows: &R, selected: &[u32], q: &Query, t0: i64, t1: i64) -> Vec<u32> {
    if q.sort != Col::Time {
        return in_range(rows, selected, t0, t1);
    }
    // Timed rows first (ascending or descending), untimed ones last.
    let time = |i: &u32| rows.time(*i as usize);
    let (a, b) = if q.descending {
        (
            selected.partition_point(|i| time(i).is_some_and(|t| t > t1)),
            selected.partition_point(|i| time(i).is_some_and(|t| t >= t0)),
        )
    } else {
        (
            selected.partition_point(|i| time(i).is_some_and(|t| t < t0)),
            selected.partition_point(|i| time(i).is_some_and(|t| t <= t1)),
        )
    };
    selected[a..b.max(a)].to_vec()
}

/// The rows of `selected` whose time is within `[t0, t1]`, in the same order.
pub fn in_range<R: Rows + ?Sized>(rows: &R, selected: &[u32], t0: i64, t1: i64) -> Vec<u32> {
    selected
        .iter()
        .copied()
        .filter(|&i| rows.time(i as usize).is_some_and(|t| t >= t0 && t <= t1))
        .collect()
}

/// The tallest scroller the table makes; browsers cap element heights around
/// 33 million px, so longer tables scroll proportionally.
pub const MAX_SCROLL_PX: f64 = 12_000_000.0;

/// Virtual scrolling of `n` rows of `row_h` px in a viewport `view_h` px tall.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Virtual {
    pub n: usize,
    pub row_h: f64,
    pub view_h: f64,
}

impl Virtual {
    fn exact_h(&self) -> f64 {
        self.n as f64 * self.row_h
    }
    /// Height of the spacer inside the scroller.
    pub fn height(&self) -> f64 {
        self.exact_h().min(MAX_SCROLL_PX)
    }
    fn scaled(&self) -> bool {
        self.exact_h() > MAX_SCROLL_PX
    }
    /// Rows to render for `scroll_top` (with `overscan` extra rows each side)
    /// and the pixel offset of the first one inside the spacer.
    pub fn window(&self, scroll_top: f64, overscan: usize) -> (Range<usize>, f64) {
        if self.n == 0 || self.row_h <= 0.0 {
            return (0..0, 0.0);
        }
        let top = scroll_top.clamp(0.0, (self.height() - self.view_h).max(0.0));
        // The exact top: where the viewport would be if nothing were scaled.
        let exact = if self.scaled() {
            let max = (self.height() - self.view_h).max(1.0);
            top / max * (self.exact_h() - self.view_h).max(0.0)
        } else {
            top
        };
        let first = ((exact / self.row_h).floor() as usize).min(self.n - 1);
        let visible = (self.view_h / self.row_h).ceil() as usize + 1;
        let start = first.saturating_sub(overscan);
        let end = (first + visible + overscan).min(self.n);
        let offset = top - (exact - start as f64 * self.row_h);
        (start..end, offset)
    }
    /// A scroll position that shows row `row`: unchanged when it is already
    /// fully visible, else the least movement (exact) or centred (scaled).
    pub fn scroll_top_for(&self, row: usize, current: f64) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        let row = row.min(self.n - 1) as f64;
        if !self.scaled() {
            let (a, b) = (row * self.row_h, (row + 1.0) * self.row_h);
            if a < current {
                a
            } else if b > current + self.view_h {
                (b - self.view_h).max(0.0)
            } else {
                current
            }
        } else {
            let exact = (row * self.row_h - self.view_h / 2.0).clamp(0.0, (self.exact_h() - self.view_h).max(0.0));
            let max = (self.height() - self.view_h).max(1.0);
            exact / (self.exact_h() - self.view_h).max(1.0) * max
        }
    }
}

/// Chart marks sorted by time, linked to events both ways, with each mark's
/// histogram bucket.
#[derive(Clone, Debug, Default)]
pub struct Linked {
    /// The chart data with marks sorted by time (draw with `sorted: true`).
    pub data: ChartData,
    /// Event index of each (sorted) mark.
    pub mark_event: Vec<u32>,
    /// Histogram bucket of each (sorted) mark.
    pub buckets: Vec<u8>,
    /// Running bucket counts, so a frame's histogram does not scan the view.
    pub hist: crate::histogram::Index,
    /// Per event, its slowest mark (`u32::MAX`: none).
    pub event_mark: Vec<u32>,
    /// The events without a mark (no duration), in event order: the table's rows
    /// after the marks' (see [`Linked::row`]).
    pub unmarked: Vec<u32>,
}

pub const NONE: u32 = u32::MAX;

/// What table row `id` shows (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    /// Mark `k` (sorted order): a run, with the event it belongs to, if any.
    Mark(usize),
    /// Event `e`, which has no mark.
    Event(usize),
}

impl Linked {
    /// `span_event[i]` is the event of `chart.marks[i]`; `n_events` events.
    pub fn build(chart: &ChartData, span_event: &[usize], n_events: usize) -> Linked {
        Self::link(&chart.marks, chart.without_marks(), span_event, n_events)
    }

    /// As [`Linked::build`], taking `chart` over: its legend, steps, breaches and
    /// windows are moved, not copied, and its marks are freed once sorted.
    pub fn from_chart(mut chart: ChartData, span_event: &[usize], n_events: usize) -> Linked {
        let marks = std::mem::take(&mut chart.marks);
        Self::link(&marks, chart, span_event, n_events)
    }

    /// `rest`: the chart without its marks; `unsorted`: its marks.
    fn link(unsorted: &[Mark], rest: ChartData, span_event: &[usize], n_events: usize) -> Linked {
        let mut order: Vec<u32> = (0..unsorted.len() as u32).collect();
        order.sort_by_key(|&i| unsorted[i as usize].t);
        let marks: Vec<Mark> = order.iter().map(|&i| unsorted[i as usize]).collect();
        let mark_event: Vec<u32> = order
            .iter()
            .map(|&i| span_event.get(i as usize).map_or(NONE, |&e| e as u32))
            .collect();
        let mut event_mark = vec![NONE; n_events];
        for (k, &e) in mark_event.iter().enumerate() {
            if let Some(slot) = event_mark.get_mut(e as usize) {
                if *slot == NONE || marks[k].dur_ms > marks[*slot as usize].dur_ms {
                    *slot = k as u32;
                }
            }
        }
        let buckets = crate::histogram::buckets_of(&marks);
        let hist = crate::histogram::Index::build(&marks, &buckets);
        let unmarked = (0..n_events as u32).filter(|&e| event_mark[e as usize] == NONE).collect();
        Linked {
            data: ChartData { marks, ..rest },
            mark_event,
            buckets,
            hist,
            event_mark,
            unmarked,
        }
    }

    /// How many table rows there are: one per mark, one per event without a mark.
    pub fn row_count(&self) -> usize {
        self.data.marks.len() + self.unmarked.len()
    }

    /// What table row `id` shows.
    pub fn row(&self, id: usize) -> Option<Row> {
        let n = self.data.marks.len();
        if id < n {
            Some(Row::Mark(id))
        } else {
            self.unmarked.get(id - n).map(|&e| Row::Event(e as usize))
        }
    }

    /// The mark of row `id` (none for an event without a duration).
    pub fn row_mark(&self, id: usize) -> Option<usize> {
        (id < self.data.marks.len()).then_some(id)
    }

    /// The event of row `id`: the event the run belongs to (none for an Action
    /// execution object no event lists), or the row's own event.
    pub fn row_event(&self, id: usize) -> Option<usize> {
        match self.row(id)? {
            Row::Mark(k) => self.mark_event.get(k).filter(|&&e| e != NONE).map(|&e| e as usize),
            Row::Event(e) => Some(e),
        }
    }

    /// The row of mark `k` (the selection link: a mark selects its row).
    pub fn mark_row(&self, k: usize) -> Option<usize> {
        (k < self.data.marks.len()).then_some(k)
    }

    /// The row that stands for event `e`: its slowest run's, or its own when it has no run.
    pub fn event_row(&self, e: usize) -> Option<usize> {
        match *self.event_mark.get(e)? {
            NONE => self.unmarked.binary_search(&(e as u32)).ok().map(|j| self.data.marks.len() + j),
            k => Some(k as usize),
        }
    }

    /// Every mark of event `e`.
    pub fn marks_of(&self, e: usize) -> Vec<usize> {
        self.mark_event
            .iter()
            .enumerate()
            .filter(|(_, &x)| x as usize == e)
            .map(|(k, _)| k)
            .collect()
    }
}

/// Loaded events as table rows: one per mark (its end time, duration and series,
/// and its event's type, description, client and connection), then one per event
/// without a mark (see the module doc). No rows while the events are still arriving
/// (`events` shorter than the events the marks were linked to).
pub struct EventRows<'a> {
    pub events: &'a [Event],
    pub linked: &'a Linked,
}

impl EventRows<'_> {
    fn loaded(&self) -> bool {
        self.events.len() == self.linked.event_mark.len()
    }
    fn mark(&self, i: usize) -> Option<&Mark> {
        self.linked.data.marks.get(self.linked.row_mark(i)?)
    }
    fn event(&self, i: usize) -> Option<&Event> {
        self.events.get(self.linked.row_event(i)?)
    }
}

impl Rows for EventRows<'_> {
    fn len(&self) -> usize {
        if self.loaded() {
            self.linked.row_count()
        } else {
            0
        }
    }
    fn time(&self, i: usize) -> Option<i64> {
        match self.linked.row(i)? {
            Row::Mark(k) => self.linked.data.marks.get(k).map(|m| m.t),
            Row::Event(e) => self.events.get(e)?.time,
        }
    }
    fn duration(&self, i: usize) -> Option<f64> {
        self.mark(i).map(|m| m.dur_ms)
    }
    fn series(&self, i: usize) -> Option<u32> {
        self.mark(i).map(|m| u32::from(m.series))
    }
    fn text(&self, i: usize, col: Col) -> &str {
        if col == Col::Series {
            return self
                .series(i)
                .and_then(|s| self.linked.data.series.get(s as usize))
                .map_or("", String::as_str);
        }
        let Some(e) = self.event(i) else { return "" };
        match col {
            Col::Type => &e.type_code,
            Col::Description => &e.description,
            Col::Client => e.client_name.as_deref().unwrap_or(""),
            Col::Connection => e.connection.as_deref().unwrap_or(""),
            Col::Series | Col::Time | Col::Duration => "",
        }
    }
    /// The marks (sorted by time) merged with the events without a mark (in event
    /// order: time order, untimed last); a mark before an event at the same time.
    fn time_order(&self) -> Vec<u32> {
        if !self.loaded() {
            return Vec::new();
        }
        let marks = &self.linked.data.marks;
        let un = &self.linked.unmarked;
        let mut out = Vec::with_capacity(marks.len() + un.len());
        let (mut i, mut j) = (0, 0);
        while i < marks.len() || j < un.len() {
            let event_first = j < un.len()
                && (i == marks.len() || self.events[un[j] as usize].time.is_some_and(|t| t < marks[i].t));
            if event_first {
                out.push((marks.len() + j) as u32);
                j += 1;
            } else {
                out.push(i as u32);
                i += 1;
            }
        }
        out
    }
}

/// A line of a row's description ([`describe_row`]): the tooltip's classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// The Action (or request kind), or the event's type for an event row.
    Title,
    Info,
    /// The event's description (log text).
    Desc,
}

/// `2024-05-14 08:45:00.753 UTC`: a time as the page shows it, `offset` ms east of UTC.
pub fn fmt_when(t: i64, offset: i64) -> String {
    use crate::chart::{format_date, format_time, zone_label, TimeFormat};
    let t = t.saturating_add(offset);
    format!("{} {} {}", format_date(t), format_time(t, TimeFormat::Milli), zone_label(offset))
}

/// `2024-05-14 08:45:00.518 → 08:45:00.753 UTC` (the end's date too when it differs),
/// `zone(t)` ms east of UTC at each end (a span across a clock change names both zones).
pub fn fmt_span(start: i64, end: i64, zone: &dyn Fn(i64) -> i64) -> String {
    use crate::chart::{format_date, format_time, zone_label, TimeFormat};
    let (za, zb) = (zone(start), zone(end));
    let (a, b) = (start.saturating_add(za), end.saturating_add(zb));
    let end_date = if format_date(a) == format_date(b) { String::new() } else { format!("{} ", format_date(b)) };
    let start_zone = if za == zb { String::new() } else { format!(" {}", zone_label(za)) };
    format!(
        "{} {}{start_zone} → {end_date}{} {}",
        format_date(a),
        format_time(a, TimeFormat::Milli),
        format_time(b, TimeFormat::Milli),
        zone_label(zb)
    )
}

/// `235 ms`, `1,250 ms`, `17.9 s`, `2 min 5 s` (100 s and more).
pub fn fmt_dur(ms: f64) -> String {
    if ms >= 100_000.0 {
        crate::session::duration_text(ms as i64)
    } else if ms >= 10_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        format!("{} ms", crate::session::group_digits(ms.round().max(0.0) as usize))
    }
}

/// What the tooltip and the detail pane say about table row `id`, with times
/// `zone(t)` ms east of UTC (0: UTC; the page's local zone at `t`). A run: its Action, duration, when it ran (start → end;
/// the end is where its mark sits on the timeline and the table's time), then the
/// event it belongs to (type, when it was logged: its `date`) and that event's
/// description. An event without a mark: its type, when it was logged, its
/// description. `events`: none for synthetic rows (nothing said about events).
pub fn describe_row(linked: &Linked, events: Option<&[Event]>, id: usize, zone: &dyn Fn(i64) -> i64) -> Vec<(String, Line)> {
    let description = |e: &Event, out: &mut Vec<(String, Line)>| {
        if !e.description.is_empty() {
            out.push((e.description.clone(), Line::Desc));
        }
    };
    let logged = |e: &Event| match e.time {
        Some(t) => format!("logged {}", fmt_when(t, zone(t))),
        None => "no readable date".to_string(),
    };
    let type_text = |e: &Event| match crate::codes::meaning(&e.type_code) {
        Some(m) => format!("type {} {m}", e.type_code),
        None => format!("type {}", e.type_code),
    };
    let mut out = Vec::new();
    match linked.row(id) {
        Some(Row::Mark(k)) => {
            let Some(m) = linked.data.marks.get(k) else { return out };
            let series = linked.data.series.get(usize::from(m.series)).cloned().unwrap_or_default();
            out.push((series, Line::Title));
            let start = m.t.saturating_sub(m.dur_ms.round() as i64);
            out.push((
                format!(
                    "{} · ran {}{}",
                    fmt_dur(m.dur_ms),
                    fmt_span(start, m.t, zone),
                    if m.failed { " · failed" } else { "" }
                ),
                Line::Info,
            ));
            let Some(events) = events else { return out };
            match linked.row_event(id).and_then(|e| events.get(e)) {
                Some(e) => {
                    out.push((format!("its event: {}, {}", type_text(e), logged(e)), Line::Info));
                    description(e, &mut out);
                }
                // Only once the events are in (while they arrive, nothing is said).
                None if events.len() == linked.event_mark.len() => {
                    out.push(("no event in these logs lists this run".to_string(), Line::Info));
                }
                None => {}
            }
        }
        Some(Row::Event(e)) => {
            let Some(e) = events.and_then(|ev| ev.get(e)) else { return out };
            out.push((type_text(e), Line::Title));
            out.push((format!("no duration · {}", logged(e)), Line::Info));
            description(e, &mut out);
        }
        None => {}
    }
    out
}

/// Synthetic rows for benchmarks: one per mark.
pub struct SynthRows<'a> {
    pub marks: &'a [Mark],
    pub series: &'a [String],
}

impl Rows for SynthRows<'_> {
    fn len(&self) -> usize {
        self.marks.len()
    }
    fn time(&self, i: usize) -> Option<i64> {
        self.marks.get(i).map(|m| m.t)
    }
    fn duration(&self, i: usize) -> Option<f64> {
        self.marks.get(i).map(|m| m.dur_ms)
    }
    fn series(&self, i: usize) -> Option<u32> {
        self.marks.get(i).map(|m| u32::from(m.series))
    }
    fn text(&self, i: usize, col: Col) -> &str {
        let Some(m) = self.marks.get(i) else { return "" };
        match col {
            Col::Type => {
                if m.failed {
                    "f"
                } else {
                    "s"
                }
            }
            Col::Description => {
                if m.failed {
                    "resource_exhausted"
                } else {
                    ""
                }
            }
            Col::Client => "Benchmark App",
            Col::Connection => "Username-Password-Authentication",
            Col::Series => self.series.get(usize::from(m.series)).map_or("", String::as_str),
            Col::Time | Col::Duration => "",
        }
    }
}

/// Re-indents one JSON value (two spaces) without reordering or re-encoding
/// anything: strings are copied byte for byte. Input that is not well formed
/// comes out re-indented as far as it goes, never lost.
pub fn pretty_json(src: &str) -> String {
    let mut out = String::with_capacity(src.len() + src.len() / 4);
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    let mut chars = src.trim().chars().peekable();
    let nl = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    while let Some(c) = chars.next() {
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // Empty containers stay on one line.
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                let close = if c == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    out.push(close);
                    chars.next();
                } else {
                    depth += 1;
                    nl(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                nl(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                nl(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct T {
        rows: Vec<(Option<i64>, Option<f64>, Option<u32>, &'static str, &'static str, &'static str, &'static str)>,
        names: Vec<String>,
    }

    impl Rows for T {
        fn len(&self) -> usize {
            self.rows.len()
        }
        fn time(&self, i: usize) -> Option<i64> {
            self.rows[i].0
        }
        fn duration(&self, i: usize) -> Option<f64> {
            self.rows[i].1
        }
        fn series(&self, i: usize) -> Option<u32> {
            self.rows[i].2
        }
        fn text(&self, i: usize, col: Col) -> &str {
            let r = &self.rows[i];
            match col {
                Col::Type => r.3,
                Col::Description => r.4,
                Col::Client => r.5,
                Col::Connection => r.6,
                Col::Series => r.2.map_or("", |s| self.names[s as usize].as_str()),
                _ => "",
            }
        }
    }

    fn t() -> T {
        T {
            rows: vec![
                (Some(100), Some(250.0), Some(0), "s", "Success", "App", "db"),
                (Some(200), Some(16_500.0), Some(1), "s", "", "App", "db"),
                (Some(300), None, None, "f", "resource_exhausted", "App", "db"),
                (Some(400), Some(90.0), Some(0), "fp", "Wrong password", "Other", "google"),
                (None, None, None, "sapi", "Update", "", ""),
            ],
            names: vec!["enrich-profile".into(), "add-roles".into()],
        }
    }

    #[test]
    fn table_filters() {
        let rows = t();
        let q = |f: fn(&mut Query)| {
            let mut q = Query::default();
            f(&mut q);
            select(&rows, &q)
        };
        assert_eq!(q(|_| {}), vec![0, 1, 2, 3, 4]);
        assert_eq!(q(|q| q.type_code = Some("s".into())), vec![0, 1]);
        assert_eq!(q(|q| q.series = Some(0)), vec![0, 3]);
        assert_eq!(q(|q| q.client = Some("Other".into())), vec![3]);
        assert_eq!(q(|q| q.connection = Some("db".into())), vec![0, 1, 2]);
        assert_eq!(q(|q| q.text = "RESOURCE".into()), vec![2]);
        assert_eq!(q(|q| q.text = "add-ROLES".into()), vec![1], "series names are searched");
        assert_eq!(q(|q| q.text = "  ".into()), vec![0, 1, 2, 3, 4]);
        assert_eq!(
            q(|q| {
                q.type_code = Some("s".into());
                q.series = Some(1);
            }),
            vec![1]
        );
        assert!(contains_ci("abc", "") && !contains_ci("ab", "abc") && contains_ci("xAbC", "abc"));
    }

    #[test]
    fn table_sorts_with_missing_values_last() {
        let rows = t();
        let s = |col, desc| select(&rows, &Query { sort: col, descending: desc, ..Query::default() });
        assert_eq!(s(Col::Duration, false), vec![3, 0, 1, 2, 4]);
        assert_eq!(s(Col::Duration, true), vec![1, 0, 3, 2, 4], "missing last either way");
        assert_eq!(s(Col::Time, true), vec![3, 2, 1, 0, 4]);
        assert_eq!(s(Col::Type, false), vec![2, 3, 0, 1, 4]);
        assert_eq!(s(Col::Series, false), vec![1, 0, 3, 2, 4]);
        assert_eq!(s(Col::Description, false), vec![0, 4, 3, 2, 1], "byte order");
        for c in Col::ALL {
            assert_eq!(Col::from_key(c.key()), Some(c));
        }
    }

    #[test]
    fn table_follows_the_visible_range() {
        let rows = t();
        let all = select(&rows, &Query { sort: Col::Duration, ..Query::default() });
        assert_eq!(in_range(&rows, &all, 150, 400), vec![3, 1, 2], "order kept, untimed left out");
        assert!(in_range(&rows, &all, 500, 600).is_empty());
    }

    #[test]
    fn table_filters_within_the_kept_order() {
        let rows = t();
        let mut sorted = Sorted::default();
        let mut q = Query { sort: Col::Duration, descending: true, ..Query::default() };
        assert_eq!(sorted.select(&rows, &q), vec![1, 0, 3, 2, 4]);
        assert_eq!(sorted.sorts(), 1);
        // Filter changes walk the kept order: no new sort, same result as select().
        for f in [
            |q: &mut Query| q.type_code = Some("s".into()),
            |q: &mut Query| q.text = "db".into(),
            |q: &mut Query| q.series = Some(0),
            |q: &mut Query| *q = Query { sort: Col::Duration, descending: true, ..Query::default() },
        ] {
            f(&mut q);
            assert_eq!(sorted.select(&rows, &q), select(&rows, &q), "{q:?}");
        }
        assert_eq!(sorted.select(&rows, &Query { type_code: Some("s".into()), ..q.clone() }), vec![1, 0]);
        assert_eq!(sorted.sorts(), 1, "filters never re-sort");
        // A new sort key sorts again; so does a reset (new rows).
        q.descending = false;
        assert_eq!(sorted.select(&rows, &q), vec![3, 0, 1, 2, 4]);
        assert_eq!(sorted.sorts(), 2);
        sorted.select(&rows, &q);
        assert_eq!(sorted.sorts(), 2);
        sorted.reset();
        sorted.select(&rows, &q);
        assert_eq!(sorted.sorts(), 3);
        // Rows out of time order are sorted for the time order too, untimed last.
        let shuffled = T { rows: vec![rows.rows[4], rows.rows[2], rows.rows[0], rows.rows[3]], names: rows.names.clone() };
        assert_eq!(order(&shuffled, Col::Time, false), vec![2, 1, 3, 0]);
        assert_eq!(order(&shuffled, Col::Time, true), vec![3, 1, 2, 0]);
    }

    #[test]
    fn table_range_by_binary_search_matches_the_scan() {
        let rows = t();
        for desc in [false, true] {
            for sort in [Col::Time, Col::Duration] {
                let q = Query { sort, descending: desc, ..Query::default() };
                let sel = select(&rows, &q);
                for (t0, t1) in [(0, 1000), (150, 400), (100, 100), (401, 500), (300, 200), (i64::MIN, i64::MAX)] {
                    assert_eq!(in_range_for(&rows, &sel, &q, t0, t1), in_range(&rows, &sel, t0, t1), "{q:?} {t0}..{t1}");
                }
            }
        }
    }

    #[test]
    fn table_virtual_window() {
        let v = Virtual { n: 1000, row_h: 20.0, view_h: 200.0 };
        assert_eq!(v.height(), 20_000.0);
        let (r, off) = v.window(0.0, 0);
        assert_eq!((r, off), (0..11, 0.0));
        let (r, off) = v.window(1010.0, 2);
        assert_eq!(r, 48..63);
        assert_eq!(off, 48.0 * 20.0);
        let (r, _) = v.window(1e9, 0);
        assert_eq!(r.end, 1000, "clamped at the end");
        // Scrolling to a row: no move when visible, least move otherwise.
        assert_eq!(v.scroll_top_for(52, 1000.0), 1000.0);
        assert_eq!(v.scroll_top_for(10, 1000.0), 200.0);
        assert_eq!(v.scroll_top_for(80, 1000.0), 81.0 * 20.0 - 200.0);
        assert_eq!(Virtual { n: 0, ..v }.window(50.0, 3), (0..0, 0.0));
    }

    #[test]
    fn table_virtual_window_scales_a_million_rows() {
        let v = Virtual { n: 10_000_000, row_h: 24.0, view_h: 480.0 };
        assert_eq!(v.height(), MAX_SCROLL_PX);
        let (r, off) = v.window(0.0, 0);
        assert_eq!(r.start, 0);
        assert_eq!(off, 0.0);
        let bottom = v.height() - v.view_h;
        let (r, off) = v.window(bottom, 0);
        assert_eq!(r.end, 10_000_000, "the last row is reachable");
        // The last row ends at the viewport's bottom.
        let last_bottom = off + (r.len() as f64) * 24.0;
        assert!((last_bottom - (bottom + 480.0)).abs() < 24.0 + 1e-6, "{last_bottom}");
        // Scrolling to a row puts it on screen.
        for row in [0, 1234, 5_000_000, 9_999_999] {
            let top = v.scroll_top_for(row, 0.0);
            let (r, _) = v.window(top, 0);
            assert!(r.contains(&row), "row {row} at {top}: {r:?}");
        }
        // A million rows fit without scaling.
        let m = Virtual { n: 1_000_000, row_h: 24.0, view_h: 480.0 };
        assert_eq!(m.height(), 24_000_000.0_f64.min(MAX_SCROLL_PX));
        let top = m.scroll_top_for(654_321, 0.0);
        assert!(m.window(top, 0).0.contains(&654_321));
    }

    #[test]
    fn linked_marks_and_events() {
        let data = ChartData {
            marks: vec![
                Mark { t: 300, dur_ms: 5.0, series: 0, failed: false },
                Mark { t: 100, dur_ms: 7.0, series: 1, failed: false },
                Mark { t: 200, dur_ms: 9.0, series: 0, failed: true },
            ],
            series: vec!["a".into(), "b".into()],
            ..ChartData::default()
        };
        // Marks 1 and 2 belong to event 0; mark 0 to event 2; event 1 has none.
        let l = Linked::build(&data, &[2, 0, 0], 3);
        assert_eq!(l.data.marks.iter().map(|m| m.t).collect::<Vec<_>>(), vec![100, 200, 300]);
        assert_eq!(l.mark_event, vec![0, 0, 2]);
        assert_eq!(l.event_mark, vec![1, NONE, 2], "the slowest mark of each event");
        assert_eq!(l.marks_of(0), vec![0, 1]);
        // Table rows: the three marks, then event 1 (no mark); each way round.
        assert_eq!(l.unmarked, vec![1]);
        assert_eq!(l.row_count(), 4);
        assert_eq!((0..5).map(|r| l.row(r)).collect::<Vec<_>>(), [Some(Row::Mark(0)), Some(Row::Mark(1)), Some(Row::Mark(2)), Some(Row::Event(1)), None]);
        assert_eq!((0..4).map(|r| l.row_event(r)).collect::<Vec<_>>(), [Some(0), Some(0), Some(2), Some(1)]);
        assert_eq!((0..4).map(|r| l.row_mark(r)).collect::<Vec<_>>(), [Some(0), Some(1), Some(2), None]);
        assert_eq!((0..3).map(|k| l.mark_row(k)).collect::<Vec<_>>(), [Some(0), Some(1), Some(2)]);
        assert_eq!((0..3).map(|e| l.event_row(e)).collect::<Vec<_>>(), [Some(1), Some(3), Some(2)], "its slowest run, or its own row");
        assert_eq!(l.buckets.len(), 3);
        assert_eq!(l.data.series, data.series);

        // Taking the chart over gives the same links and data, sorted.
        let steps = vec![(100, 1), (300, 0)];
        let data = ChartData { steps: steps.clone(), breaches: vec![200], windows: vec![(150, 250)], ..data };
        let built = Linked::build(&data, &[2, 0, 0], 3);
        let owned = Linked::from_chart(data, &[2, 0, 0], 3);
        assert_eq!(owned.data, built.data);
        assert_eq!(owned.data.steps, steps);
        assert_eq!(owned.data.breaches, vec![200]);
        assert_eq!(
            (owned.mark_event, owned.event_mark, owned.buckets, owned.unmarked),
            (built.mark_event, built.event_mark, built.buckets, built.unmarked)
        );
    }

    #[test]
    fn pretty_json_reindents_without_reordering() {
        let src = r#"{"b":1,"a":[1, 2,{}],"s":"x,{\"y\":[]}","e":[] }"#;
        let p = pretty_json(src);
        assert_eq!(
            p,
            "{\n  \"b\": 1,\n  \"a\": [\n    1,\n    2,\n    {}\n  ],\n  \"s\": \"x,{\\\"y\\\":[]}\",\n  \"e\": []\n}"
        );
        let v: serde_json::Value = serde_json::from_str(&p).unwrap();
        assert_eq!(v, serde_json::from_str::<serde_json::Value>(src).unwrap());
        assert_eq!(pretty_json("{\"a\":"), "{\n  \"a\": ");
    }
}
