//! Redaction of the labels an output shows: Action and script names, client and
//! connection names, input file names.
//!
//! The analysis keeps labels as they are in the logs (an Action's identity is its
//! name), so the page can show them to their owner. Whatever leaves the page (the
//! report, the share link, chart downloads) shows them through [`LabelMap`]: each
//! label is redacted *as the value it came from* — an Action name as
//! `results.*.action_name` of an execution object (then as `details.action_name` of
//! an event), a client name as `client_name`, a connection as `connection` — by
//! running a one-value record through [`redact::redact_record_with`] under the same
//! key and rules as the redacted logs. So the detectors, the user's patterns, path
//! rules and allow-list apply exactly as they do in the logs, and a value gets the
//! same token in a label as in the redacted logs (`hook-0-ops@acme.example` →
//! `email-…`). Two labels never collapse into one: a redacted label that another
//! label already maps to gets ` (2)`, ` (3)`, … appended.

use crate::redact::{self, Redactor};
use crate::rules::RuleSet;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A value's path in a one-value record: keys, and `0` for an array index.
type Path = &'static [&'static str];

/// An Action name in an execution object (`GET /api/v2/actions/executions/{id}`).
pub const ACTION_IN_EXECUTION: Path = &["results", "0", "action_name"];
/// An Action name in an event (`actions_execution_failed`).
pub const ACTION_IN_EVENT: Path = &["details", "action_name"];
pub const CLIENT: Path = &["client_name"];
pub const CONNECTION: Path = &["connection"];
pub const TRIGGER: Path = &["trigger_id"];
pub const TYPE: Path = &["type"];
/// An input's file name: no path rule of the defaults names it; detectors,
/// patterns and user path rules such as `**` still apply.
pub const FILE_NAME: Path = &["input_file_name"];

/// What a label names, in the words the export gate uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    /// An Action, script or request name (the per-Action table, culprits, chart legend).
    Action,
    Client,
    Connection,
    File,
}

impl Place {
    pub fn text(self) -> &'static str {
        match self {
            Place::Action => "Action name",
            Place::Client => "client name",
            Place::Connection => "connection name",
            Place::File => "input file name",
        }
    }

    /// The path rule that replaces such a label whole (it works: [`LabelMap`]
    /// redacts the label under that path), when there is one.
    pub fn path_rule(self) -> Option<&'static str> {
        match self {
            Place::Action => Some("results.*.action_name"),
            Place::Client => Some("client_name"),
            Place::Connection => Some("connection"),
            Place::File => None,
        }
    }
}

/// Redacts single values as if they stood at a path of a record.
pub struct ValueRedactor<'a> {
    r: &'a Redactor,
    rules: &'a RuleSet,
    memo: HashMap<(Path, String), String>,
}

impl<'a> ValueRedactor<'a> {
    pub fn new(r: &'a Redactor, rules: &'a RuleSet) -> Self {
        ValueRedactor { r, rules, memo: HashMap::new() }
    }

