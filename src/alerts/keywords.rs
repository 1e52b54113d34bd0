//! Must-have keywords of an alert rule: words and "quoted phrases" joined by AND (or just a
//! space), OR and NOT (or a leading `-`), with parentheses; AND binds tighter than OR.
//! `diesel (navi OR navigation) -accident "one owner"`. Matching ignores case and accents the
//! way search does (`listings::search::normalise`), whole words only.

use crate::listings::search::query::normalise;
use std::collections::HashSet;

/// The most words and phrases one expression may hold.
pub const MAX_TERMS: usize = 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// One normalised word, or several in a row (a phrase).
    Words(Vec<String>),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Words(Vec<String>),
    And,
    Or,
    Not,
    Open,
    Close,
}

fn words_of(s: &str) -> Vec<String> {
    normalise(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn tokens(input: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Token::Open);
            }
            ')' => {
                chars.next();
                out.push(Token::Close);
            }
            '"' | '“' | '”' | '„' => {
                chars.next();
                let phrase: String = chars
                    .by_ref()
                    .take_while(|&c| !matches!(c, '"' | '“' | '”'))
                    .collect();
                let words = words_of(&phrase);
                if words.is_empty() {
                    return Err("A pair of quotes holds no words.".into());
                }
                out.push(Token::Words(words));
            }
            // at the start of a token (a hyphen inside a word stays in the word)
            '-' => {
                chars.next();
                out.push(Token::Not);
            }
            _ => {
                let mut raw = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '(' | ')' | '"' | '“' | '”' | '„') {
                        break;
                    }
                    raw.push(c);
                    chars.next();
                }
                match raw.as_str() {
                    "AND" | "&&" => out.push(Token::And),
                    "OR" | "||" | "|" => out.push(Token::Or),
                    "NOT" => out.push(Token::Not),
                    _ => {
                        let words = words_of(&raw);
                        if !words.is_empty() {
                            // "front-wheel" is one phrase, as it reads
                            out.push(Token::Words(words));
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.unary()?];
        loop {
            match self.peek() {
                Some(Token::And) => {
                    self.at += 1;
                    parts.push(self.unary()?);
                }
                Some(Token::Words(_) | Token::Not | Token::Open) => parts.push(self.unary()?),
                _ => break,
            }
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Expr, String> {
        match self.tokens.get(self.at).cloned() {
            Some(Token::Not) => {
                self.at += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Some(Token::Words(w)) => {
                self.at += 1;
                Ok(Expr::Words(w))
            }
            Some(Token::Open) => {
                self.at += 1;
                self.depth += 1;
                if self.depth > 8 {
                    return Err("Too many parentheses inside each other (8 at most).".into());
                }
                let inner = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err("A “(” is never closed.".into());
                }
                self.at += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Some(Token::Close) => Err("A “)” has no “(” before it.".into()),
            Some(Token::And | Token::Or) => {
                Err("AND and OR go between two words, not at the start.".into())
            }
            None => Err("AND, OR or NOT at the end needs a word after it.".into()),
        }
    }
}

fn count_terms(e: &Expr) -> usize {
    match e {
        Expr::Words(_) => 1,
        Expr::Not(inner) => count_terms(inner),
        Expr::And(parts) | Expr::Or(parts) => parts.iter().map(count_terms).sum(),
    }
}

/// Parses an expression; None for an empty one. Errors say what to fix.
pub fn parse(input: &str) -> Result<Option<Expr>, String> {
    let tokens = tokens(input)?;
    if tokens.is_empty() {
        return Ok(None);
    }
    let mut p = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let expr = p.or()?;
    if p.at != p.tokens.len() {
        return Err("A “)” has no “(” before it.".into());
    }
    if count_terms(&expr) > MAX_TERMS {
        return Err(format!("Use at most {MAX_TERMS} words and phrases."));
    }
    Ok(Some(expr))
}

/// Parses a comma-separated list of words or phrases (`accident, for parts, "non runner"`)
/// into one expression that matches when any of them occurs; None for an empty list.
pub fn parse_list(input: &str) -> Result<Option<Expr>, String> {
    let items: Vec<Expr> = input
        .split([',', ';', '\n'])
        .map(|item| words_of(&item.replace('"', " ")))
        .filter(|w| !w.is_empty())
        .map(Expr::Words)
        .collect();
    if items.len() > MAX_TERMS {
        return Err(format!("Use at most {MAX_TERMS} words and phrases."));
    }
    Ok(match items.len() {
        0 => None,
        1 => items.into_iter().next(),
        _ => Some(Expr::Or(items)),
    })
}

/// A listing's text as the matcher reads it: its words in order and as a set.
#[derive(Debug, Clone, Default)]
pub struct Text {
    words: Vec<String>,
    set: HashSet<String>,
}

impl Text {
    pub fn new(parts: &[&str]) -> Text {
        let words: Vec<String> = parts.iter().flat_map(|p| words_of(p)).collect();
        let set = words.iter().cloned().collect();
        Text { words, set }
    }

    fn has(&self, words: &[String]) -> bool {
        match words {
            [] => true,
            [one] => self.set.contains(one),
            many => {
                many.iter().all(|w| self.set.contains(w))
                    && self.words.windows(many.len()).any(|w| w == many)
            }
        }
    }
}

impl Expr {
    pub fn matches(&self, text: &Text) -> bool {
        match self {
            Expr::Words(w) => text.has(w),
            Expr::Not(inner) => !inner.matches(text),
            Expr::And(parts) => parts.iter().all(|p| p.matches(text)),
            Expr::Or(parts) => parts.iter().any(|p| p.matches(text)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excluded_lists_match_any_item_as_a_whole_word_or_phrase() {
        let text = Text::new(&["Golf 7, minor accident repaired, for sale"]);
        let cases: &[(&str, bool)] = &[
            ("accident", true),
            ("damaged, accident", true),
            ("\"for parts\", damaged", false),
            ("for sale", true),
            ("sale for", false),
            ("accidents", false),
            (" , ;", false),
        ];
        for (list, hit) in cases {
            let found = parse_list(list)
                .unwrap_or_else(|e| panic!("{list}: {e}"))
                .is_some_and(|e| e.matches(&text));
            assert_eq!(found, *hit, "{list}");
        }
        assert!(parse_list(&"a,".repeat(MAX_TERMS + 1)).is_err());
    }

    fn matches(expr: &str, text: &str) -> bool {
        parse(expr)
            .unwrap_or_else(|e| panic!("{expr}: {e}"))
            .is_none_or(|e| e.matches(&Text::new(&[text])))
    }

    #[test]
    fn words_phrases_and_operators_match_as_written() {
        let listing = "BMW X5 xDrive30d, one owner, Navigation; no accidents. Обслужена в сервиз.";
        let cases: &[(&str, bool)] = &[
            ("", true),
            ("navigation", true),
            ("NAVIGATION", true),
            ("navi", false), // whole words only
            ("diesel", false),
            ("navigation diesel", false), // a space is AND
            ("navigation AND owner", true),
            ("diesel OR navigation", true),
            ("diesel OR petrol", false),
            ("navigation -accidents", false),
            ("navigation NOT accident", true),
            ("NOT diesel", true),
            ("\"one owner\"", true),
            ("\"owner one\"", false), // a phrase keeps its order
            ("“one owner”", true),
            ("(diesel OR xdrive30d) AND \"one owner\"", true),
            ("diesel OR xdrive30d AND petrol", false), // AND binds tighter
            ("(diesel OR xdrive30d) -(petrol OR lpg)", true),
            ("обслужена", true),
            ("ОБСЛУЖЕНА сервиз", true),
            ("x-5", false),
            ("x5", true),
        ];
        for (expr, want) in cases {
            assert_eq!(matches(expr, listing), *want, "{expr}");
        }
        // accents are ignored both ways
        assert!(matches("skoda", "Škoda Octavia"));
        assert!(matches("Škoda", "skoda octavia"));
        // a hyphen inside a word is a phrase, not NOT
        assert!(matches("front-wheel", "front wheel drive"));
        assert!(!matches("front-wheel", "wheel front"));
    }

    #[test]
    fn mistakes_are_refused_with_what_to_fix() {
        let cases: &[(&str, &str)] = &[
            ("(diesel OR petrol", "never closed"),
            ("diesel)", "no “(”"),
            ("OR diesel", "not at the start"),
            ("diesel AND", "at the end"),
            ("diesel NOT", "at the end"),
            ("\"\"", "no words"),
            ("((((((((((a))))))))))", "8 at most"),
        ];
        for (expr, message) in cases {
            let Err(err) = parse(expr) else {
                panic!("{expr} was accepted");
            };
            assert!(err.contains(message), "{expr}: {err}");
        }
        let many: Vec<String> = (0..31).map(|i| format!("w{i}")).collect();
        assert!(parse(&many.join(" OR ")).is_err());
        assert!(parse(&many[..30].join(" OR ")).is_ok());
    }
}
