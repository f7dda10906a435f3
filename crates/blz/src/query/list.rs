//! Select and order-by lists: items separated by commas, each an expression or an aggregate.
//!
//! ```text
//! select_list := select_item (',' select_item)*
//! select_item := item ['as' name]
//! order_list  := order_item (',' order_item)*
//! order_item  := item ['asc' | 'desc'] ['nulls' ('first' | 'last')]
//! item        := agg '(' ['distinct'] expr ')' | 'count' '(' '*' ')' | expr
//! agg         := 'count' | 'sum' | 'min' | 'max' | 'mean' | 'avg'   -- any case
//! ```
//!
//! `as`, `asc`, `desc`, `nulls`, `first`, `last` and `distinct` are words only where the
//! grammar expects them, so columns may still carry those names.

use std::fmt;

use super::aggregate::Agg;
use super::ast::{Expr, Span};
use super::lexer::Tok;
use super::parser::{ParseError, Parser, prec};

/// What one item of a select or order-by list computes.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Item {
    /// A value per row: a column or an expression over columns.
    Expr(Expr),
    /// An aggregate over the matching rows (of each group).
    Agg {
        /// The function.
        func: Agg,
        /// `count(distinct x)`: distinct non-null values.
        distinct: bool,
        /// The argument; `None` for `count(*)`.
        arg: Option<Box<Expr>>,
        /// From the function name to the closing parenthesis.
        span: Span,
    },
}

impl Item {
    /// Where the item was written.
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            Item::Expr(e) => e.span(),
            Item::Agg { span, .. } => *span,
        }
    }

    /// Whether this is an aggregate.
    #[must_use]
    pub fn is_agg(&self) -> bool {
        matches!(self, Item::Agg { .. })
    }
}

impl fmt::Display for Item {
    /// A canonical form: two items that compute the same thing print the same
    /// (`avg(x)` and `MEAN( x )` both print `mean(x)`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::Expr(e) => write!(f, "{e}"),
            Item::Agg {
                func,
                distinct,
                arg,
                ..
            } => {
                write!(f, "{}(", agg_name(*func))?;
                if *distinct {
                    f.write_str("distinct ")?;
                }
                match arg {
                    None => f.write_str("*")?,
                    Some(e) => write!(f, "{e}")?,
                }
                f.write_str(")")
            }
        }
    }
}

/// The function's name in output column names.
pub(super) fn agg_name(a: Agg) -> &'static str {
    match a {
        Agg::Count => "count",
        Agg::Sum => "sum",
        Agg::Min => "min",
        Agg::Max => "max",
        Agg::Mean => "mean",
    }
}

/// One item of a select list.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SelectItem {
    /// What it computes.
    pub item: Item,
    /// The name given with `as`.
    pub alias: Option<String>,
    /// The output column's name: the alias, else the column's name, else the text as written
    /// (aggregates with their canonical function name: `avg(x)` is `mean(x)`).
    pub name: String,
}

impl SelectItem {
    /// An output of column `name` as it is.
    #[must_use]
    pub fn column(name: &str) -> SelectItem {
        let span = Span { start: 0, end: 0 };
        SelectItem {
            item: Item::Expr(Expr::Column {
                name: name.to_owned(),
                span,
            }),
            alias: None,
            name: name.to_owned(),
        }
    }
}

/// One item of an order-by list.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct OrderItem {
    /// What to order by.
    pub item: Item,
    /// `desc`: largest first.
    pub desc: bool,
    /// `nulls first`; by default nulls come last in both directions, as in DuckDB.
    pub nulls_first: bool,
}

