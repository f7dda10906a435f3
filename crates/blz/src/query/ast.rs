//! The syntax tree of a query, and its canonical printed form.

use std::collections::HashSet;
use std::fmt;

pub use crate::error::Span;

/// A constant written in the query.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Literal {
    /// An integer such as `42` or `-7`: any value from `i64::MIN` to `u64::MAX`.
    Int(i128),
    /// A number with a fraction or an exponent, such as `3.5`, `1e-3`, `.5` or `2.`; always finite.
    Float(f64),
    /// A single- or double-quoted string, escapes resolved.
    Str(String),
    /// `true` or `false`, in any case.
    Bool(bool),
    /// `null`, in any case.
    Null,
}

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==` or `=`
    Eq,
    /// `!=` or `<>`
    Ne,
    /// `and` or `&`
    And,
    /// `or` or `|`
    Or,
}

impl BinOp {
    /// The canonical spelling, as [`Expr`]'s `Display` prints it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }

    /// Whether this is one of `< <= > >= == !=`, so an evaluator can group them.
    #[must_use]
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
        )
    }
}

impl fmt::Display for BinOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A unary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnOp {
    /// `not` or `~`
    Not,
    /// `-`
    Neg,
}

impl UnOp {
    /// The canonical spelling, as [`Expr`]'s `Display` prints it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            UnOp::Not => "not",
            UnOp::Neg => "-",
        }
    }
}

impl fmt::Display for UnOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed query expression.
///
/// `Display` prints a canonical, fully parenthesised form that parses back to the same tree
/// (spans aside): `(qty < 10) and (price > 96)` prints as `((qty < 10) and (price > 96))`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Expr {
    /// A column, by name (back-quotes removed).
    Column {
        /// The column name.
        name: String,
        /// Where it was written.
        span: Span,
    },
    /// A constant.
    Lit {
        /// The value; `-7` is folded into `Int(-7)`.
        value: Literal,
        /// Where it was written (including a folded minus sign).
        span: Span,
    },
    /// `not e`, `~e` or `-e`.
    Unary {
        /// The operator.
        op: UnOp,
        /// The operand.
        expr: Box<Expr>,
        /// From the operator to the end of the operand.
        span: Span,
    },
    /// `lhs op rhs`.
    Binary {
        /// The operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
        /// From the start of `lhs` to the end of `rhs`.
        span: Span,
    },
    /// `e in [a, b]` or `e not in [a, b]`.
    InList {
        /// The tested value.
        expr: Box<Expr>,
        /// The candidates, possibly empty.
        list: Vec<Literal>,
        /// `not in`.
        negated: bool,
        /// From the start of `expr` to the closing bracket.
        span: Span,
    },
    /// `e between low and high` or `e not between low and high` (bounds included).
    Between {
        /// The tested value.
        expr: Box<Expr>,
        /// The lower bound.
        low: Box<Expr>,
        /// The upper bound.
        high: Box<Expr>,
        /// `not between`.
        negated: bool,
        /// From the start of `expr` to the end of `high`.
        span: Span,
    },
    /// `e like 'pattern'`, `e not like ...`, `e ilike ...` (case-insensitive), with `%` for any
    /// text, `_` for one character and an optional `escape 'c'`.
    Like {
        /// The tested value.
        expr: Box<Expr>,
        /// The pattern.
        pattern: String,
        /// The escape character, which makes the next `%`, `_` or itself literal.
        escape: Option<char>,
        /// `not like`.
        negated: bool,
        /// `ilike`: letters match in any case.
        case_insensitive: bool,
        /// From the start of `expr` to the end of the pattern (or escape).
        span: Span,
    },
    /// `e is null` or `e is not null`.
    IsNull {
        /// The tested value.
        expr: Box<Expr>,
        /// `is not null`.
        negated: bool,
        /// From the start of `expr` to `null`.
        span: Span,
    },
}

impl Expr {
    /// Where this node was written, to point error messages of later passes at it.
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            Expr::Column { span, .. }
            | Expr::Lit { span, .. }
            | Expr::Unary { span, .. }
            | Expr::Binary { span, .. }
            | Expr::InList { span, .. }
            | Expr::Between { span, .. }
            | Expr::Like { span, .. }
            | Expr::IsNull { span, .. } => *span,
        }
    }

    /// Lets the parser widen a node over the parentheses around it.
    pub(super) fn span_mut(&mut self) -> &mut Span {
        match self {
            Expr::Column { span, .. }
            | Expr::Lit { span, .. }
            | Expr::Unary { span, .. }
            | Expr::Binary { span, .. }
            | Expr::InList { span, .. }
            | Expr::Between { span, .. }
            | Expr::Like { span, .. }
            | Expr::IsNull { span, .. } => span,
        }
    }

    /// Columns referenced, in first-appearance order, no duplicates, so a caller can check
    /// and load exactly the columns a query needs.
    #[must_use]
    pub fn columns(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        // An explicit stack: later passes may meet trees as deep as the parser allows.
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            match e {
                Expr::Column { name, .. } => {
                    if seen.insert(name.as_str()) {
                        out.push(name.as_str());
                    }
                }
                Expr::Lit { .. } => {}
                Expr::Unary { expr, .. }
                | Expr::InList { expr, .. }
                | Expr::Like { expr, .. }
                | Expr::IsNull { expr, .. } => stack.push(expr),
                Expr::Between {
                    expr, low, high, ..
                } => {
                    stack.push(high);
                    stack.push(low);
                    stack.push(expr);
                }
                Expr::Binary { lhs, rhs, .. } => {
                    // Right first so the left operand is visited first.
                    stack.push(rhs);
                    stack.push(lhs);
                }
            }
        }
        out
    }
}

/// The words that cannot be bare column names (compared case-insensitively).
pub(super) const KEYWORDS: [&str; 12] = [
    "and", "or", "not", "in", "is", "null", "true", "false", "between", "like", "ilike", "escape",
];

/// Whether `name` can be printed without back-quotes and read back as the same column.
fn is_bare_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(name))
}

/// Prints a column name, back-quoted when needed.
fn write_name(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    if is_bare_name(name) {
        f.write_str(name)
    } else {
        f.write_str("`")?;
        f.write_str(&name.replace('`', "``"))?;
        f.write_str("`")
    }
}