    /// `text` redacted as the string value at `path` of a record holding nothing else.
    pub fn at(&mut self, text: &str, path: Path) -> String {
        if text.is_empty() {
            return String::new();
        }
        if let Some(v) = self.memo.get(&(path, text.to_owned())) {
            return v.clone();
        }
        let mut value = serde_json::Value::String(text.to_owned());
        for seg in path.iter().rev() {
            value = if *seg == "0" {
                serde_json::Value::Array(vec![value])
            } else {
                let mut m = serde_json::Map::new();
                m.insert((*seg).to_owned(), value);
                serde_json::Value::Object(m)
            };
        }
        let record = serde_json::to_vec(&value).unwrap_or_default();
        let mut out = Vec::with_capacity(record.len() + 16);
        let mut summary = redact::Summary::default();
        let done = redact::redact_record_with(&record, &[], self.r, self.rules, &mut summary, &mut out).is_ok();
        let redacted = done
            .then(|| serde_json::from_slice::<serde_json::Value>(&out).ok())
            .flatten()
            .and_then(|v| {
                let mut cur = &v;
                for seg in path {
                    cur = if *seg == "0" { cur.get(0)? } else { cur.get(*seg)? };
                }
                Some(match cur {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            })
            // Never fall back to the original: a label that cannot be redacted is withheld.
            .unwrap_or_else(|| "(name withheld)".to_owned());
        self.memo.insert((path, text.to_owned()), redacted.clone());
        redacted
    }

    /// `text` under the first of `paths` where redaction changes it (else unchanged).
    pub fn first_of(&mut self, text: &str, paths: &[Path]) -> String {
        for p in paths {
            let r = self.at(text, p);
            if r != text {
                return r;
            }
        }
        text.to_owned()
    }

    /// An Action, script or request label of the analysis (see
    /// `analyze::label_of`, `script_label`): the part taken from the logs is redacted
    /// under the key it came from.
    pub fn work_label(&mut self, label: &str) -> String {
        const WRAPPED: [(&str, Path); 4] = [
            ("custom DB script (", CONNECTION),
            ("Action execution (", TRIGGER),
            ("Actions request (type ", TYPE),
            ("request (type ", TYPE),
        ];
        for (pre, path) in WRAPPED {
            if let Some(inner) = label.strip_prefix(pre).and_then(|s| s.strip_suffix(')')) {
                return format!("{pre}{})", self.at(inner, path));
            }
        }
        self.first_of(label, &[ACTION_IN_EXECUTION, ACTION_IN_EVENT])
    }

    /// A file name: its stem redacted (the extension kept when it is a plain one).
    pub fn file_name(&mut self, name: &str) -> String {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        match base.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() && (1..=8).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                let whole = self.at(base, FILE_NAME);
                if whole == base {
                    return whole;
                }
                let s = self.at(stem, FILE_NAME);
                if s != stem && self.at(ext, FILE_NAME) == ext {
                    format!("{s}.{ext}")
                } else {
                    whole
                }
            }
            _ => self.at(base, FILE_NAME),
        }
    }
}

/// The redacted form of every label of one output, per [`Place`].
#[derive(Debug, Clone, Default)]
pub struct LabelMap {
    maps: BTreeMap<Place, HashMap<String, String>>,
}