/// Parses a select list such as `carrier, arr_delay - dep_delay as gain` or
/// `count(*), sum(price * qty) as total, count(distinct dest)`.
///
/// # Errors
/// [`ParseError`] pointing at the text that does not fit the grammar (module docs).
pub fn parse_select(src: &str) -> Result<Vec<SelectItem>, ParseError> {
    let mut p = Parser::new(src);
    let mut out = Vec::new();
    loop {
        let item = item(&mut p)?;
        let alias = if word(&p, "as") {
            p.bump();
            match p.peek().tok.clone() {
                Tok::Name(n) => {
                    p.bump();
                    Some(n)
                }
                _ => return Err(p.expected("a name after 'as'")),
            }
        } else {
            None
        };
        let name = match (&alias, &item) {
            (Some(a), _) => a.clone(),
            (None, Item::Expr(Expr::Column { name, .. })) => name.clone(),
            (None, Item::Expr(e)) => text_of(src, e.span()),
            (
                None,
                Item::Agg {
                    func,
                    distinct,
                    arg,
                    ..
                },
            ) => {
                let d = if *distinct { "distinct " } else { "" };
                let a = match arg.as_deref() {
                    None => "*".into(),
                    Some(Expr::Column { name, .. }) => name.clone(),
                    Some(e) => text_of(src, e.span()),
                };
                format!("{}({d}{a})", agg_name(*func))
            }
        };
        out.push(SelectItem { item, alias, name });
        if !next_item(&mut p, "an 'as' name")? {
            return Ok(out);
        }
    }
}

/// Parses an order-by list such as `count(*) desc, dest` or `dep_delay desc nulls first`.
///
/// # Errors
/// [`ParseError`] pointing at the text that does not fit the grammar (module docs).
pub fn parse_order(src: &str) -> Result<Vec<OrderItem>, ParseError> {
    let mut p = Parser::new(src);
    let mut out = Vec::new();
    loop {
        let item = item(&mut p)?;
        let mut desc = false;
        if word(&p, "desc") {
            p.bump();
            desc = true;
        } else if word(&p, "asc") {
            p.bump();
        }
        let mut nulls_first = false;
        if word(&p, "nulls") {
            p.bump();
            if word(&p, "first") {
                nulls_first = true;
            } else if !word(&p, "last") {
                return Err(p.expected("'first' or 'last' after 'nulls'"));
            }
            p.bump();
        }
        out.push(OrderItem {
            item,
            desc,
            nulls_first,
        });
        if !next_item(&mut p, "'asc', 'desc' or 'nulls first|last'")? {
            return Ok(out);
        }
    }
}

/// After an item: `true` at a comma (consumed), `false` at the end; else an error naming
/// what could have come (`extra`).
fn next_item(p: &mut Parser<'_>, extra: &str) -> Result<bool, ParseError> {
    match p.peek().tok {
        Tok::Comma => {
            p.bump();
            Ok(true)
        }
        Tok::Eof => Ok(false),
        _ => Err(p.expected(&format!("',' between items, {extra} or the end"))),
    }
}

/// The source text of a span, spaces around it removed.
fn text_of(src: &str, s: Span) -> String {
    src.get(s.start..s.end).unwrap_or("").trim().to_owned()
}

/// Whether the current token is the bare (not back-quoted) word `w`, in any case.
fn word(p: &Parser<'_>, w: &str) -> bool {
    let t = p.peek();
    matches!(&t.tok, Tok::Name(n) if n.eq_ignore_ascii_case(w))
        && p.src()
            .get(t.span.start..t.span.end)
            .is_some_and(|s| s.eq_ignore_ascii_case(w))
}

/// The aggregate a function name calls.
fn agg_of(name: &str) -> Option<Agg> {
    Some(match name.to_ascii_lowercase().as_str() {
        "count" => Agg::Count,
        "sum" => Agg::Sum,
        "min" => Agg::Min,
        "max" => Agg::Max,
        "mean" | "avg" => Agg::Mean,
        _ => return None,
    })
}

