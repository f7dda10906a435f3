//! Parser from tokens to [`Expr`] (precedence climbing), and its error type.
//!
//! ```text
//! expr       := prefix (infix)*            -- infix operators by precedence, see `prec`
//! prefix     := ('not' | '~') expr(NOT) | '-' number | '-' prefix(NEG) | primary
//! infix      := ('or' | '|' | 'and' | '&' | '+' | '-' | '*' | '/') expr
//!             | cmp_op expr(ADD) | ['not'] 'in' list | 'is' ['not'] 'null'
//! list       := ('[' | '(') [literal (',' literal)* [',']] (']' | ')')
//! primary    := name | literal | '(' expr ')'
//! ```

use super::MAX_DEPTH;
use super::ast::{BinOp, Expr, Literal, Span, UnOp};
use super::lexer::{Keyword, Tok, Token, int_out_of_range, tokenize};

pub use crate::error::ParseError;

/// Parses a query expression.
///
/// # Errors
/// [`ParseError`] for any text that is not exactly one expression of the language, including
/// integer literals outside `i64`, float literals outside `f64`, chained comparisons and
/// nesting deeper than [`MAX_DEPTH`].
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let mut p = Parser::new(src);
    let (expr, _) = p.expr(prec::OR)?;
    match &p.peek().tok {
        Tok::Eof => Ok(*expr),
        _ => Err(p.unexpected_here(&format!(
            "unexpected {} after the end of the expression",
            p.describe()
        ))),
    }
}

impl std::str::FromStr for Expr {
    type Err = ParseError;

    /// Same as [`parse`].
    fn from_str(src: &str) -> Result<Expr, ParseError> {
        parse(src)
    }
}

/// An expression and the height of its tree, checked against [`MAX_DEPTH`] as it grows.
///
/// Boxed because the node ends up in a `Box` in its parent anyway, and small return values
/// keep the recursive functions' stack frames small.
pub(super) type Parsed = (Box<Expr>, usize);

/// Parser state: the token list (ending in `Eof` or `Invalid`) and a cursor.
pub(super) struct Parser<'a> {
    /// The query, to quote tokens in messages.
    src: &'a str,
    /// Tokens of the whole query.
    tokens: Vec<Token>,
    /// Index of the current token; never past the last one.
    pos: usize,
    /// Current recursion depth, bounded so deep nesting errors instead of overflowing the stack.
    depth: usize,
}

/// The error for nesting past [`MAX_DEPTH`].
fn too_deep(span: Span) -> ParseError {
    ParseError {
        span,
        message: format!("expression is nested too deeply (more than {MAX_DEPTH} levels)"),
    }
}

impl<'a> Parser<'a> {
    /// A parser over the tokens of `src`.
    pub(super) fn new(src: &'a str) -> Parser<'a> {
        Parser {
            src,
            tokens: tokenize(src),
            pos: 0,
            depth: 0,
        }
    }

    /// The query text.
    pub(super) fn src(&self) -> &'a str {
        self.src
    }

    /// The current token (the final `Eof`/`Invalid` once the end is reached).
    pub(super) fn peek(&self) -> &Token {
        let last = self.tokens.len() - 1;
        &self.tokens[self.pos.min(last)]
    }

    /// The token after the current one.
    pub(super) fn peek2(&self) -> &Tok {
        let last = self.tokens.len() - 1;
        &self.tokens[(self.pos + 1).min(last)].tok
    }

    /// Consumes the current token, returning where it was.
    pub(super) fn bump(&mut self) -> Span {
        let span = self.peek().span;
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        span
    }

    /// The current token as an error message names it: its source text in quotes (cut
    /// short when long), or `end of input`.
    pub(super) fn describe(&self) -> String {
        let t = self.peek();
        if t.tok == Tok::Eof {
            return "end of input".to_owned();
        }
        let text = self.src.get(t.span.start..t.span.end).unwrap_or("");
        let short: String = text.chars().take(30).collect();
        let more = if short.len() < text.len() { "..." } else { "" };
        if matches!(t.tok, Tok::Str(_)) {
            // Already quoted.
            format!("string {short}{more}")
        } else {
            format!("'{short}{more}'")
        }
    }

