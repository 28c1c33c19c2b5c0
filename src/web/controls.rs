//! Pure state behind two timeline controls: which series the legend hides, and the
//! tenant-limit presets. No browser types here, so `tests/web_controls.rs` tests it
//! natively (it includes this file by path).

/// Which series (by index into `ChartData::series`) the user has hidden.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Legend {
    hidden: Vec<bool>,
}

impl Legend {
    /// A legend for `n` series, all shown.
    pub fn new(n: usize) -> Legend {
        Legend { hidden: vec![false; n] }
    }

    pub fn len(&self) -> usize {
        self.hidden.len()
    }

    #[allow(dead_code)]
    pub fn is_empty(&self) -> bool {
        self.hidden.is_empty()
    }

    /// Hides a shown series or shows a hidden one; returns whether it is now shown.
    /// Out-of-range indices are ignored (and reported as shown).
    pub fn toggle(&mut self, series: usize) -> bool {
        match self.hidden.get_mut(series) {
            Some(h) => {
                *h = !*h;
                !*h
            }
            None => true,
        }
    }

    /// Shows every series again.
    #[allow(dead_code)]
    pub fn show_all(&mut self) {
        self.hidden.iter_mut().for_each(|h| *h = false);
    }

    pub fn is_hidden(&self, series: usize) -> bool {
        self.hidden.get(series).copied().unwrap_or(false)
    }

    pub fn any_hidden(&self) -> bool {
        self.hidden.iter().any(|&h| h)
    }

    /// Positions (ascending) of the items whose series is shown: with `series_of`
    /// the series of each mark, the marks to draw.
    pub fn visible<I: IntoIterator<Item = u16>>(&self, series_of: I) -> Vec<u32> {
        series_of
            .into_iter()
            .enumerate()
            .filter(|&(_, s)| !self.is_hidden(usize::from(s)))
            .map(|(i, _)| i as u32)
            .collect()
    }
}

/// Example limits for the preset list. These are *examples*, not Auth0's numbers:
/// the real limit depends on the subscription, and Auth0 support can say what it is.
pub const PRESETS: [(&str, u32); 4] = [
    ("Example: small tenant", 10),
    ("Example", 25),
    ("Example", 50),
    ("Example: large tenant", 100),
];

/// The text of preset `i` in the list, e.g. "10 (example: small tenant)".
pub fn preset_label(i: usize) -> Option<String> {
    let (name, n) = PRESETS.get(i)?;
    let rest = name.strip_prefix("Example").unwrap_or(name).trim_start_matches(':').trim();
    Some(if rest.is_empty() { format!("{n} (example)") } else { format!("{n} (example: {rest})") })
}

/// The preset index a typed limit matches, if any.
pub fn preset_of(limit: Option<u32>) -> Option<usize> {
    let l = limit?;
    PRESETS.iter().position(|p| p.1 == l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggling_hides_and_shows() {
        let mut l = Legend::new(3);
        assert!(!l.any_hidden());
        assert!(!l.toggle(1), "now hidden");
        assert!(l.is_hidden(1) && l.any_hidden());
        assert_eq!(l.visible([0u16, 1, 2, 1, 0]), vec![0, 2, 4]);
        assert!(l.toggle(1), "shown again");
        assert_eq!(l.visible([0u16, 1]), vec![0, 1]);
        assert!(l.toggle(7), "out of range: ignored");
        assert!(!l.is_hidden(7));
        assert_eq!(l.len(), 3, "an out-of-range toggle adds no series");
        l.toggle(0);
        l.toggle(2);
        l.show_all();
        assert!(!l.any_hidden());
    }

    #[test]
    fn presets_are_labelled_as_examples() {
        for i in 0..PRESETS.len() {
            let t = preset_label(i).unwrap();
            assert!(t.contains("example"), "{t}");
            assert!(t.starts_with(&PRESETS[i].1.to_string()));
        }
        assert_eq!(preset_label(0).unwrap(), "10 (example: small tenant)");
        assert_eq!(preset_label(1).unwrap(), "25 (example)");
        assert_eq!(preset_of(Some(50)), Some(2));
        assert_eq!(preset_of(Some(51)), None);
        assert_eq!(preset_of(None), None);
        assert_eq!(preset_label(9), None);
    }
}