/// One item: an aggregate call or an expression.
fn item(p: &mut Parser<'_>) -> Result<Item, ParseError> {
    let t = p.peek().clone();
    let Tok::Name(name) = &t.tok else {
        return Ok(Item::Expr(*p.expr(prec::OR)?.0));
    };
    if *p.peek2() != Tok::LParen || !word(p, name) {
        return Ok(Item::Expr(*p.expr(prec::OR)?.0));
    }
    let Some(func) = agg_of(name) else {
        return Err(ParseError {
            span: t.span,
            message: format!(
                "unknown function '{name}'; the aggregates are count, sum, min, max and mean \
                 (or avg)"
            ),
        });
    };
    p.bump();
    p.bump();
    let mut distinct = false;
    if word(p, "distinct") && !matches!(p.peek2(), Tok::RParen) {
        p.bump();
        distinct = true;
    }
    let arg = if p.peek().tok == Tok::Star {
        p.bump();
        if func != Agg::Count || distinct {
            return Err(ParseError {
                span: t.span,
                message: format!(
                    "{}(*) is not defined; name a column or an expression",
                    agg_name(func)
                ),
            });
        }
        None
    } else {
        if p.peek().tok == Tok::RParen {
            return Err(p.expected("a column or an expression (or * in count(*))"));
        }
        Some(p.expr(prec::OR)?.0)
    };
    if distinct && func != Agg::Count {
        return Err(ParseError {
            span: t.span,
            message: format!(
                "distinct is supported in count only, not in {}",
                agg_name(func)
            ),
        });
    }
    if p.peek().tok != Tok::RParen {
        return Err(p.expected("')' closing the aggregate"));
    }
    let close = p.bump();
    Ok(Item::Agg {
        func,
        distinct,
        arg,
        span: t.span.to(close),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(src: &str) -> Vec<String> {
        parse_select(src)
            .unwrap()
            .into_iter()
            .map(|i| i.name)
            .collect()
    }

    #[test]
    fn select_lists_name_their_outputs() {
        assert_eq!(
            names("carrier, arr_delay - dep_delay as gain, `a b`"),
            ["carrier", "gain", "a b"]
        );
        assert_eq!(
            names("count(*), AVG( x ), sum(price * qty), count(distinct dest), x+1"),
            [
                "count(*)",
                "mean(x)",
                "sum(price * qty)",
                "count(distinct dest)",
                "x+1"
            ]
        );
        let items = parse_select("avg(x), mean( x ) as m").unwrap();
        assert_eq!(items[0].item.to_string(), items[1].item.to_string());
        // A column may be called like a word of the grammar.
        assert_eq!(
            names("`as`, distinct, `desc` as d"),
            ["as", "distinct", "d"]
        );
        assert_eq!(names("count(distinct)"), ["count(distinct)"]);
        assert_eq!(names("max(`a b`)"), ["max(a b)"]);
    }

    #[test]
    fn order_lists_read_direction_and_nulls() {
        let o = parse_order("count(*) desc, dest, x asc nulls first, y DESC NULLS LAST").unwrap();
        let got: Vec<(String, bool, bool)> = o
            .iter()
            .map(|i| (i.item.to_string(), i.desc, i.nulls_first))
            .collect();
        assert_eq!(
            got,
            [
                ("count(*)".into(), true, false),
                ("dest".into(), false, false),
                ("x".into(), false, true),
                ("y".into(), true, false)
            ]
        );
        assert_eq!(
            parse_order("distance / air_time desc").unwrap()[0]
                .item
                .to_string(),
            "(distance / air_time)"
        );
    }

    #[test]
    fn bad_lists_say_where() {
        let e = parse_select("sum(*)").unwrap_err();
        assert!(e.message.contains("sum(*) is not defined"), "{e}");
        let e = parse_select("median(x)").unwrap_err();
        assert!(e.message.contains("unknown function 'median'"), "{e}");
        let e = parse_select("a b").unwrap_err();
        assert!(e.message.contains("','"), "{e}");
        assert_eq!(e.span.start, 2);
        let e = parse_select("sum(distinct x)").unwrap_err();
        assert!(e.message.contains("count only"), "{e}");
        let e = parse_order("x nulls middle").unwrap_err();
        assert!(e.message.contains("'first' or 'last'"), "{e}");
        let e = parse_select("a,").unwrap_err();
        assert!(e.message.contains("expected"), "{e}");
        let e = parse_select("count()").unwrap_err();
        assert!(e.message.contains("count(*)"), "{e}");
        assert!(parse_select("sum(a) * 2").is_err());
    }
}