impl fmt::Display for Literal {
    /// The literal as the query language spells it. Floats always carry a `.` or an exponent
    /// so they read back as floats; a non-finite float (which the parser never produces)
    /// prints as `inf`/`NaN` and does not read back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Int(v) => write!(f, "{v}"),
            // `Debug` is the shortest text that reads back exactly, and keeps `.0` / `e`.
            Literal::Float(v) => write!(f, "{v:?}"),
            Literal::Str(s) => {
                f.write_str("\"")?;
                for c in s.chars() {
                    match c {
                        '\\' => f.write_str("\\\\")?,
                        '"' => f.write_str("\\\"")?,
                        '\n' => f.write_str("\\n")?,
                        '\t' => f.write_str("\\t")?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("\"")
            }
            Literal::Bool(true) => f.write_str("true"),
            Literal::Bool(false) => f.write_str("false"),
            Literal::Null => f.write_str("null"),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Column { name, .. } => write_name(f, name),
            Expr::Lit { value, .. } => write!(f, "{value}"),
            Expr::Unary {
                op: UnOp::Neg,
                expr,
                ..
            } => {
                // `-7` would read back as the literal -7, not as negation of 7.
                if matches!(
                    **expr,
                    Expr::Lit {
                        value: Literal::Int(_) | Literal::Float(_),
                        ..
                    }
                ) {
                    write!(f, "(-({expr}))")
                } else {
                    write!(f, "(-{expr})")
                }
            }
            Expr::Unary {
                op: UnOp::Not,
                expr,
                ..
            } => write!(f, "(not {expr})"),
            Expr::Binary { op, lhs, rhs, .. } => write!(f, "({lhs} {op} {rhs})"),
            Expr::InList {
                expr,
                list,
                negated,
                ..
            } => {
                let not = if *negated { "not " } else { "" };
                write!(f, "({expr} {not}in [")?;
                for (i, item) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("])")
            }
            Expr::IsNull { expr, negated, .. } => {
                let not = if *negated { "not " } else { "" };
                write!(f, "({expr} is {not}null)")
            }
            Expr::Between {
                expr,
                low,
                high,
                negated,
                ..
            } => {
                let not = if *negated { "not " } else { "" };
                write!(f, "({expr} {not}between {low} and {high})")
            }
            Expr::Like {
                expr,
                pattern,
                escape,
                negated,
                case_insensitive,
                ..
            } => {
                let not = if *negated { "not " } else { "" };
                let op = if *case_insensitive { "ilike" } else { "like" };
                let pattern = Literal::Str(pattern.clone());
                write!(f, "({expr} {not}{op} {pattern}")?;
                if let Some(c) = escape {
                    write!(f, " escape {}", Literal::Str(c.to_string()))?;
                }
                f.write_str(")")
            }
        }
    }
}