    /// An error at the current token; a lexing error there takes precedence, since the text
    /// is wrong before it is ungrammatical.
    pub(super) fn unexpected_here(&self, message: &str) -> ParseError {
        let t = self.peek();
        if let Tok::Invalid(e) = &t.tok {
            return (**e).clone();
        }
        ParseError {
            span: t.span,
            message: message.to_owned(),
        }
    }

    /// The usual "expected X, found Y" error at the current token.
    pub(super) fn expected(&self, what: &str) -> ParseError {
        self.unexpected_here(&format!("expected {what}, found {}", self.describe()))
    }

    /// Goes one recursion level deeper, failing at [`MAX_DEPTH`]; pair with `leave`.
    fn enter(&mut self) -> Result<(), ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(too_deep(self.peek().span));
        }
        self.depth += 1;
        Ok(())
    }

    /// Undoes `enter`. Only needed on success: an error ends the whole parse.
    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// A binary node, checking the height limit.
    fn binary(op: BinOp, (lhs, hl): Parsed, (rhs, hr): Parsed) -> Result<Parsed, ParseError> {
        let span = lhs.span().to(rhs.span());
        let height = hl.max(hr) + 1;
        if height > MAX_DEPTH {
            return Err(too_deep(span));
        }
        let e = Expr::Binary { op, lhs, rhs, span };
        Ok((Box::new(e), height))
    }

    /// Precedence climbing: an expression whose infix operators all bind at least as tightly
    /// as `min`. One loop serves every level, so a parenthesis costs a few stack frames rather
    /// than one per precedence level.
    pub(super) fn expr(&mut self, min: u8) -> Result<Parsed, ParseError> {
        let mut lhs = self.prefix(min)?;
        // Whether `lhs` is a comparison built by this loop, which another may not follow.
        let mut after_comparison = false;
        loop {
            let Some(prec) = infix_precedence(&self.peek().tok, self.peek2()) else {
                return Ok(lhs);
            };
            if prec < min {
                return Ok(lhs);
            }
            if prec == prec::CMP {
                if after_comparison {
                    return Err(ParseError {
                        span: self.peek().span,
                        message: "comparisons cannot be chained; use parentheses and 'and'"
                            .to_owned(),
                    });
                }
                lhs = self.comparison(lhs)?;
                after_comparison = true;
                continue;
            }
            let op = match self.peek().tok {
                Tok::Kw(Keyword::Or) | Tok::Pipe => BinOp::Or,
                Tok::Kw(Keyword::And) | Tok::Amp => BinOp::And,
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                Tok::Star => BinOp::Mul,
                _ => BinOp::Div,
            };
            self.bump();
            // Left associative: the right operand takes only tighter operators.
            let rhs = self.expr(prec + 1)?;
            lhs = Self::binary(op, lhs, rhs)?;
            after_comparison = false;
        }
    }

    /// Prefix operators and the primary they apply to. `not` is accepted only where its low
    /// precedence allows (`min <= NOT`), so `a == not b` asks for parentheses.
    fn prefix(&mut self, min: u8) -> Result<Parsed, ParseError> {
        match self.peek().tok {
            Tok::Kw(Keyword::Not) | Tok::Tilde if min <= prec::NOT => {
                let op = self.bump();
                self.enter()?;
                let (expr, h) = self.expr(prec::NOT)?;
                self.leave();
                unary(UnOp::Not, op, expr, h)
            }
            Tok::LParen => self.parenthesized(),
            Tok::Minus => {
                let minus = self.bump();
                // `-7` is the literal -7 (the only way to write i64::MIN); as unary minus binds
                // tightest, folding cannot change how anything groups.
                if matches!(self.peek().tok, Tok::Int(_) | Tok::Float(_)) {
                    let (value, span) = self.number(Some(minus))?;
                    return Ok((Box::new(Expr::Lit { value, span }), 1));
                }
                self.enter()?;
                let (expr, h) = self.prefix(prec::NEG)?;
                self.leave();
                unary(UnOp::Neg, minus, expr, h)
            }
            _ => self.leaf(),
        }
    }

    /// `'(' expr ')'`, current token `(`.
    fn parenthesized(&mut self) -> Result<Parsed, ParseError> {
        let open = self.bump();
        self.enter()?;
        let (mut e, h) = self.expr(prec::OR)?;
        self.leave();
        if self.peek().tok != Tok::RParen {
            return Err(self.expected("')'"));
        }
        let close = self.bump();
        // The node covers its parentheses, so `(a + b) * c` spans the whole text.
        *e.span_mut() = open.to(close);
        Ok((e, h))
    }

    /// The comparison, `in`, `not in` or `is` at the current token, applied to `lhs`.
    fn comparison(&mut self, lhs: Parsed) -> Result<Parsed, ParseError> {
        let op = comparison_op(&self.peek().tok);
        let kw = self.peek().tok.clone();
        self.bump();
        match (kw, op) {
            (Tok::Kw(Keyword::In), _) => self.in_list(lhs, false),
            (Tok::Kw(Keyword::Between), _) => self.between(lhs, false),
            (Tok::Kw(Keyword::Like), _) => self.like(lhs, false, false),
            (Tok::Kw(Keyword::Ilike), _) => self.like(lhs, false, true),
            (Tok::Kw(Keyword::Not), _) => {
                // `in`, `between`, `like` or `ilike`, checked by `infix_precedence`
                let next = self.peek().tok.clone();
                self.bump();
                match next {
                    Tok::Kw(Keyword::Between) => self.between(lhs, true),
                    Tok::Kw(Keyword::Like) => self.like(lhs, true, false),
                    Tok::Kw(Keyword::Ilike) => self.like(lhs, true, true),
                    _ => self.in_list(lhs, true),
                }
            }
            (Tok::Kw(Keyword::Is), _) => self.is_null(lhs),
            (_, op) => {
                let rhs = self.expr(prec::ADD)?;
                Self::binary(op.unwrap_or(BinOp::Eq), lhs, rhs)
            }
        }
    }

    /// The list after `in` / `not in`: `'[' [literal (',' literal)* [',']] ']'`, or the same
    /// in parentheses.
    fn in_list(&mut self, (expr, h): Parsed, negated: bool) -> Result<Parsed, ParseError> {
        let (close, close_text) = match self.peek().tok {
            Tok::LBracket => (Tok::RBracket, "]"),
            Tok::LParen => (Tok::RParen, ")"),
            _ => {
                let after = if negated { "'not in'" } else { "'in'" };
                return Err(self.expected(&format!("'[' or '(' after {after}")));
            }
        };
        self.bump();
        let mut list = Vec::new();
        loop {
            if self.peek().tok == close {
                break;
            }
            list.push(self.list_item()?);
            if self.peek().tok == Tok::Comma {
                self.bump();
            } else if self.peek().tok != close {
                return Err(self.expected(&format!("',' or '{close_text}' in list")));
            }
        }
        let end = self.bump();
        let span = expr.span().to(end);
        let height = h + 1;
        if height > MAX_DEPTH {
            return Err(too_deep(span));
        }
        let e = Expr::InList {
            expr,
            list,
            negated,
            span,
        };
        Ok((Box::new(e), height))
    }

    /// One literal in an `in` list; a leading `-` belongs to the number.
    fn list_item(&mut self) -> Result<Literal, ParseError> {
        let t = self.peek().clone();
        match t.tok {
            Tok::Minus => {
                let minus = self.bump();
                match self.peek().tok {
                    Tok::Int(_) | Tok::Float(_) => {
                        let (lit, _) = self.number(Some(minus))?;
                        Ok(lit)
                    }
                    _ => Err(self.expected("a number after '-' in list")),
                }
            }
            Tok::Int(_) | Tok::Float(_) => Ok(self.number(None)?.0),
            Tok::Str(s) => {
                self.bump();
                Ok(Literal::Str(s))
            }
            Tok::Kw(Keyword::True) => {
                self.bump();
                Ok(Literal::Bool(true))
            }
            Tok::Kw(Keyword::False) => {
                self.bump();
                Ok(Literal::Bool(false))
            }
            Tok::Kw(Keyword::Null) => {
                self.bump();
                Ok(Literal::Null)
            }
            _ => Err(self.expected("a literal in list")),
        }
    }

    /// The rest of `[not] between low and high`, after `between`.
    fn between(&mut self, (expr, h): Parsed, negated: bool) -> Result<Parsed, ParseError> {
        let (low, hl) = self.expr(prec::ADD)?;
        if self.peek().tok != Tok::Kw(Keyword::And) {
            return Err(self.expected("'and' in 'between ... and ...'"));
        }
        self.bump();
        let (high, hh) = self.expr(prec::ADD)?;
        let span = expr.span().to(high.span());
        let height = h.max(hl).max(hh) + 1;
        if height > MAX_DEPTH {
            return Err(too_deep(span));
        }
        let e = Expr::Between {
            expr,
            low,
            high,
            negated,
            span,
        };
        Ok((Box::new(e), height))
    }

    /// The rest of `[not] like 'pattern' [escape 'c']` (or `ilike`), after `like`.
    fn like(
        &mut self,
        (expr, h): Parsed,
        negated: bool,
        case_insensitive: bool,
    ) -> Result<Parsed, ParseError> {
        let Tok::Str(pattern) = self.peek().tok.clone() else {
            return Err(self.expected("a pattern in quotes after 'like'"));
        };
        let mut end = self.bump();
        let mut escape = None;
        if self.peek().tok == Tok::Kw(Keyword::Escape) {
            self.bump();
            let t = self.peek().clone();
            match &t.tok {
                Tok::Str(e) if e.chars().count() == 1 => escape = e.chars().next(),
                _ => return Err(self.expected("one character in quotes after 'escape'")),
            }
            end = self.bump();
        }
        let span = expr.span().to(end);
        let height = h + 1;
        if height > MAX_DEPTH {
            return Err(too_deep(span));
        }
        let e = Expr::Like {
            expr,
            pattern,
            escape,
            negated,
            case_insensitive,
            span,
        };
        Ok((Box::new(e), height))
    }

    /// The rest of `is null` / `is not null`, after `is`.
    fn is_null(&mut self, (expr, h): Parsed) -> Result<Parsed, ParseError> {
        let negated = self.peek().tok == Tok::Kw(Keyword::Not);
        if negated {
            self.bump();
        }
        if self.peek().tok != Tok::Kw(Keyword::Null) {
            let after = if negated { "'is not'" } else { "'is'" };
            return Err(self.expected(&format!("'null' after {after}")));
        }
        let end = self.bump();
        let span = expr.span().to(end);
        let height = h + 1;
        if height > MAX_DEPTH {
            return Err(too_deep(span));
        }
        let e = Expr::IsNull {
            expr,
            negated,
            span,
        };
        Ok((Box::new(e), height))
    }

    /// The current number token as a literal, negated when `minus` (its span) precedes it.
    fn number(&mut self, minus: Option<Span>) -> Result<(Literal, Span), ParseError> {
        let tok = self.peek().tok.clone();
        let at = self.bump();
        let span = minus.map_or(at, |m| m.to(at));
        let value = match (tok, minus.is_some()) {
            (Tok::Float(v), false) => Literal::Float(v),
            (Tok::Float(v), true) => Literal::Float(-v),
            (Tok::Int(v), neg) => {
                let v = i128::from(v);
                let value = if neg { -v } else { v };
                if value < i128::from(i64::MIN) {
                    return Err(int_out_of_range(span, &value.to_string()));
                }
                Literal::Int(value)
            }
            _ => return Err(self.expected("a number")),
        };
        Ok((value, span))
    }

    /// A name or a literal (`primary` without the parentheses, which `prefix` handles so that
    /// this function's frame is not on the recursion path).
    fn leaf(&mut self) -> Result<Parsed, ParseError> {
        let t = self.peek().clone();
        let value = match t.tok {
            Tok::Name(name) => {
                self.bump();
                let e = Expr::Column { name, span: t.span };
                return Ok((Box::new(e), 1));
            }
            Tok::Int(_) | Tok::Float(_) => {
                let (value, span) = self.number(None)?;
                return Ok((Box::new(Expr::Lit { value, span }), 1));
            }
            Tok::Str(s) => Literal::Str(s),
            Tok::Kw(Keyword::True) => Literal::Bool(true),
            Tok::Kw(Keyword::False) => Literal::Bool(false),
            Tok::Kw(Keyword::Null) => Literal::Null,
            Tok::Kw(Keyword::Not) | Tok::Tilde => {
                let what = self.describe();
                return Err(self.unexpected_here(&format!(
                    "expected an expression, found {what}; \
                     wrap the negation in parentheses"
                )));
            }
            _ => return Err(self.expected("an expression")),
        };
        self.bump();
        Ok((
            Box::new(Expr::Lit {
                value,
                span: t.span,
            }),
            1,
        ))
    }
}

