//! The verifier on its own: it finds what it promises in any surrounding text,
//! reports offsets and lines that point at the value, never holds the value in
//! what it shows, and never panics.

use inflight::verify::{self, Allow};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn finds_planted_values_where_they_are(
        pre in "[a-z ]{0,30}",
        lines in 0usize..4,
        which in 0usize..6,
        a in "[a-z]{2,8}",
        n in 1u8..=254,
    ) {
        let value = match which {
            0 => format!("{a}@{a}.example"),
            1 => format!("10.{n}.0.{n}"),
            2 => format!("2001:db8::{n:x}:1"),
            3 => format!("eyJhbGciOiJIUzI1NiJ9.eyJ{a}.c2ln{a}"),
            4 => format!("auth0|{a}{n}abc"),
            _ => format!("+1415555{:04}", u32::from(n) * 7),
        };
        let text = format!("{}{pre} {value} tail", "x\n".repeat(lines));
        let found = verify::scan(text.as_bytes());
        prop_assert_eq!(found.len(), 1, "{:?} in {:?}", found, text);
        let f = &found[0];
        prop_assert_eq!(f.value_in(text.as_bytes()), value.as_str());
        prop_assert_eq!(f.line, lines + 1);
        prop_assert!(!f.excerpt.contains(&value[2..]), "{}", f.excerpt);
        prop_assert!(verify::scan_with(text.as_bytes(), &Allow::new([value.as_str()])).is_clean());
    }

    #[test]
    fn pseudonyms_and_masks_are_not_findings(kind in "(user|email|ip|ua|session|host|tenant|client|name|phone|token|secret|id|text)", hex in "[0-9a-f]{8}") {
        let text = format!(r#"{{"v":"{kind}-{hex}","password":"{kind}-{hex}","code":"*****","u":"https://x.example/cb?state={kind}-{hex}"}}"#);
        prop_assert!(verify::scan(text.as_bytes()).is_empty(), "{}", text);
    }

    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        for f in verify::scan(&bytes) {
            prop_assert!(f.offset + f.len <= bytes.len());
        }
    }
}

#[test]
fn independent_of_the_rules_it_checks() {
    // A rule set that switches everything off: the verifier still sees it all.
    let mut rules = inflight::rules::RuleSet::new();
    for r in inflight::rules::DEFAULT_RULES {
        rules.set_enabled(r.name, false);
    }
    let rec = br#"{"ip":"81.2.69.143","user_name":"neo@test.example","user_id":"auth0|5f7c8ec7c33c6c004bbafe82","details":{"body":{"password":"hunter2hunter2"}}}"#;
    let mut out = Vec::new();
    inflight::redact::redact_record_with(rec, &[], &inflight::redact::Redactor::new([1; 32]), &rules, &mut Default::default(), &mut out).unwrap();
    assert_eq!(out, rec);
    let kinds: Vec<&str> = verify::scan(&out).iter().map(|f| f.kind).collect();
    assert_eq!(kinds, ["ipv4", "email", "user_id", "secret"]);
}