impl LabelMap {
    /// Redacts `labels` of each place; distinct labels stay distinct.
    pub fn build<'l>(r: &Redactor, rules: &RuleSet, labels: impl IntoIterator<Item = (Place, &'l str)>) -> LabelMap {
        let mut vr = ValueRedactor::new(r, rules);
        let mut by_place: BTreeMap<Place, Vec<&str>> = BTreeMap::new();
        for (p, l) in labels {
            by_place.entry(p).or_default().push(l);
        }
        let mut maps = BTreeMap::new();
        for (place, mut list) in by_place {
            list.sort_unstable();
            list.dedup();
            let mut map = HashMap::with_capacity(list.len());
            // Unchanged labels first, so a redacted label never takes a kept one's text.
            let mut used: HashSet<String> = HashSet::new();
            let mut changed = Vec::new();
            for l in list {
                let red = match place {
                    Place::Action => vr.work_label(l),
                    Place::Client => vr.at(l, CLIENT),
                    Place::Connection => vr.at(l, CONNECTION),
                    Place::File => vr.file_name(l),
                };
                if red == l {
                    used.insert(red.clone());
                    map.insert(l.to_owned(), red);
                } else {
                    changed.push((l, red));
                }
            }
            for (l, red) in changed {
                let mut out = red.clone();
                let mut n = 2;
                while used.contains(&out) {
                    out = format!("{red} ({n})");
                    n += 1;
                }
                used.insert(out.clone());
                map.insert(l.to_owned(), out);
            }
            maps.insert(place, map);
        }
        LabelMap { maps }
    }

    /// The redacted form of `label` (a label the map was not built with is withheld).
    pub fn get(&self, place: Place, label: &str) -> String {
        match self.maps.get(&place).and_then(|m| m.get(label)) {
            Some(r) => r.clone(),
            None if label.is_empty() => String::new(),
            None => "(name withheld)".to_owned(),
        }
    }

    /// Every label that redaction changed: (place, original, redacted).
    pub fn changed(&self) -> impl Iterator<Item = (Place, &str, &str)> {
        self.maps
            .iter()
            .flat_map(|(p, m)| m.iter().filter(|(a, b)| a != b).map(move |(a, b)| (*p, a.as_str(), b.as_str())))
    }

    /// Every label: (place, original, redacted).
    pub fn all(&self) -> impl Iterator<Item = (Place, &str, &str)> {
        self.maps.iter().flat_map(|(p, m)| m.iter().map(move |(a, b)| (*p, a.as_str(), b.as_str())))
    }

    /// `text` (a sentence of the findings) with every changed label replaced by its
    /// redacted form, longest first, in one pass (a replacement is never replaced again).
    pub fn replace_in(&self, text: &str) -> String {
        let mut pairs: Vec<(&str, &str)> = self.changed().map(|(_, a, b)| (a, b)).filter(|(a, _)| !a.is_empty()).collect();
        if pairs.is_empty() {
            return text.to_owned();
        }
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(b.0)));
        pairs.dedup_by(|a, b| a.0 == b.0);
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        'outer: while i < text.len() {
            let rest = &text[i..];
            for (a, b) in &pairs {
                if rest.starts_with(a) {
                    out.push_str(b);
                    i += a.len();
                    continue 'outer;
                }
            }
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
        out
    }

    /// Where a value the verifier found in an output came from: the place and the
    /// original label whose redacted form holds it.
    pub fn origin(&self, value: &str) -> Option<(Place, &str)> {
        if value.is_empty() {
            return None;
        }
        self.all().filter(|(_, orig, red)| red.contains(value) || orig.contains(value)).map(|(p, a, _)| (p, a)).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn red() -> Redactor {
        Redactor::new([7; 32])
    }

    #[test]
    fn an_email_in_an_action_name_gets_the_logs_token() {
        let r = red();
        let rules = RuleSet::default();
        let m = LabelMap::build(&r, &rules, [(Place::Action, "hook-0-notify-ops@acme-corp.com"), (Place::Action, "enrich-profile")]);
        let got = m.get(Place::Action, "hook-0-notify-ops@acme-corp.com");
        // The same bytes the redacted execution object holds for it.
        let rec = br#"{"results":[{"action_name":"hook-0-notify-ops@acme-corp.com"}]}"#;
        let mut out = Vec::new();
        redact::redact_record_with(rec, &[], &r, &rules, &mut redact::Summary::default(), &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(got, v["results"][0]["action_name"].as_str().unwrap());
        assert!(!got.contains('@'), "{got}");
        assert_eq!(m.get(Place::Action, "enrich-profile"), "enrich-profile");
        assert_eq!(m.replace_in("hook-0-notify-ops@acme-corp.com held 80%."), format!("{got} held 80%."));
        assert_eq!(m.origin(&got[..got.len().min(10)]), Some((Place::Action, "hook-0-notify-ops@acme-corp.com")));
    }

    #[test]
    fn distinct_labels_stay_distinct_and_wrapped_parts_are_redacted() {
        let r = red();
        let mut rules = RuleSet::default();
        rules.add_path("results.*.action_name").unwrap();
        let m = LabelMap::build(&r, &rules, [(Place::Action, "a"), (Place::Action, "b"), (Place::Action, "custom DB script (db@x.example)")]);
        let (a, b) = (m.get(Place::Action, "a"), m.get(Place::Action, "b"));
        assert!(a != b && a != "a" && b != "b", "{a} {b}");
        let s = m.get(Place::Action, "custom DB script (db@x.example)");
        assert!(s.starts_with("custom DB script (email-") && s.ends_with(')'), "{s}");
        // A file name: the stem, the extension kept when the stem alone is redacted.
        let mut vr = ValueRedactor::new(&r, &rules);
        assert_eq!(vr.file_name("alice@victim.example-acme.csv"), vr.at("alice@victim.example-acme.csv", FILE_NAME));
        assert!(vr.file_name("alice@victim.example-acme.csv").starts_with("email-"));
        assert_eq!(vr.file_name("dir/bob@victim.example.csv"), format!("{}.csv", vr.at("bob@victim.example", FILE_NAME)));
        assert_eq!(vr.file_name("logs.ndjson"), "logs.ndjson");
    }
}