/// A unary node over `expr` (of height `h`), the operator at `op_span`.
fn unary(op: UnOp, op_span: Span, expr: Box<Expr>, h: usize) -> Result<Parsed, ParseError> {
    let span = op_span.to(expr.span());
    let height = h + 1;
    if height > MAX_DEPTH {
        return Err(too_deep(span));
    }
    let e = Expr::Unary { op, expr, span };
    Ok((Box::new(e), height))
}

/// Binding strength of infix operators (and of the prefix ones, for `prefix`), weakest first.
pub(super) mod prec {
    /// `or`, `|`
    pub(in crate::query) const OR: u8 = 1;
    /// `and`, `&`
    pub(in crate::query) const AND: u8 = 2;
    /// prefix `not`, `~`
    pub(in crate::query) const NOT: u8 = 3;
    /// comparisons, `in`, `not in`, `is`
    pub(in crate::query) const CMP: u8 = 4;
    /// `+`, `-`
    pub(in crate::query) const ADD: u8 = 5;
    /// `*`, `/`
    pub(in crate::query) const MUL: u8 = 6;
    /// prefix `-`
    pub(in crate::query) const NEG: u8 = 7;
}

/// The precedence of the infix operator starting at `t` (followed by `next`), if it is one.
fn infix_precedence(t: &Tok, next: &Tok) -> Option<u8> {
    Some(match t {
        Tok::Kw(Keyword::Or) | Tok::Pipe => prec::OR,
        Tok::Kw(Keyword::And) | Tok::Amp => prec::AND,
        Tok::Kw(Keyword::In | Keyword::Is | Keyword::Between | Keyword::Like | Keyword::Ilike) => {
            prec::CMP
        }
        Tok::Kw(Keyword::Not)
            if matches!(
                next,
                Tok::Kw(Keyword::In | Keyword::Between | Keyword::Like | Keyword::Ilike)
            ) =>
        {
            prec::CMP
        }
        Tok::Plus | Tok::Minus => prec::ADD,
        Tok::Star | Tok::Slash => prec::MUL,
        t => {
            comparison_op(t)?;
            prec::CMP
        }
    })
}

/// The comparison a token spells, if any.
fn comparison_op(t: &Tok) -> Option<BinOp> {
    Some(match t {
        Tok::Lt => BinOp::Lt,
        Tok::Le => BinOp::Le,
        Tok::Gt => BinOp::Gt,
        Tok::Ge => BinOp::Ge,
        Tok::EqEq => BinOp::Eq,
        Tok::Ne => BinOp::Ne,
        _ => return None,
    })
}
