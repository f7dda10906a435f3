//! Splits query text into tokens.
//!
//! The lexer never fails outright: on the first bad character it emits a [`Tok::Invalid`]
//! token carrying the error and stops. The parser reports that error only when it reaches the
//! token, so errors come out in source order whichever stage finds them.

use super::ast::Span;
use super::parser::ParseError;

/// A word the language reserves (matched case-insensitively).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Keyword {
    /// `and`
    And,
    /// `or`
    Or,
    /// `not`
    Not,
    /// `in`
    In,
    /// `is`
    Is,
    /// `null`
    Null,
    /// `true`
    True,
    /// `false`
    False,
    /// `between`
    Between,
    /// `like`
    Like,
    /// `ilike`
    Ilike,
    /// `escape`
    Escape,
}

impl Keyword {
    /// The keyword spelled by `word`, in any case.
    fn from_word(word: &str) -> Option<Keyword> {
        const ALL: [(&str, Keyword); 12] = [
            ("and", Keyword::And),
            ("or", Keyword::Or),
            ("not", Keyword::Not),
            ("in", Keyword::In),
            ("is", Keyword::Is),
            ("null", Keyword::Null),
            ("true", Keyword::True),
            ("false", Keyword::False),
            ("between", Keyword::Between),
            ("like", Keyword::Like),
            ("ilike", Keyword::Ilike),
            ("escape", Keyword::Escape),
        ];
        ALL.iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(word))
            .map(|&(_, k)| k)
    }
}

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    /// A column name, bare or back-quoted (quotes removed).
    Name(String),
    /// A reserved word.
    Kw(Keyword),
    /// Digits without `.` or exponent. Unsigned: `-9223372036854775808` is only valid with its minus.
    Int(u64),
    /// A finite number with a `.` or an exponent.
    Float(f64),
    /// A string literal, escapes resolved.
    Str(String),
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==` or `=`
    EqEq,
    /// `!=` or `<>`
    Ne,
    /// `&`
    Amp,
    /// `|`
    Pipe,
    /// `~`
    Tilde,
    /// End of the text.
    Eof,
    /// The text could not be tokenized here; always the last token.
    Invalid(Box<ParseError>),
}

/// A token and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Token {
    /// What it is.
    pub(super) tok: Tok,
    /// Its source text.
    pub(super) span: Span,
}

/// Tokenizes `src`. The result always ends with exactly one `Eof` or `Invalid` token.
pub(super) fn tokenize(src: &str) -> Vec<Token> {
    let mut lx = Lexer { src, pos: 0 };
    let mut out = Vec::new();
    loop {
        match lx.next_token() {
            Ok(t) => {
                let end = t.tok == Tok::Eof;
                out.push(t);
                if end {
                    return out;
                }
            }
            Err(e) => {
                let span = e.span;
                out.push(Token {
                    tok: Tok::Invalid(Box::new(e)),
                    span,
                });
                return out;
            }
        }
    }
}

/// Cursor over the source text; `pos` is always on a `char` boundary.
struct Lexer<'a> {
    /// The whole query.
    src: &'a str,
    /// Byte offset of the next unread character.
    pos: usize,
}

/// An error over `start..end`.
fn err(start: usize, end: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        span: Span { start, end },
        message: message.into(),
    }
}

impl Lexer<'_> {
    /// The character at `pos + ahead` bytes, if any (`ahead` only ever skips ASCII).
    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.src.get(self.pos + ahead..)?.chars().next()
    }

    /// The next unread character.
    fn peek(&self) -> Option<char> {
        self.peek_at(0)
    }

    /// Reads one token after skipping white space.
    fn next_token(&mut self) -> Result<Token, ParseError> {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(Token {
                tok: Tok::Eof,
                span: Span { start, end: start },
            });
        };
        let next = self.peek_at(1);
        let (tok, len) = match c {
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '[' => (Tok::LBracket, 1),
            ']' => (Tok::RBracket, 1),
            ',' => (Tok::Comma, 1),
            '+' => (Tok::Plus, 1),
            '-' => (Tok::Minus, 1),
            '*' => (Tok::Star, 1),
            '/' => (Tok::Slash, 1),
            '&' => (Tok::Amp, 1),
            '|' => (Tok::Pipe, 1),
            '~' => (Tok::Tilde, 1),
            '<' => match next {
                Some('=') => (Tok::Le, 2),
                Some('>') => (Tok::Ne, 2),
                _ => (Tok::Lt, 1),
            },
            '>' => match next {
                Some('=') => (Tok::Ge, 2),
                _ => (Tok::Gt, 1),
            },
            '=' => match next {
                Some('=') => (Tok::EqEq, 2),
                _ => (Tok::EqEq, 1),
            },
            '!' => match next {
                Some('=') => (Tok::Ne, 2),
                _ => {
                    return Err(err(
                        start,
                        start + 1,
                        "unknown character '!'; use 'not' or '~' for negation",
                    ));
                }
            },
            '\'' | '"' => return self.string(c),
            '`' => return self.quoted_name(),
            c if c.is_ascii_digit() => return self.number(),
            '.' if next.is_some_and(|d| d.is_ascii_digit()) => return self.number(),
            c if c.is_ascii_alphabetic() || c == '_' => return Ok(self.word()),
            c => {
                let end = start + c.len_utf8();
                let hint = if c.is_alphanumeric() {
                    "; write unusual column names in back-quotes, like `näme`"
                } else {
                    ""
                };
                return Err(err(start, end, format!("unknown character {c:?}{hint}")));
            }
        };
        self.pos += len;
        Ok(Token {
            tok,
            span: Span {
                start,
                end: self.pos,
            },
        })
    }

    /// Advances past ASCII characters accepted by `f`.
    fn skip_while(&mut self, f: impl Fn(u8) -> bool) {
        let bytes = self.src.as_bytes();
        while bytes.get(self.pos).is_some_and(|&b| f(b)) {
            self.pos += 1;
        }
    }

    /// A bare identifier or keyword.
    fn word(&mut self) -> Token {
        let start = self.pos;
        self.skip_while(|b| b.is_ascii_alphanumeric() || b == b'_');
        let text = &self.src[start..self.pos];
        let tok = match Keyword::from_word(text) {
            Some(k) => Tok::Kw(k),
            None => Tok::Name(text.to_owned()),
        };
        Token {
            tok,
            span: Span {
                start,
                end: self.pos,
            },
        }
    }

    /// A back-quoted column name; two back-quotes stand for one.
    fn quoted_name(&mut self) -> Result<Token, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut name = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(err(start, self.pos, "unterminated back-quoted name"));
                }
                Some('`') if self.peek_at(1) == Some('`') => {
                    name.push('`');
                    self.pos += 2;
                }
                Some('`') => {
                    self.pos += 1;
                    break;
                }
                Some(c) => {
                    name.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        if name.is_empty() {
            return Err(err(start, self.pos, "empty back-quoted name"));
        }
        Ok(Token {
            tok: Tok::Name(name),
            span: Span {
                start,
                end: self.pos,
            },
        })
    }

    /// A string in `quote`s with backslash escapes.
    fn string(&mut self, quote: char) -> Result<Token, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut s = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(err(start, self.pos, "unterminated string literal"));
            };
            let at = self.pos;
            self.pos += c.len_utf8();
            if c == quote {
                break;
            }
            if c != '\\' {
                s.push(c);
                continue;
            }
            let Some(e) = self.peek() else {
                return Err(err(start, self.pos, "unterminated string literal"));
            };
            self.pos += e.len_utf8();
            s.push(match e {
                '\\' => '\\',
                '\'' => '\'',
                '"' => '"',
                'n' => '\n',
                't' => '\t',
                e => {
                    return Err(err(
                        at,
                        self.pos,
                        format!(
                            "unknown escape '\\{e}' in string literal; \
                             use \\\\ \\' \\\" \\n or \\t"
                        ),
                    ));
                }
            });
        }
        Ok(Token {
            tok: Tok::Str(s),
            span: Span {
                start,
                end: self.pos,
            },
        })
    }

    /// An integer (`42`) or a float (`3.5`, `1e-3`, `.5`, `2.`).
    fn number(&mut self) -> Result<Token, ParseError> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let mut is_float = false;
        self.skip_while(|b| b.is_ascii_digit());
        if bytes.get(self.pos) == Some(&b'.') {
            is_float = true;
            self.pos += 1;
            self.skip_while(|b| b.is_ascii_digit());
        }
        if matches!(bytes.get(self.pos), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(bytes.get(self.pos + 1), Some(b'+' | b'-')));
            if bytes
                .get(self.pos + 1 + sign)
                .is_some_and(u8::is_ascii_digit)
            {
                is_float = true;
                self.pos += 1 + sign;
                self.skip_while(|b| b.is_ascii_digit());
            }
        }
        // `12abc`, `1e`, `1.2.3`: one malformed number, not a number then a name.
        if bytes
            .get(self.pos)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        {
            self.skip_while(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
            let text = &self.src[start..self.pos];
            return Err(err(
                start,
                self.pos,
                format!("invalid number literal '{text}'"),
            ));
        }
        let text = &self.src[start..self.pos];
        let span = Span {
            start,
            end: self.pos,
        };
        let tok = if is_float {
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Tok::Float(v),
                _ => {
                    return Err(err(
                        start,
                        self.pos,
                        format!("float literal {text} is out of range for a 64-bit float"),
                    ));
                }
            }
        } else {
            match text.parse::<u64>() {
                Ok(v) => Tok::Int(v),
                Err(_) => return Err(int_out_of_range(span, text)),
            }
        };
        Ok(Token { tok, span })
    }
}

/// The error for an integer that does not fit `i64`, shared with the parser's sign check.
pub(super) fn int_out_of_range(span: Span, text: &str) -> ParseError {
    ParseError {
        span,
        message: format!("integer literal {text} is out of range for a 64-bit integer"),
    }
}
