//! SQL `like` patterns: `%` any text, `_` one character, an escape character that makes the
//! next character literal; `ilike` compares lower-cased text.

/// One element of a pattern.
#[derive(Clone, Debug, PartialEq)]
enum Part {
    /// This character.
    Char(char),
    /// `_`: any one character.
    One,
    /// `%`: any text, possibly empty.
    Any,
}

/// A compiled `like` pattern.
#[derive(Clone, Debug)]
pub(super) struct Pattern {
    parts: Vec<Part>,
    /// `ilike`: the pattern is lower-cased and so is each tested text.
    fold: bool,
    /// The pattern is a literal prefix then one `%`: a `starts_with` test.
    prefix: Option<String>,
}

impl Pattern {
    /// Compiles `pattern`; `None` when it ends with a lone escape character.
    pub(super) fn new(pattern: &str, escape: Option<char>, fold: bool) -> Option<Pattern> {
        let text = if fold {
            pattern.to_lowercase()
        } else {
            pattern.to_owned()
        };
        let mut parts = Vec::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            parts.push(match c {
                c if Some(c) == escape => Part::Char(chars.next()?),
                '%' => Part::Any,
                '_' => Part::One,
                c => Part::Char(c),
            });
        }
        let prefix = match parts.split_last() {
            Some((Part::Any, head)) if head.iter().all(|p| matches!(p, Part::Char(_))) => Some(
                head.iter()
                    .filter_map(|p| match p {
                        Part::Char(c) => Some(*c),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => None,
        };
        Some(Pattern {
            parts,
            fold,
            prefix,
        })
    }

    /// Whether `s` matches.
    pub(super) fn matches(&self, s: &str) -> bool {
        let folded;
        let s = if self.fold {
            folded = s.to_lowercase();
            folded.as_str()
        } else {
            s
        };
        if let Some(p) = &self.prefix {
            return s.starts_with(p.as_str());
        }
        let text: Vec<char> = s.chars().collect();
        // Greedy with one backtrack point (the last `%`): linear for typical patterns.
        let (mut t, mut p) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.parts.get(p) {
                Some(Part::Any) => {
                    star = Some((p, t));
                    p += 1;
                }
                Some(Part::One) => {
                    t += 1;
                    p += 1;
                }
                Some(Part::Char(c)) if *c == text[t] => {
                    t += 1;
                    p += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        p = sp + 1;
                        t = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        self.parts[p..].iter().all(|x| *x == Part::Any)
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    fn m(p: &str, s: &str) -> bool {
        Pattern::new(p, Some('\\'), false).unwrap().matches(s)
    }

    #[test]
    fn like_matches_as_sql() {
        assert!(m("abc", "abc") && !m("abc", "abcd") && !m("abc", "ab"));
        assert!(m("a%", "a") && m("a%", "abc") && !m("a%", "ba"));
        assert!(m("%c", "abc") && m("%b%", "abc") && !m("%d%", "abc"));
        assert!(m("a_c", "abc") && m("a_c", "aéc") && !m("a_c", "ac"));
        assert!(m("%a%b%", "xxaxxbxx") && !m("%a%b%", "bxa"));
        assert!(m("%", "") && m("", "") && !m("_", ""));
        assert!(m("100\\%", "100%") && !m("100\\%", "1000"));
        assert!(m("a\\_b", "a_b") && !m("a\\_b", "axb"));
        assert!(m("%aab", "aaab"));
        assert!(Pattern::new("x\\", Some('\\'), false).is_none());
        let i = Pattern::new("JF%", None, true).unwrap();
        assert!(i.matches("jfk") && i.matches("JFK") && !i.matches("EWR"));
    }
}
