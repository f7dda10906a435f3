//! The query expression language: text to [`Expr`].
//!
//! Queries filter table rows in the spirit of numexpr and pandas' `DataFrame.query`, with a
//! few SQL habits. [`parse`] (or `str::parse::<Expr>`) turns text into an [`Expr`] tree;
//! evaluation lives elsewhere.
//!
//! ```
//! use blz::{BinOp, Expr, ParseError};
//! let e: Expr = "qty < 10 & price > 96".parse()?;
//! assert!(matches!(e, Expr::Binary { op: BinOp::And, .. }));
//! assert_eq!(e.columns(), ["qty", "price"]);
//! assert_eq!(e.to_string(), "((qty < 10) and (price > 96))");
//! let err = "qty < 10 $ 3".parse::<Expr>().unwrap_err();
//! assert_eq!(err.to_string(), "query parse error at column 10: unknown character '$'");
//! assert_eq!(err.render("qty < 10 $ 3"), "qty < 10 $ 3\n         ^");
//! # Ok::<(), ParseError>(())
//! ```
//!
//! # Syntax
//! - Column names: `[A-Za-z_][A-Za-z0-9_]*` that is not a keyword, or any non-empty text in
//!   back-quotes, with ` `` ` standing for one back-quote: `` `unit price` ``, `` `and` ``.
//! - Literals: integers `42` (`-7` is the literal −7), floats `3.5` `1e-3` `.5` `2.`, strings in
//!   `'single'` or `"double"` quotes with the escapes `\\ \' \" \n \t`, `true`, `false`, `null`.
//!   Integers may be anything from `i64::MIN` to `u64::MAX` and floats must be finite, else
//!   the query does not parse.
//! - Keywords (`and or not in is null true false between like ilike escape`) are
//!   case-insensitive.
//! - Comparisons `< <= > >= == !=`, plus `=` for `==` and `<>` for `!=`.
//! - Boolean `and` / `&`, `or` / `|`, `not` / `~`; arithmetic `+ - * /`.
//! - `x in [1, 2, 3]`, `x in (1, 2)`, `x not in ['a', "b"]`: the items are literals (numbers
//!   may have a leading `-`), the list may be empty and may end with a comma.
//! - `x is null`, `x is not null`; parentheses group.
//! - `x between a and b`, `x not between a and b` (bounds included, any ordered type).
//! - `s like 'JF%'`, `s not like 'a_c'`, `s ilike 'jfk'` (any case), `s like '50!%' escape '!'`:
//!   `%` is any text, `_` one character.
//!
//! # Semantics (SQL's)
//! - Integers (and timestamps) compare and compute exactly: arithmetic is in 128 bits, an
//!   overflow past that is an error naming the expression; an integer against a float compares
//!   their exact values. `/` gives a float.
//! - Text orders byte-wise (UTF-8), as DuckDB's default collation: `s < 'b'`, `min(s)`.
//! - A timestamp column compares with ISO-8601 text (`'2013-01-01'`, `'2013-01-01 10:00'`,
//!   `'2013-01-01T10:00:00.5Z'`, `'2013-01-01T11:00:00+01:00'`), never with a bare number.
//! - Nulls: a comparison with a null value is unknown, only true rows are selected;
//!   aggregates skip nulls and are null over no non-null value (`count` is 0).
//!
//! # Precedence, lowest first
//! 1. `or`, `|`
//! 2. `and`, `&`
//! 3. `not`, `~` (prefix)
//! 4. comparisons, `in`, `not in`, `is null`, `is not null` (these do not chain:
//!    `a < b < c` is an error, write `a < b and b < c`)
//! 5. `+`, `-`
//! 6. `*`, `/`
//! 7. unary `-`
//! 8. names, literals, parentheses
//!
//! Binary operators associate to the left. **Unlike Python**, `&` and `|` are only other
//! spellings of `and` and `or` and bind *below* comparisons, so `qty < 10 & price > 96` means
//! `(qty < 10) & (price > 96)`, as in pandas' `query` rather than in plain Python. Because
//! `not` binds below comparisons, `not a == b` is `not (a == b)`, and a negation used as an
//! operand needs parentheses: `a == (not b)`.
//!
//! # Limits
//! Trees deeper than [`MAX_DEPTH`] (counting parentheses and prefix operators while parsing,
//! and the height of the resulting tree, so `a + a + ...` with more than 256 terms too) are
//! rejected, so neither the parser nor later recursive passes can overflow the stack. Long
//! alternatives are better written as `x in [...]`.
//!
//! # Printing
//! `Display` for [`Expr`] prints a canonical, fully parenthesised form that [`parse`] reads back
//! as the same tree (spans aside).

mod aggregate;
mod ast;
mod compile;
#[cfg(test)]
mod engine_tests;
mod eval;
mod group;
mod kernel;
mod lexer;
mod like;
mod list;
mod order;
mod parser;
mod select;
mod take;
#[cfg(test)]
mod tests;

pub use ast::{BinOp, Expr, Literal, Span, UnOp};
pub use parser::{ParseError, parse};

/// The deepest nesting [`parse`] accepts (parentheses and prefix operators while parsing,
/// and the height of the tree it returns).
///
/// At this depth parsing takes about 200 KiB of stack in optimized builds and 750 KiB in
/// unoptimized ones, within the 2 MiB of a default spawned thread.
pub const MAX_DEPTH: usize = 256;
pub use aggregate::Agg;
pub use eval::Query;
pub use list::{Item, OrderItem, SelectItem, parse_order, parse_select};
pub use select::{Rows, Select};
